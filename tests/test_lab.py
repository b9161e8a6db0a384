"""Labs with segments and hosts: monitor-mode recovery from the lab's TFTP host, end to end."""

from __future__ import annotations

import asyncio

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
    lab = _lab(tmp_path)
    running = await runner.start(lab)
    try:
        unit = running.units["fw"].unit
        seen: list[str] = []
        unit.console.listeners.append(seen.append)
        for _ in range(100):                       # the first boot's window
            if unit.state == "running":
                break
            await asyncio.sleep(0.02)
        unit.flash.delete("pix635.bin")            # the image is lost
        unit.reload()
        for _ in range(100):                       # no image: monitor mode after the window
            if unit.state == "monitor":
                break
            await asyncio.sleep(0.02)
        assert unit.state == "monitor"
        for line in ("address 10.0.0.1", "server 10.0.0.2", "file pix635.bin", "tftp"):
            unit.console.input(line + "\n")
            for _ in range(500):
                if not unit.monitor or not unit.monitor.busy:
                    break
                await asyncio.sleep(0.01)
        text = "".join(seen)
        assert "Installing to flash" in text
        assert unit.state == "running" and "Cisco PIX Firewall Version 6.3(5)" in text
    finally:
        await runner.stop(running)
