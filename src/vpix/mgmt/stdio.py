"""`vpix console DIR`: this terminal is the unit's serial console."""

from __future__ import annotations

import asyncio
import os
import sys
import termios
import tty
from pathlib import Path

from vpix.clock import LoopClock
from vpix.hardware import unitdir
from vpix.unit import Unit

QUIT = "\x1d"   # Ctrl-]


async def run_console(directory: Path) -> None:
    loop = asyncio.get_running_loop()
    held = unitdir.lock(directory)
    unit = Unit(directory, LoopClock())
    done = asyncio.Event()
    unit.console.listeners.append(lambda t: (sys.stdout.write(t.replace("\n", "\r\n")), sys.stdout.flush()))
    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd) if os.isatty(fd) else None
    if saved is not None:
        tty.setraw(fd)

    def readable() -> None:
        data = os.read(fd, 1024).decode("latin-1")
        if not data or QUIT in data:
            done.set()
            return
        unit.console.input(data)

    loop.add_reader(fd, readable)
    try:
        unit.power_on()
        await done.wait()
    finally:
        loop.remove_reader(fd)
        if saved is not None:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        unit.power_off()
        held.close()
        sys.stdout.write("\r\n")
