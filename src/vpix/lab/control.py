"""Controlling a running lab from outside: power, cables, status.

A running lab listens on a Unix socket in its directory (``control.sock``). A request is
one JSON line ``{"op": ..., "target": ...}``; the answer one JSON line, ``{"ok": ...}`` or
``{"error": "..."}``. `vpix lab power-off|power-on|unplug|plug|cable|status` are its
clients.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from pathlib import Path

SOCKET = "control.sock"
OPS = ("power-off", "power-on", "unplug", "plug", "cable-unplug", "cable-plug", "status")


class LabError(Exception):
    """What the lab answered instead of doing it."""


# ---------------------------------------------------------------- the lab's side


async def serve(running, directory: Path) -> asyncio.AbstractServer:
    """The control socket: only its owner may use it (0600 in a 0700 directory, whatever the
    umask), since whoever can may pull any unit's power."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    path = directory / SOCKET
    path.unlink(missing_ok=True)

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = json.loads(await reader.readline())
            answer = {"ok": carry_out(running, str(request.get("op")), str(request.get("target", "")))}
        except LabError as err:
            answer = {"error": str(err)}
        except (ValueError, AttributeError):
            answer = {"error": "not a request"}
        writer.write(json.dumps(answer).encode() + b"\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(session, path=str(path))
    os.chmod(path, 0o600)
    return server


def close(server: asyncio.AbstractServer, directory: Path) -> None:
    """Stop taking requests, and leave no socket behind."""
    server.close()
    (directory / SOCKET).unlink(missing_ok=True)


def carry_out(running, op: str, target: str):
    if op == "status":
        return status(running)
    if op in ("power-off", "power-on"):
        unit = _unit(running, target)
        if op == "power-off":
            unit.power_off()
        elif unit.state == "off":
            unit.power_on()
        return f"{target} powered {'off' if op == 'power-off' else 'on'}"
    if op in ("unplug", "plug"):
        name, _, interface = target.partition(":")
        unit = _unit(running, name)
        hw = unit.identity.hw
        if interface not in hw.interfaces:
            raise LabError(f"{name} has no interface {interface!r} (it has {', '.join(hw.interfaces)})")
        unit.ports[hw.interfaces.index(interface)].plug(op == "plug")
        return f"{target} {'plugged in' if op == 'plug' else 'unplugged'}"
    if op in ("cable-unplug", "cable-plug"):
        end = _unit(running, target).cable
        if end is None:
            raise LabError(f"{target} has no serial failover cable in this lab")
        end.plug(op == "cable-plug")
        return f"{target}'s end of the failover cable {'plugged in' if op == 'cable-plug' else 'unplugged'}"
    raise LabError(f"unknown operation {op!r}; one of {', '.join(OPS)}")


def _unit(running, name: str):
    served = running.units.get(name)
    if served is None:
        raise LabError(f"no unit {name!r} in this lab (units: {', '.join(running.units)})")
    return served.unit


def status(running) -> list[dict]:
    """A row per unit: power state, failover role and state, the mate as seen, links."""
    return [unit_status(name, served.unit) for name, served in running.units.items()]


def unit_status(name: str, unit) -> dict:
    row = {"unit": name, "platform": unit.identity.platform, "state": unit.state,
           "role": "", "failover": "", "mate": "",
           "links": " ".join([f"{hw}:{'up' if port.link else 'down'}"
                              for hw, port in zip(unit.identity.hw.interfaces, unit.ports)
                              if port.segment is not None] + _cable(unit))}
    runtime = _failover_runtime(unit)
    if runtime is not None:
        machine = runtime.machine
        row.update(role=machine.name, failover=machine.state, mate=machine.mate_state)
    return row


def _cable(unit) -> list[str]:
    end = unit.cable
    if end is None:
        return []
    state = "up" if end.connected else "unplugged here" if not end.plugged else "unplugged there"
    return [f"cable({'primary' if end.primary else 'secondary'}):{state}"]


def _failover_runtime(unit):
    if unit.system is None:
        return None
    from vpix.features.failover import FailoverConfig

    failover = unit.system.feature_if_any(FailoverConfig)
    return failover.runtime if failover is not None else None


# ---------------------------------------------------------------- the client's side


def request(directory: Path, op: str, target: str = "", timeout: float = 5.0):
    """Ask the lab running in ``directory``; its answer, or LabError."""
    path = directory / SOCKET
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(str(path))
        except (FileNotFoundError, ConnectionRefusedError):
            raise LabError(f"no lab is running in {directory} (start it with `vpix lab up`)") from None
        except PermissionError:
            raise LabError(f"the lab in {directory} belongs to another user") from None
        sock.sendall(json.dumps({"op": op, "target": target}).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    answer = json.loads(data or b"{}")
    if "error" in answer or "ok" not in answer:
        raise LabError(answer.get("error", "the lab did not answer"))
    return answer["ok"]
