"""Real hosts (Linux network namespaces on TAP-backed segments, the kernel's TCP/IP) through a
unit in a lab, as root: ping, and the seed's FTP functionality test with vsftpd on the inside
and curl on the outside, in passive mode (the data port opened by FTP inspection, which the
access list does not open) and active mode. Hosts' commands run through `vpix lab exec`."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys

from helpers.real_hosts import CONFIG, NEEDS, lab_exec, one_unit_lab, running
from helpers.served import vsftpd_config

from vpix.lab import runner

pytestmark = NEEDS


async def test_ping_and_ftp_through_a_unit_between_namespaces(tmp_path):
    lab_file = one_unit_lab(tmp_path, CONFIG)
    lab, _ = await running(lab_file)
    vsftpd = None
    try:
        code, out = await lab_exec(lab_file, "pc", "ping", "-c", "2", "-W", "2", "172.16.1.50")
        assert code == 0, out.decode()

        root = tmp_path / "ftp"
        root.mkdir()
        payload = os.urandom(300_000)
        (root / "file.bin").write_bytes(payload)
        for path in (tmp_path, root, root / "file.bin"):
            path.chmod(0o755)
        conf = tmp_path / "vsftpd.conf"
        conf.write_text(vsftpd_config(root, "192.168.1.50", 21, range(30000, 30010), from_port_20=True))
        vsftpd = await asyncio.create_subprocess_exec(sys.executable, "-m", "vpix", "lab", "exec", "pc", "--lab",
                                                      str(lab_file), "--", "vsftpd", str(conf))
        for _ in range(50):
            code, _ = await lab_exec(lab_file, "pc", "sh", "-c", "ss -ltn | grep -q 192.168.1.50:21")
            if code == 0:
                break
            await asyncio.sleep(0.1)
        for mode, options in (("passive", []), ("active", ["--ftp-port", "-"])):
            target = tmp_path / f"{mode}.bin"
            code, out = await lab_exec(lab_file, "server", "curl", "-sS", "--max-time", "20", *options, "-o",
                                       str(target), "ftp://192.168.1.50/file.bin")
            assert code == 0, (mode, out.decode())
            assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(payload).digest(), mode
    finally:
        if vsftpd is not None and vsftpd.returncode is None:
            vsftpd.kill()
            await vsftpd.wait()
        await runner.stop(lab)
