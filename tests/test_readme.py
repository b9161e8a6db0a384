"""The README, top to bottom, as a newcomer runs it: the first command's setup (scripts/venv.sh),
then every line of its command blocks in order, from .venv, in a network namespace of its own
(so the README's fixed ports meet nothing else) with a home directory of its own (where the
default lab keeps its units). Lines that serve until Ctrl-C run in the background until they
say they serve, and are stopped at the end. Every line must end well and say no traceback."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not (os.geteuid() == 0 and shutil.which("unshare") and os.path.exists("/dev/net/tun")),
    reason="runs the README in a network namespace of its own (root, unshare, /dev/net/tun)")


def readme_commands() -> list[str]:
    """The vpix lines of the README's code blocks, in order (the first two lines, the
    setup commands, aside)."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```\n(.*?)```", text, re.S)[1:]
    return [line for block in blocks for line in block.splitlines() if line.startswith("vpix ")]


def _run_all(home: Path) -> list[tuple[str, int, str]]:
    """In this process's own network namespace: every README line; (line, exit code, output)."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    env = dict(os.environ, HOME=str(home), PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}")
    done, serving = [], []
    try:
        for line in readme_commands():
            command = line.split("#", 1)[0].strip()
            if "serves until Ctrl-C" in line:
                proc = subprocess.Popen(["bash", "-c", f"exec {command}"], cwd=ROOT, env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                said = ""
                for out_line in proc.stdout:
                    said += out_line
                    if out_line.startswith("Serving"):
                        break
                serving.append((command, proc))
                done.append((command, 0 if proc.poll() is None else proc.returncode, said))
                continue
            result = subprocess.run(["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True,
                                    stdin=subprocess.DEVNULL, timeout=300)
            done.append((command, result.returncode, result.stdout + result.stderr))
    finally:
        for command, proc in reversed(serving):
            proc.send_signal(signal.SIGINT)
            rest = proc.stdout.read()
            done.append((f"{command} (stopped)", proc.wait(60), rest))
    return done


def test_every_readme_command_runs_as_written(tmp_path):
    # The README's first command. setup-tests.sh has run it already where the suite runs from
    # .venv; installing again under the running suite would pull files from under it.
    if not (ROOT / ".venv" / "bin" / "vpix").exists():
        setup = subprocess.run([str(ROOT / "scripts" / "venv.sh")], capture_output=True, text=True, timeout=900)
        assert setup.returncode == 0, setup.stderr
    for name in ("asa804-k8.bin", "fw1"):
        assert not (ROOT / name).exists(), f"{name} is in the way of the README's commands"
    script = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import test_readme, json; " \
             f"print(json.dumps(test_readme._run_all(__import__('pathlib').Path({str(tmp_path)!r}))))"
    try:
        result = subprocess.run(["unshare", "--net", sys.executable, "-c", script], capture_output=True, text=True,
                                timeout=1200, cwd=tmp_path)
    finally:
        for name in ("asa804-k8.bin", "fw1"):
            target = ROOT / name
            if target.is_dir():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
    assert result.returncode == 0, result.stderr
    import json

    ran = json.loads(result.stdout.strip().splitlines()[-1])
    said = {command: (code, out) for command, code, out in ran}
    for command, code, out in ran:
        assert code == 0 and "Traceback" not in out, (command, code, out)
    assert len(ran) == len(readme_commands()) + 3           # and the three servers stopped well
    assert "ASA5520" in said["vpix platforms"][1]
    assert "checksum OK" in said["vpix image inspect asa804-k8.bin"][1]
    assert "attached to the console" in said["vpix console fw1"][1]
    assert "Enabled" in said["vpix license decode --serial 80812345 0xe284e71b 0x4d5c06bc 0x2fc8d5b4 0x02f83a85"][1]
    assert re.search(r"pix1 .*PIX-515E .*(bios|running)", said["vpix lab status"][1])
    assert "pix1 powered off" in said["vpix lab power-off pix1"][1]
    assert "1 packets transmitted, 1 received" in said[
        "vpix lab exec pc --lab examples/hosts.yaml -- ping -c 1 -W 5 172.16.1.50"][1]
