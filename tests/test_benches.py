"""Every bench in bench/ runs, quickly (`--quick`), so none can rot: no figure is asserted (the
benches print theirs; timings belong there, not in tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.bench

BENCH = Path(__file__).parent.parent / "bench"
NEEDS_ROOT = {"node.py", "own_transfers.py", "takeover.py", "throughput.py"}


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("*.py") if p.name != "options.py"))
def test_the_bench_runs(script):
    if script in NEEDS_ROOT and os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    run = subprocess.run([sys.executable, str(BENCH / script), "--quick"], capture_output=True, text=True,
                         stdin=subprocess.DEVNULL, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert run.stdout.strip(), run.stderr[-2000:]
