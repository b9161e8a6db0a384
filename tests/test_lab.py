"""Labs with segments and hosts: monitor-mode recovery from the lab's TFTP host, end to end."""

from __future__ import annotations

import asyncio
import os
import shutil
import re
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest
from pydantic import ValidationError

from helpers.served import free_udp_ports
from helpers.users import as_nobody

from vpix.lab import control, model, runner


def _lab(tmp_path) -> model.Lab:
    return model.Lab.model_validate({
        "name": "t", "workdir": str(tmp_path),
        "units": {"fw": {"platform": "PIX-515E", "version": "6.3(5)", "image_size_mb": 0.2,
                         "break_window": 0.3}},
        "hosts": {"tftp": {"address": "10.0.0.2", "tftp_root": "tftpboot"}},
        "segments": {"inside": ["fw:Ethernet1", "tftp"]},
    })


def test_lab_members_are_checked(tmp_path):
    data = _lab(tmp_path).model_dump()
    data["segments"] = {"inside": ["fw:Ethernet9"]}
    with pytest.raises(ValidationError, match="no interface fw:Ethernet9"):
        model.Lab.model_validate(data)
    data["segments"] = {"inside": ["nobody"]}
    with pytest.raises(ValidationError, match="no host nobody"):
        model.Lab.model_validate(data)


async def test_monitor_recovery_from_the_lab_tftp_host(tmp_path):
    running = await runner.start(_lab(tmp_path))
    try:
        await _recover_from_monitor(running.units["fw"].unit, "10.0.0.2")
    finally:
        await runner.stop(running)


async def _recover_from_monitor(unit, server: str, image: str = "pix635.bin") -> None:
    """Lose the image, boot into monitor mode, fetch it from ``server`` and boot it."""
    seen: list[str] = []
    unit.console.listeners.append(seen.append)
    for _ in range(100):                       # the first boot's window
        if unit.state == "running":
            break
        await asyncio.sleep(0.02)
    unit.flash.delete(image)                   # the image is lost
    unit.reload()
    for _ in range(100):                       # no image: monitor mode after the window
        if unit.state == "monitor":
            break
        await asyncio.sleep(0.02)
    assert unit.state == "monitor"
    for line in ("address 10.0.0.1", f"server {server}", f"file {image}", "tftp"):
        unit.console.input(line + "\n")
        for _ in range(500):
            if not unit.monitor or not unit.monitor.busy:
                break
            await asyncio.sleep(0.01)
    text = "".join(seen)
    assert "Installing to flash" in text
    assert unit.state == "running" and "Cisco PIX Firewall Version 6.3(5)" in text


def _two_labs(tmp_path) -> tuple[model.Lab, model.Lab]:
    """The unit in one lab, the TFTP host in another, their inside segments tunnelled."""
    near_port, far_port = free_udp_ports(2)
    near = _lab(tmp_path / "near")
    far = model.Lab.model_validate({
        "name": "far", "workdir": str(tmp_path / "far"),
        "hosts": {"tftp": {"address": "10.0.0.2", "tftp_root": "tftpboot"}},
        "segments": {"inside": ["tftp", f"udp:{far_port}:127.0.0.1:{near_port}"]},
    })
    near.hosts = {}
    near.segments = {"inside": ["fw:Ethernet1", f"udp:{near_port}:127.0.0.1:{far_port}"]}
    return near, far


async def test_segments_joined_by_a_udp_tunnel(tmp_path):
    near, far = _two_labs(tmp_path)
    far_running = await runner.start(far)
    running = await runner.start(near)
    try:
        image = next((tmp_path / "near" / "images").glob("*/*.bin"))
        (tmp_path / "far" / "tftpboot" / image.name).write_bytes(image.read_bytes())
        await _recover_from_monitor(running.units["fw"].unit, "10.0.0.2", image.name)
        tunnel, = running.uplinks
        assert tunnel.frames_in > 100 and tunnel.frames_out > 100
        taken = tunnel.frames_in
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as forger:      # not the far lab's port
            forger.sendto(b"\xff" * 6 + b"\x00\x50\x56\x00\x00\x09" + b"\x08\x06" + bytes(28),
                          tunnel.local)
        await _until(lambda: tunnel.refused == 1)
        assert tunnel.frames_in == taken
    finally:
        await runner.stop(running)
        await runner.stop(far_running)


