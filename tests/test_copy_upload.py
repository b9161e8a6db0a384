"""Files and configurations to servers: `copy … tftp:|ftp:`, `write net`, against tftpd-hpa
(creating files) and vsftpd (anonymous uploads), and what a refusal leaves behind."""

from __future__ import annotations

import os

import pytest
from helpers.loopnet import upload
from helpers.gateway import gatewayed
from helpers.served import typed
from helpers.servers import vsftpd

from vpix.transfer import remote, tftp


@pytest.mark.parametrize("size", [0, 512 * 4, 300_000])
async def test_upload_core_to_tftpd_hpa(tftpd_hpa_writable, size):
    root, port = tftpd_hpa_writable
    data = os.urandom(size)
    seen = []
    outcome = await upload("127.0.0.1", "backup.bin", data, port=port, on_sent=seen.append)
    assert outcome.code is None
    assert (root / "backup.bin").read_bytes() == data
    assert seen[-1] == size
    missing = await upload("127.0.0.1", "no/such/dir.bin", data, port=port, timeout_s=0.3)
    assert remote.reason(missing) == "No such file or directory"


async def test_copy_flash_file_to_tftp_asks_and_sends(pix7, tftpd_hpa_writable):
    root, port = tftpd_hpa_writable
    unit, term = pix7
    gatewayed(unit, term)
    unit.flash.write("notes.txt", [os.urandom(100_000)])
    assert term.type(f"copy flash:/notes.txt tftp://10.0.0.254:{port}/n.txt\n").endswith(
        "Source filename [notes.txt]? ")
    assert term.type("\n").endswith("Address or name of remote host [10.0.0.254]? ")
    assert term.type("\n").endswith("Destination filename [n.txt]? ")
    out = await typed(unit, term, "\n")
    assert "\n!!!\n100000 bytes copied in " in out
    assert (root / "n.txt").read_bytes() == unit.flash.path("notes.txt").read_bytes()


async def test_copy_running_config_to_tftp(pix7, tftpd_hpa_writable, monkeypatch):
    root, port = tftpd_hpa_writable
    monkeypatch.setattr(tftp, "TFTP_PORT", port)
    unit, term = pix7
    gatewayed(unit, term)
    term.configure("hostname backed-up")
    assert term.type("copy running-config tftp:\n").endswith("Source filename [running-config]? ")
    assert term.type("\n").endswith("Address or name of remote host []? ")
    assert term.type("10.0.0.254\n").endswith("Destination filename [running-config]? ")
    out = await typed(unit, term, "fw.cfg\n")
    words = " ".join(unit.system.checksum()[i:i + 8] for i in range(0, 32, 8))
    assert f"Cryptochecksum: {words} \n!\n" in out and " bytes copied in " in out
    saved = (root / "fw.cfg").read_text()
    assert "hostname backed-up\n" in saved and saved.split("\n") == unit.system.config_text() + [""]
    # the file loads back into the device as it was
    term.configure("hostname other")
    assert unit.system.apply_config(saved) == [] and unit.system.checksum() in saved


async def test_write_net_uses_the_tftp_server_setting(pix6, tftpd_hpa_writable, monkeypatch):
    root, port = tftpd_hpa_writable
    monkeypatch.setattr(tftp, "TFTP_PORT", port)
    unit, term = pix6
    gatewayed(unit, term)
    term.cmd("configure terminal")
    term.cmd("tftp-server inside 10.0.0.254 /pix.cfg")
    out = await typed(unit, term, "write net\n")
    assert "write net\nBuilding configuration...\nCryptochecksum: " in out and "[OK]" in out
    assert "tftp-server inside 10.0.0.254 /pix.cfg" in (root / "pix.cfg").read_text()
    await typed(unit, term, "write net :other.cfg\n")
    assert (root / "other.cfg").exists()


async def test_a_refused_upload_says_why_and_writes_nothing(pix7, tftpd_hpa_writable):
    root, port = tftpd_hpa_writable
    unit, term = pix7
    gatewayed(unit, term)
    before = sorted(e.name for e in unit.flash.entries())
    url = f"tftp://10.0.0.254:{port}/missing/dir.cfg"
    out = await typed(unit, term, f"copy /noconfirm running-config {url}\n")
    assert f"%Error opening tftp://10.0.0.254:{port}/missing/dir.cfg (No such file or directory)" in out
    assert sorted(e.name for e in unit.flash.entries()) == before and list(root.iterdir()) == []
    out = term.type(f"copy /noconfirm flash:/nope.bin tftp://10.0.0.254:{port}/x\n")
    assert "%Error opening flash:/nope.bin (No such file or directory)" in out
    term.type(f"copy flash:/nope.bin tftp://10.0.0.254:{port}/x\n")
    term.type("http://elsewhere/x\n")                           # another file system's name as the answer
    assert "%Error opening http://elsewhere/x (No such file or directory)" in term.type("\n\n")
    assert list(root.iterdir()) == []


@pytest.fixture
def vsftpd_uploads(tmp_path):
    root = tmp_path / "ftp"
    (root / "incoming").mkdir(parents=True)
    root.chmod(0o755)
    (root / "incoming").chmod(0o777)
    tmp_path.chmod(0o755)
    with vsftpd(root, tmp_path, uploads=True) as port:
        yield root / "incoming", port


@pytest.mark.parametrize("passive", [True, False])
async def test_copy_running_config_to_ftp(pix7, vsftpd_uploads, passive):
    incoming, port = vsftpd_uploads
    unit, term = pix7
    gatewayed(unit, term)
    if passive:
        term.configure("ftp mode passive")
    url = f"ftp://anonymous:x@10.0.0.254:{port}/incoming/fw.cfg"
    assert " bytes copied in " in await typed(unit, term, f"copy /noconfirm running-config {url}\n")
    assert (incoming / "fw.cfg").read_text().split("\n") == unit.system.config_text() + [""]
    out = await typed(unit, term, f"copy /noconfirm running-config ftp://10.0.0.254:{port}/fw.cfg\n")  # not writable
    assert f"%Error opening ftp://10.0.0.254:{port}/fw.cfg (Permission denied)" in out
