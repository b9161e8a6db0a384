"""`copy tftp flash` on the device, against vpix's own TFTP server and tftpd-hpa."""

from __future__ import annotations

import asyncio
import hashlib

import pytest

from helpers import servers
from helpers.gateway import GATEWAY, gatewayed
from helpers.served import settle, typed, until

from vpix.image import format as image_format
from vpix.transfer import tftp
from vpix.transfer.tftp_server import TftpServer


@pytest.fixture
async def server(tmp_path, monkeypatch):
    root = tmp_path / "tftproot"
    root.mkdir()
    image_format.build(root / "pix722.bin", "7.2(2)", "pix", size_mb=0.5)
    image_format.build(root / "pix634.bin", "6.3(4)", "pix", size_mb=0.3)
    corrupt = bytearray((root / "pix722.bin").read_bytes())
    corrupt[5000] ^= 0xFF
    (root / "corrupt.bin").write_bytes(bytes(corrupt))
    (root / "notes.txt").write_text("hello\n")
    tftp_server = TftpServer(root)
    port = await tftp_server.start()
    monkeypatch.setattr(tftp, "TFTP_PORT", port)
    yield root
    tftp_server.close()


async def test_copy_tftp_flash_asks_and_installs(pix7, server):
    unit, term = pix7
    gatewayed(unit, term)
    assert term.type("copy tftp flash\n").endswith("Address or name of remote host []? ")
    assert term.type("10.0.0.254\n").endswith("Source filename []? ")
    assert term.type("pix722.bin\n").endswith("Destination filename [pix722.bin]? ")
    out = term.type("\n")
    await settle(unit)
    out += term.read()
    assert out.startswith("\nAccessing tftp://10.0.0.254/pix722.bin...!")
    assert "Writing file flash:/pix722.bin...\n" in out
    assert out.rstrip().endswith("pixfirewall#")
    assert hashlib.md5(unit.flash.path("pix722.bin").read_bytes()).digest() == \
        hashlib.md5((server / "pix722.bin").read_bytes()).digest()


async def test_copy_tftp_url_form(pix7, server):
    unit, term = pix7
    gatewayed(unit, term)
    term.type("copy tftp://10.0.0.254/notes.txt flash:/n.txt\n")
    await settle(unit)
    assert "bytes copied in" in term.read()
    assert unit.flash.path("n.txt").read_text() == "hello\n"


async def test_missing_file_and_corrupt_image_change_nothing(pix7, server):
    unit, term = pix7
    gatewayed(unit, term)
    before = {e.name: e.size for e in unit.flash.entries()}
    term.type("copy /noconfirm tftp://10.0.0.254/nothere.bin flash:\n")
    await settle(unit)
    assert "%Error opening tftp://10.0.0.254/nothere.bin (No such file or directory)" in term.read()
    term.type("copy /noconfirm tftp://10.0.0.254/corrupt.bin flash:/pix721.bin\n")
    await settle(unit)
    assert "(Checksum verification failed)" in term.read()
    assert {e.name: e.size for e in unit.flash.entries()} == before
    assert not any(p.name.startswith(".tmp-") for p in unit.flash.root.iterdir())


async def test_6x_copy_tftp_flash_replaces_the_image(pix6, server):
    unit, term = pix6
    gatewayed(unit, term)
    assert term.type("copy tftp flash\n").endswith("Address or name of remote host [127.0.0.1]? ")
    assert term.type(f"{GATEWAY}\n").endswith("Source file name [cdisk]? ")
    out = term.type("pix634.bin\n")
    assert out.endswith("copying tftp://10.0.0.254/pix634.bin to flash:image\n[yes|no|again]? ")
    term.type("y\n")
    await settle(unit)
    out = term.read()
    size = (server / "pix634.bin").stat().st_size
    assert f"Received {size} bytes" in out and "Erasing current image" in out and "Image installed" in out
    assert [e.name for e in unit.flash.entries()] == ["image.bin"]
    unit.reload()
    assert "Cisco PIX Firewall Version 6.3(4)" in unit.console.text()


async def test_6x_tftp_server_colon_shorthand(pix6, server):
    unit, term = pix6
    gatewayed(unit, term)
    term.cmd("conf t")
    term.cmd("tftp-server inside 10.0.0.254 /pix634.bin")
    assert "tftp-server inside 10.0.0.254 /pix634.bin" in term.cmd("show running-config")
    out = term.type("copy tftp: flash\n")
    assert out.endswith("copying tftp://10.0.0.254/pix634.bin to flash:image\n[yes|no|again]? ")
    term.type("no\n")
    await settle(unit)


@pytest.fixture
def tftpd_hpa(tmp_path):
    root = tmp_path / "hpa"
    root.mkdir(mode=0o755)
    tmp_path.chmod(0o755)
    image_format.build(root / "pix722.bin", "7.2(2)", "pix", size_mb=1)
    (root / "pix722.bin").chmod(0o644)
    with servers.tftpd_hpa(root) as port:
        yield root, port


async def test_copy_from_tftpd_hpa(pix7, tftpd_hpa, monkeypatch):
    root, port = tftpd_hpa
    monkeypatch.setattr(tftp, "TFTP_PORT", port)
    unit, term = pix7
    gatewayed(unit, term)
    term.type("copy /noconfirm tftp://10.0.0.254/pix722.bin flash:\n")
    await settle(unit)
    assert "bytes copied in" in term.read()
    assert image_format.inspect(unit.flash.path("pix722.bin")).version.maint == 2