def test_udp_tunnel_members_are_checked(tmp_path):
    data = _lab(tmp_path).model_dump()
    for bad in ("udp:47011:localhost:47012", "udp:0:127.0.0.1:1", "udp:1:127.0.0.1", "tap:" + "x" * 16):
        data["segments"] = {"inside": ["fw:Ethernet1", bad]}
        with pytest.raises(ValidationError):
            model.Lab.model_validate(data)


def _can_make_namespaces() -> bool:
    return os.geteuid() == 0 and os.path.exists("/dev/net/tun") and bool(shutil.which("ip")) \
        and bool(shutil.which("in.tftpd"))


@pytest.mark.skipif(not _can_make_namespaces(), reason="needs root, /dev/net/tun, ip and tftpd-hpa")
async def test_monitor_recovery_from_tftpd_hpa_in_a_namespace_over_tap(tmp_path):
    namespace, tap = f"vpix-{os.getpid()}", f"vpixt{os.getpid() % 100000}"
    lab = _lab(tmp_path)
    lab.hosts = {}
    lab.segments = {"inside": ["fw:Ethernet1", f"tap:{tap}"]}
    served = tmp_path / "served"
    served.mkdir()
    served.chmod(0o755)
    subprocess.run(["ip", "netns", "add", namespace], check=True)
    running = await runner.start(lab)
    tftpd = None
    try:
        image = next((tmp_path / "images").glob("*/*.bin"))
        (served / image.name).write_bytes(image.read_bytes())
        (served / image.name).chmod(0o644)
        inside = ["ip", "netns", "exec", namespace]
        subprocess.run(["ip", "link", "set", tap, "netns", namespace], check=True)
        subprocess.run(inside + ["ip", "addr", "add", "10.0.0.2/24", "dev", tap], check=True)
        subprocess.run(inside + ["ip", "link", "set", tap, "up"], check=True)
        tftpd = subprocess.Popen(inside + ["in.tftpd", "-L", "-s", str(served), "-a", "10.0.0.2:69"])
        await _until(lambda: "10.0.0.2:69" in subprocess.run(inside + ["ss", "-lun"], capture_output=True,
                                                                text=True).stdout)
        await _recover_from_monitor(running.units["fw"].unit, "10.0.0.2", image.name)
    finally:
        if tftpd is not None:
            tftpd.terminate()
            tftpd.wait(5)
        await runner.stop(running)
        subprocess.run(["ip", "netns", "del", namespace], check=False)


PAIR_CONFIG = """interface Ethernet1
 nameif inside
 security-level 100
 ip address 10.0.0.1 255.255.255.0 standby 10.0.0.3
interface Ethernet3
 no shutdown
failover lan unit {role}
failover lan interface failover Ethernet3
failover lan enable
failover polltime unit msec 200 holdtime msec 800
failover interface ip failover 10.1.0.1 255.255.255.0 standby 10.1.0.2
failover
"""


def _pair_lab(tmp_path) -> model.Lab:
    unit = {"platform": "PIX-515E", "version": "7.2(1)", "image_size_mb": 0.2}
    return model.Lab.model_validate({
        "name": "pair", "workdir": str(tmp_path),
        "units": {"fw1": {**unit, "config": PAIR_CONFIG.format(role="primary")},
                  "fw2": {**unit, "config": PAIR_CONFIG.format(role="secondary")}},
        "segments": {"inside": ["fw1:Ethernet1", "fw2:Ethernet1"], "failover": ["fw1:Ethernet3", "fw2:Ethernet3"]},
    })


