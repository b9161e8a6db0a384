"""`vpix console DIR`: this terminal is the unit's serial console.

When another process runs the unit (`vpix unit run`, a lab), the terminal attaches to that
unit's console port, as a terminal server would; otherwise the unit boots here, in the
foreground. Either way Ctrl-] quits, and Esc during "Use BREAK or ESC to interrupt flash
boot" enters monitor mode.
"""

from __future__ import annotations

import asyncio
import os
import sys
import termios
import tty
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from vpix.clock import LoopClock
from vpix.hardware import unitdir
from vpix.unit import Unit

QUIT = "\x1d"   # Ctrl-]


async def run_console(directory: Path) -> None:
    try:
        held = unitdir.lock(directory)
    except unitdir.UnitBusy:
        pid, console = unitdir.running(directory)
        if not console:
            raise
        await _attach(console)
        return
    try:
        await _boot_here(directory)
    finally:
        held.close()


async def _boot_here(directory: Path) -> None:
    unit = Unit(directory, LoopClock())
    unit.console.listeners.append(_show)
    try:
        with _raw_keys(unit.console.input) as done:
            unit.power_on()
            await done.wait()
    finally:
        unit.power_off()


async def _attach(address: str) -> None:
    """This terminal on a console port another process serves (it speaks Telnet)."""
    import telnetlib3

    host, _, port = address.rpartition(":")
    reader, writer = await telnetlib3.open_connection(host, int(port), encoding="latin-1", connect_minwait=0.05,
                                                      connect_maxwait=0.5)
    sys.stdout.write(f"attached to the console at {address} (Ctrl-] quits)\r\n")
    try:
        with _raw_keys(writer.write) as done:
            pumping = asyncio.ensure_future(_pump(reader))
            await asyncio.wait([pumping, asyncio.ensure_future(done.wait())], return_when=asyncio.FIRST_COMPLETED)
            pumping.cancel()
    finally:
        writer.close()


async def _pump(reader) -> None:
    while text := await reader.read(4096):
        sys.stdout.write(text)
        sys.stdout.flush()


def _show(text: str) -> None:
    sys.stdout.write(text.replace("\n", "\r\n"))
    sys.stdout.flush()


@contextmanager
def _raw_keys(send: Callable[[str], None]):
    """Keys as typed (raw mode when stdin is a terminal) go to ``send``; the event is set on
    Ctrl-] or the end of input."""
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd) if os.isatty(fd) else None
    if saved is not None:
        tty.setraw(fd)

    def readable() -> None:
        data = os.read(fd, 1024).decode("latin-1")
        if not data or QUIT in data:
            done.set()
            return
        send(data)

    try:
        loop.add_reader(fd, readable)
    except PermissionError:             # a file or /dev/null, which can't be polled: all of it, then done
        send(os.read(fd, 1 << 20).decode("latin-1").split(QUIT)[0])
        done.set()
    try:
        yield done
    finally:
        loop.remove_reader(fd)
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        sys.stdout.write("\r\n")
