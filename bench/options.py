"""What every bench takes: an optional count (runs, trials, units …) and `--quick`, a short run
that shows the bench still works (CI runs every bench so, asserting no figure)."""

from __future__ import annotations

import shutil
import sys


def count(default: int, quick: int) -> tuple[bool, int]:
    """(quick?, the count to use): the one given, else the default for the kind of run."""
    quick_run = "--quick" in sys.argv
    given = [a for a in sys.argv[1:] if a != "--quick"]
    return quick_run, int(given[0]) if given else (quick if quick_run else default)


def peer_missing(quick: bool, what: str, command: str | None = None, module: str | None = None) -> bool:
    """Whether the peer a bench compares with is absent; a quick run goes on without it, a full
    run stops, since a figure without its peer says little."""
    missing = (command is not None and shutil.which(command) is None) or (
        module is not None and not _importable(module))
    if missing and not quick:
        raise SystemExit(f"{what} is not installed (pip install -e '.[bench]' or its Debian package)")
    if missing:
        print(f"{what} is not installed: its figure is left out of this quick run")
    return missing


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def machine_load() -> str:
    """The machine's load as the figures were taken: they mean little on a busy machine."""
    import os

    return f"machine load {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} cores"