async def _until(condition, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_lab_power_cables_and_status_from_the_command_line(tmp_path):
    from click.testing import CliRunner

    from vpix.tools.cli import main

    running = await runner.start(_pair_lab(tmp_path))
    lab_file = tmp_path / "pair.yaml"
    lab_file.write_text(__import__("yaml").safe_dump(_pair_lab(tmp_path).model_dump()))

    async def vpix(*args):
        result = await asyncio.to_thread(CliRunner().invoke, main, [*args, "--lab", str(lab_file)])
        return result.exit_code, result.output

    def state(name):
        runtime = control._failover_runtime(running.units[name].unit)
        return runtime.machine.state if runtime else None

    try:
        await _until(lambda: state("fw1") == "Active" and state("fw2") == "Standby Ready")
        code, out = await vpix("lab", "status")
        assert code == 0
        assert re.search(r"fw1 .* running .* Primary .* Active .* Standby Ready .* Ethernet1:up Ethernet3:up", out)
        assert re.search(r"fw2 .* running .* Secondary .* Standby Ready .* Active", out)
        assert await vpix("lab", "power-off", "fw1") == (0, "fw1 powered off\n")
        await _until(lambda: state("fw2") == "Active", 3)
        assert await vpix("lab", "power-on", "fw1") == (0, "fw1 powered on\n")
        await _until(lambda: state("fw1") == "Standby Ready")
        assert await vpix("lab", "unplug", "fw2:Ethernet1") == (0, "fw2:Ethernet1 unplugged\n")
        assert not running.units["fw2"].unit.ports[1].link
        code, out = await vpix("lab", "status")
        assert "Ethernet1:down" in out
        assert (await vpix("lab", "plug", "fw2:Ethernet1"))[0] == 0
        code, out = await vpix("lab", "power-off", "fw9")
        assert code == 1 and "no unit 'fw9' in this lab" in out
        code, out = await vpix("lab", "unplug", "fw1:Ethernet9")
        assert code == 1 and "fw1 has no interface 'Ethernet9'" in out
        code, out = await vpix("lab", "cable", "unplug", "fw1")
        assert code == 1 and "no serial failover cable" in out
    finally:
        await runner.stop(running)
    code, out = await vpix("lab", "status")
    assert code == 1 and "no lab is running" in out


async def test_a_cable_pair_in_a_lab(tmp_path):
    unit = {"platform": "PIX-515E", "version": "7.2(1)", "image_size_mb": 0.2}
    config = "failover polltime unit 1 holdtime 3\nfailover\n"
    lab = model.Lab.model_validate({
        "name": "cabled", "workdir": str(tmp_path),
        "units": {"c1": {**unit, "config": config}, "c2": {**unit, "config": config}},
        "cables": [["c1", "c2"]]})
    running = await runner.start(lab)

    def state(name):
        runtime = control._failover_runtime(running.units[name].unit)
        return runtime.machine.state if runtime else None

    try:
        await _until(lambda: state("c1") == "Active" and state("c2") == "Standby Ready")
        rows = {row["unit"]: row for row in control.carry_out(running, "status", "")}
        assert rows["c1"]["role"] == "Primary" and rows["c2"]["role"] == "Secondary"
        assert rows["c2"]["links"] == "cable(secondary):up"
        assert control.carry_out(running, "cable-unplug", "c2") == "c2's end of the failover cable unplugged"
        rows = {row["unit"]: row for row in control.carry_out(running, "status", "")}
        assert rows["c2"]["links"] == "cable(secondary):unplugged here"
        assert rows["c1"]["links"] == "cable(primary):unplugged there"
        control.carry_out(running, "cable-plug", "c2")
        control.carry_out(running, "power-off", "c1")
        await _until(lambda: state("c2") == "Active", 0.5)     # the cable senses the power at once
    finally:
        await runner.stop(running)


def test_cables_join_pix_units_once(tmp_path):
    data = _lab(tmp_path).model_dump()
    for cables in ([["fw", "nobody"]], [["fw", "fw"]]):
        data["cables"] = cables
        with pytest.raises(ValidationError, match="cable"):
            model.Lab.model_validate(data)


@pytest.mark.skipif(os.geteuid() != 0, reason="trying another user's access needs root to become one")
async def test_only_the_labs_owner_controls_it():
    public = Path(tempfile.mkdtemp())           # a place everyone may walk through, unlike tmp_path
    os.chmod(public, 0o755)
    lab = _pair_lab(public / "work")
    old = os.umask(0)
    try:
        running = await runner.start(lab)
    finally:
        os.umask(old)
    try:
        assert os.stat(lab.directory()).st_mode & 0o777 == 0o700
        assert os.stat(lab.directory() / control.SOCKET).st_mode & 0o777 == 0o600
        answer = as_nobody(lambda: control.request(lab.directory(), "power-off", "fw1"))
        assert answer == f"LabError: the lab in {lab.directory()} belongs to another user"
        assert running.units["fw1"].unit.state == "running"
    finally:
        await runner.stop(running)
    assert not (lab.directory() / control.SOCKET).exists()
    shutil.rmtree(public)

