"""The unit's own transfers, through its interfaces, from servers in a network namespace host
on its inside segment, next to the peers fetching the same file from the same server:

- `copy tftp://…` of a 16 MiB image into an ASA5520's flash, typed at the console (the CLI path, wall clock
  from Return to the prompt), against tftp-hpa's client (512-byte blocks) in a second
  namespace host on the same segment. Goal: at least as fast.
- `copy ftp://…` (vsftpd, passive) and `copy http://…` (Python's http.server) of the same
  image, against curl in the second host and curl inside the server's namespace on loopback.
  Goal: at least 0.5x curl on loopback.
- SSH to the unit's inside address from the second host: the round trip of `show version`
  (send to prompt), median of 20. Goal: 5 ms.

Runs alternate (ours, theirs), the first of each discarded; medians printed with the machine's
load. Needs root, tftpd-hpa, tftp-hpa, vsftpd, curl (scripts/setup-tests.sh).
Run: python bench/own_transfers.py [runs] [--quick]   (--quick: 1 MiB, one run: that it works)
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from vpix.image import format as image_format
from vpix.lab import model, runner
from vpix.lab.namespaces import namespace_name

from options import machine_load

SERVER, PEER, UNIT = "192.168.1.50", "192.168.1.60", "192.168.1.1"
CONFIG = f"""hostname fw
enable password cisco
interface GigabitEthernet0/1
 nameif inside
 security-level 100
 ip address {UNIT} 255.255.255.0
 no shutdown
username admin password admin privilege 15
aaa authentication ssh console LOCAL
ssh 192.168.1.0 255.255.255.0 inside
ftp mode passive
"""

SSH_ROUND_TRIPS = """
import asyncio, statistics, sys, time, warnings
warnings.simplefilter("ignore")          # cryptography's word on the device's Diffie-Hellman group
import asyncssh

async def main():
    async with asyncssh.connect("{unit}", username="admin", password="admin", known_hosts=None,
                                preferred_auth="password", kex_algs=["diffie-hellman-group1-sha1"],
                                encryption_algs=["aes128-cbc"], mac_algs=["hmac-sha1"],
                                server_host_key_algs=["ssh-rsa"]) as conn:
        shell = await conn.create_process(term_type="vt100", encoding="latin-1")
        await shell.stdout.readuntil("fw> ")
        shell.stdin.write("terminal pager 0\\n")
        await shell.stdout.readuntil("fw> ")
        times = []
        for _ in range(21):
            started = time.perf_counter()
            shell.stdin.write("show version\\n")
            await shell.stdout.readuntil("fw> ")
            times.append(time.perf_counter() - started)
        print(statistics.median(times[1:]) * 1000)

