"""Hypothesis at the CLI: random keys, URLs, file names and misbehaving servers never crash
the unit or damage flash; each gets an answer in the device's words."""

from __future__ import annotations

import asyncio
import hashlib
import socket
import string

from hypothesis import HealthCheck, given, settings, strategies as st

from helpers.gateway import GATEWAY, gatewayed
from helpers.served import settle
from conftest import Terminal, make_unit

from vpix.transfer.tftp_server import Faults, TftpServer

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

hexword = st.one_of(st.integers(0, 2**32 - 1).map(lambda v: f"0x{v:08x}"),
                    st.text(alphabet=string.hexdigits + "xX", min_size=1, max_size=10))
names = st.text(alphabet=string.ascii_letters + string.digits + "._-/:", min_size=1, max_size=30)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _flash_state(unit) -> dict[str, str]:
    return {e.name: hashlib.md5(unit.flash.path(e.name).read_bytes()).hexdigest()
            for e in unit.flash.entries()}


@SETTINGS
@given(words=st.lists(hexword, min_size=0, max_size=6))
def test_random_activation_keys(tmp_path_factory, images, words):
    unit = make_unit(tmp_path_factory.mktemp("k"), images)
    unit.power_on()
    session = unit.system.open_session("ssh", priv=15)
    key_before = unit.flash.read_private("activation-key")
    out = session.execute("activation-key " + " ".join(words))
    assert "Internal error" not in out
    if "has been modified" not in out:
        assert unit.flash.read_private("activation-key") == key_before
        assert out.strip() in ("The activation key is not valid.", "ERROR: % Incomplete command") or \
            "Invalid input" in out or "same as the Running key" in out


@SETTINGS
@given(command=st.sampled_from(["delete /noconfirm", "verify /md5", "dir", "copy /noconfirm flash:/pix721.bin",
                                "rename /noconfirm flash:/pix721.bin", "boot system", "mkdir /noconfirm",
                                "rmdir /noconfirm", "dir flash:/pix721.bin/"]),
       name=names)
def test_random_file_names(tmp_path_factory, images, command, name):
    unit = make_unit(tmp_path_factory.mktemp("f"), images)
    unit.power_on()
    session = unit.system.open_session("ssh", priv=15)
    before = _flash_state(unit)
    session.execute("conf t") if command == "boot system" else None
    out = session.execute(f"{command} {name}")
    assert "Internal error" not in out
    assert before["pix721.bin"] == _flash_state(unit).get("pix721.bin", before["pix721.bin"]) or \
        command.startswith(("delete", "rename"))
    assert not any(p.name.startswith(".tmp-") for p in unit.flash.root.iterdir())


urls = st.builds(lambda scheme, auth, path: f"{scheme}://{auth}{GATEWAY}:{_closed_port()}/{path}",
                 st.sampled_from(["ftp", "http", "https"]),
                 st.sampled_from(["", "u:p@", "user@", ":@"]), names)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(url=st.one_of(urls, st.text(alphabet=string.printable.strip(), max_size=40)))
def test_random_urls(tmp_path_factory, images, url):
    async def scenario():
        unit = make_unit(tmp_path_factory.mktemp("u"), images)
        term = Terminal(unit)
        unit.power_on()
        unit.console_session.priv = 15
        gatewayed(unit, term)
        before = _flash_state(unit)
        out = term.type(f"copy /noconfirm {url} flash:/fetched.bin\n")
        await settle(unit)
        out += term.read()
        assert "Internal error" not in out
        assert not unit.console_session.busy
        assert _flash_state(unit) == before
    asyncio.run(scenario())


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(faults=st.builds(Faults, drop_blocks=st.sets(st.integers(1, 20), max_size=3),
                        duplicate_blocks=st.sets(st.integers(1, 20), max_size=3),
                        stray_port_at=st.none() | st.integers(1, 20), runt_at=st.none() | st.integers(1, 20),
                        bad_opcode_at=st.none() | st.integers(1, 30), error_at=st.none() | st.integers(1, 30)))
def test_misbehaving_tftp_server(tmp_path_factory, images, faults):
    async def scenario():
        root = tmp_path_factory.mktemp("srv")
        (root / "file.bin").write_bytes(bytes(range(256)) * 40)      # 20 blocks of 512
        server = TftpServer(root, faults, retransmit_s=0.3)
        port = await server.start()
        unit = make_unit(tmp_path_factory.mktemp("t"), images)
        term = Terminal(unit)
        unit.power_on()
        unit.console_session.priv = 15
        gatewayed(unit, term)
        try:
            out = term.type(f"copy /noconfirm tftp://{GATEWAY}:{port}/file.bin flash:/file.bin\n")
            await settle(unit, timeout=30)
        finally:
            server.close()
        out += term.read()
        assert "Internal error" not in out and not unit.console_session.busy
        if unit.flash.exists("file.bin"):
            assert unit.flash.path("file.bin").read_bytes() == (root / "file.bin").read_bytes()
        else:
            assert "%Error" in out
    asyncio.run(scenario())
