"""Labs with segments and hosts: monitor-mode recovery from the lab's TFTP host, end to end."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess

import pytest
from pydantic import ValidationError

from vpix.lab import model, runner


def _lab(tmp_path) -> model.Lab:
    return model.Lab.model_validate({
        "name": "t", "workdir": str(tmp_path),
        "units": {"fw": {"platform": "PIX-515E", "version": "6.3(5)", "image_size_mb": 0.2,
                         "host_key": "ed25519", "break_window": 0.3}},
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
    near = _lab(tmp_path / "near")
    far = model.Lab.model_validate({
        "name": "far", "workdir": str(tmp_path / "far"),
        "hosts": {"tftp": {"address": "10.0.0.2", "tftp_root": "tftpboot"}},
        "segments": {"inside": ["tftp", "udp:47012:127.0.0.1:47011"]},
    })
    near.hosts = {}
    near.segments = {"inside": ["fw:Ethernet1", "udp:47011:127.0.0.1:47012"]}
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
        await asyncio.sleep(0.2)
        await _recover_from_monitor(running.units["fw"].unit, "10.0.0.2", image.name)
    finally:
        if tftpd is not None:
            tftpd.terminate()
            tftpd.wait(5)
        await runner.stop(running)
        subprocess.run(["ip", "netns", "del", namespace], check=False)