asyncio.run(main())
"""


def lab_file(work: Path) -> Path:
    lab = {"name": f"bt{os.getpid() % 10000}", "workdir": str(work / "lab"),
           "units": {"fw": {"platform": "ASA5520", "version": "7.2(1)", "image_size_mb": 0.2,
                            "config": CONFIG}},
           "hosts": {"server": {"address": SERVER, "namespace": True},
                     "peer": {"address": PEER, "namespace": True}},
           "segments": {"inside": ["fw:GigabitEthernet0/1", "server", "peer"]}}
    path = work / "lab.yaml"
    path.write_text(yaml.safe_dump(lab))
    return path


async def in_host(lab: str, host: str, *argv: str, background: bool = False):
    """``argv`` in a namespace host; its output (or the process, in the background)."""
    proc = await asyncio.create_subprocess_exec("ip", "netns", "exec", namespace_name(lab, host), *argv,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    if background:
        return proc
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {out.decode()}")
    return out.decode()


async def typed(unit, line: str, until: str = "fw# ") -> tuple[float, str]:
    """Type ``line`` at the console; (seconds to the next prompt, what it said)."""
    said: list[str] = []
    unit.console.listeners.append(said.append)
    try:
        started = time.perf_counter()
        unit.console.input(line + "\n")
        while not "".join(said).rstrip(" ").endswith(until.rstrip(" ")):
            await asyncio.sleep(0.0005)
        return time.perf_counter() - started, "".join(said)
    finally:
        unit.console.listeners.remove(said.append)


async def timed_peer(lab: str, host: str, *argv: str) -> float:
    started = time.perf_counter()
    await in_host(lab, host, *argv)
    return time.perf_counter() - started


async def ours(unit, url: str, size: int) -> float:
    elapsed, said = await typed(unit, f"copy /noconfirm {url} flash:/got.bin")
    assert f"{size} bytes copied in" in said, said
    unit.flash.delete("got.bin")
    return elapsed


def median(times: list[float]) -> float:
    return statistics.median(times[1:] if len(times) > 1 else times)


async def main(runs: int, size: int) -> None:
    work = Path(tempfile.mkdtemp())
    work.chmod(0o755)
    served = work / "served"
    served.mkdir(mode=0o755)
    image_format.build(served / "image.bin", "7.2(2)", "asa", size_mb=size / 2 ** 20)
    (served / "image.bin").chmod(0o644)
    size = (served / "image.bin").stat().st_size
    path = lab_file(work)
    spec = model.load(path)
    running = await runner.start(spec)
    procs = []
    try:
        unit = running.units["fw"].unit
        while unit.system is None or not unit.system.running():
            await asyncio.sleep(0.05)
        await typed(unit, "enable", "Password: ")
        await typed(unit, "cisco")
        vsftpd_conf = work / "vsftpd.conf"
        vsftpd_conf.write_text(f"listen=YES\nlisten_address={SERVER}\nbackground=NO\nanonymous_enable=YES\n"
                               f"no_anon_password=YES\nanon_root={served}\nlocal_enable=NO\nwrite_enable=NO\n"
                               "pasv_enable=YES\nseccomp_sandbox=NO\nsecure_chroot_dir=/var/run/vsftpd/empty\n")
        Path("/var/run/vsftpd/empty").mkdir(parents=True, exist_ok=True)
        procs.append(await in_host(spec.name, "server", "in.tftpd", "--foreground", "--address", f"{SERVER}:69",
                                   "--secure", str(served), background=True))
        procs.append(await in_host(spec.name, "server", "vsftpd", str(vsftpd_conf), background=True))
        procs.append(await in_host(spec.name, "server", sys.executable, "-m", "http.server", "--bind", SERVER,
                                   "--directory", str(served), "8080", background=True))
        await asyncio.sleep(1.0)                 # the servers come up (a bench, not a test: no harm)
        out = work / "peer.bin"
        cases = [
            ("copy tftp, 512-byte blocks", f"tftp://{SERVER}/image.bin", "tftp-hpa from the peer host",
             lambda: timed_peer(spec.name, "peer", "sh", "-c",
                                f"printf 'binary\\nget image.bin {out}\\nquit\\n' | tftp {SERVER}"), None),
            ("copy ftp (passive)", f"ftp://{SERVER}/image.bin", "curl from the peer host",
             lambda: timed_peer(spec.name, "peer", "curl", "-sS", "-o", str(out), f"ftp://{SERVER}/image.bin"),
             lambda: timed_peer(spec.name, "server", "curl", "-sS", "-o", str(out), f"ftp://{SERVER}/image.bin")),
            ("copy http", f"http://{SERVER}:8080/image.bin", "curl from the peer host",
             lambda: timed_peer(spec.name, "peer", "curl", "-sS", "-o", str(out), f"http://{SERVER}:8080/image.bin"),
             lambda: timed_peer(spec.name, "server", "curl", "-sS", "-o", str(out),
                                f"http://{SERVER}:8080/image.bin")),
        ]
        print(f"{size / 2 ** 20:.0f} MiB, {runs} runs each (first discarded), {machine_load()}")
        print(f"{'case':<30}{'vpix':>10}{'peer':>10}  peer{'':<26}{'curl on loopback':>18}")
        for name, url, peer_name, theirs, loopback in cases:
            times: dict[str, list[float]] = {"ours": [], "theirs": [], "loop": []}
            for _ in range(runs + 1):
                times["ours"].append(await ours(unit, url, size))
                times["theirs"].append(await theirs())
                if loopback is not None:
                    times["loop"].append(await loopback())
            loop = f"{median(times['loop']) * 1000:>15.0f} ms" if times["loop"] else f"{'-':>18}"
            print(f"{name:<30}{median(times['ours']) * 1000:>7.0f} ms{median(times['theirs']) * 1000:>7.0f} ms"
                  f"  {peer_name:<30}{loop}")
        rtt = await in_host(spec.name, "peer", sys.executable, "-c", SSH_ROUND_TRIPS.format(unit=UNIT))
        print(f"{'ssh show version round trip':<30}{float(rtt):>7.1f} ms  (goal 5 ms; median of 20)")
        print(f"after: {machine_load()}")
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        await runner.stop(running)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    args = [a for a in sys.argv[1:] if a != "--quick"]
    if os.geteuid() != 0:
        sys.exit("needs root (network namespaces)")
    for tool in ("in.tftpd", "tftp", "vsftpd", "curl"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: scripts/setup-tests.sh installs it")
    asyncio.run(main(1 if quick else int(args[0]) if args else 3, (1 if quick else 16) * 2 ** 20))