async def test_a_session_without_terminal_waits_for_the_transfer(pix7, tmp_path):
    """What the SSH exec channel does: submit a line, get `done` when the copy has ended."""
    unit, term = pix7
    gatewayed(unit, term)
    image_format.build(tmp_path / "pix722.bin", "7.2(2)", "pix", size_mb=0.3)
    server = TftpServer(tmp_path)
    port = await server.start()
    output: list[str] = []
    finished = asyncio.Event()
    session = unit.system.open_session("ssh", sink=output.append, priv=15, interactive=False)
    try:
        session.submit(f"copy tftp://10.0.0.254:{port}/pix722.bin flash:", finished.set)
        assert not finished.is_set()
        await until(unit.clock, finished.is_set)
    finally:
        server.close()
    text = "".join(output)
    assert text.startswith(f"\nDestination filename [pix722.bin]? \nAccessing tftp://10.0.0.254:{port}/")
    assert "bytes copied in" in text and unit.flash.exists("pix722.bin")


async def test_esc_aborts_a_hung_download(pix7, tmp_path):
    from vpix.transfer.tftp_server import Faults

    (tmp_path / "f.bin").write_bytes(b"x" * 5000)
    server = TftpServer(tmp_path, Faults(silent=True))
    port = await server.start()
    unit, term = pix7
    gatewayed(unit, term)
    try:
        term.type(f"copy /noconfirm tftp://10.0.0.254:{port}/f.bin flash:\n")
        assert unit.console_session.busy           # the server never answers
        said = term.type("\x1b")                   # at once: far less than the client's own time-out
    finally:
        server.close()
    assert "(Aborted)" in said and not unit.console_session.busy and not unit.flash.exists("f.bin")


async def test_copy_tftp_to_startup_config_replaces_it_and_to_running_config_merges(pix7, server):
    unit, term = pix7
    gatewayed(unit, term)
    (server / "fw.cfg").write_text("hostname from-server\nname 10.9.9.9 far\n")
    out = await typed(unit, term, "copy /noconfirm tftp://10.0.0.254/fw.cfg startup-config\n")
    assert out.startswith("copy /noconfirm tftp://10.0.0.254/fw.cfg startup-config\nAccessing tftp://10.0.0.254/fw.cfg...")
    assert unit.system.read_startup() == "hostname from-server\nname 10.9.9.9 far\n"
    assert not unit.flash.exists("startup-config")
    assert unit.console_session.prompt() == "pixfirewall# "
    await typed(unit, term, "copy /noconfirm tftp://10.0.0.254/fw.cfg running-config\n")
    assert unit.console_session.prompt() == "from-server# "
    failed = await typed(unit, term, "copy /noconfirm tftp://10.0.0.254/missing.cfg startup-config\n")
    assert "%Error opening tftp://10.0.0.254/missing.cfg (No such file or directory)" in failed
    assert unit.system.read_startup() == "hostname from-server\nname 10.9.9.9 far\n"


def test_checkpoint_to_flash_and_back(pix7):
    """pyntc's checkpoint: the running configuration to a flash file, and that file back."""
    unit, term = pix7
    assert "bytes copied" in term.cmd("copy /noconfirm running-config flash:/checkpoint.cfg")
    assert unit.flash.read("checkpoint.cfg").decode().splitlines() == unit.system.config_text()
    term.configure("hostname changed")
    term.cmd("copy /noconfirm flash:/checkpoint.cfg running-config")
    assert unit.console_session.prompt() == "pixfirewall# "
    term.cmd("copy /noconfirm flash:/checkpoint.cfg startup-config")
    assert unit.system.read_startup().splitlines() == unit.flash.read("checkpoint.cfg").decode().splitlines()
    assert "Invalid argument" in term.cmd("copy /noconfirm running-config flash:/.hidden")


@pytest.mark.parametrize("name, version, line, said", [
    ("asa722.bin", "7.2(2)", "asa", "Image 7.2(2) is not supported on platform PIX-515E"),
    ("pix43.bin", "4.3(1)", "pix", "Image version 4.3(1) is earlier than 4.4 and cannot be installed")])
async def test_an_image_the_platform_cannot_boot_is_refused_before_flash_is_touched(pix7, server, name, version,
                                                                                   line, said):
    unit, term = pix7
    gatewayed(unit, term)
    image_format.build(server / name, version, line, size_mb=0.05)
    before = [(e.name, e.size) for e in unit.flash.entries()]
    out = await typed(unit, term, f"copy /noconfirm tftp://10.0.0.254/{name} flash:\n")
    assert f"%Error verifying flash:/{name} ({said})" in out
    assert [(e.name, e.size) for e in unit.flash.entries()] == before


async def test_6x_refuses_an_asa_image_in_its_words(pix6, server):
    unit, term = pix6
    gatewayed(unit, term)
    image_format.build(server / "asa722.bin", "7.2(2)", "asa", size_mb=0.05)
    before = [(e.name, e.size) for e in unit.flash.entries()]
    term.type("copy tftp://10.0.0.254/asa722.bin flash\n")
    out = await typed(unit, term, "yes\n")
    assert "Image 7.2(2) is not supported on platform PIX-515E\nImage not installed" in out
    assert [(e.name, e.size) for e in unit.flash.entries()] == before
