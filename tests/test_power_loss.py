"""Killing the process in the middle of `write memory` leaves the old startup-config intact."""

import os
import signal
import subprocess
import sys
import textwrap
import time

from conftest import Terminal, make_unit

from vpix.clock import VirtualClock
from vpix.unit import Unit

CHILD = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from vpix.clock import VirtualClock
    from vpix.unit import Unit

    directory, flag = Path(sys.argv[1]), Path(sys.argv[2])
    unit = Unit(directory, VirtualClock())
    unit.power_on()
    real_fsync = os.fsync

    def stalled_fsync(fd):
        flag.write_text("writing")   # the new file is written but not yet renamed into place
        time.sleep(60)

    os.fsync = stalled_fsync
    session = unit.system.config_session()
    session.execute("hostname new-name")
    session.execute("write memory")
""")


def test_kill_during_write_memory_keeps_old_startup(tmp_path, images):
    unit = make_unit(tmp_path, images, config="hostname old-name\n")
    directory = unit.directory
    flag = tmp_path / "flag"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(directory), str(flag)])
    try:
        deadline = time.monotonic() + 30
        while not flag.exists() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.02)
        assert flag.exists(), "the child never reached the write"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
    private = directory / "flash" / ".private"
    assert (private / "startup-config").read_text() == "hostname old-name\n"
    assert any(p.name.startswith(".tmp-") for p in private.iterdir())  # the half-written file

    rebooted = Unit(directory, VirtualClock())
    Terminal(rebooted)
    rebooted.power_on()
    assert rebooted.system.prompt_name() == "old-name"
    assert not any(p.name.startswith(".tmp-") for p in private.iterdir())
