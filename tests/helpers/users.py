"""Another user of the host, for tests of what only a unit's owner may do (needs root)."""

from __future__ import annotations

import os


def as_nobody(call) -> str:
    """What ``call`` returns (its repr) or raises (type: message) when user nobody makes it,
    in a child process."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        try:
            os.setgid(65534)
            os.setuid(65534)
            said = repr(call())
        except Exception as err:  # noqa: BLE001 - what was raised is the answer
            said = f"{type(err).__name__}: {err}"
        os.write(write, said.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as answer:
        said = answer.read()
    os.waitpid(child, 0)
    return said
