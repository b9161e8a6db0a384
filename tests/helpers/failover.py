"""What failover tests share about what a standby unit says."""

from __future__ import annotations

from vpix.features.failover.runtime import STANDBY_WARNING


def on_standby(output: str) -> str:
    """A command's output on a standby unit, after the warning 001 says every command gets
    there (which must be its first lines)."""
    warning = STANDBY_WARNING + "\n"
    assert output.startswith(warning), output
    return output[len(warning):]
