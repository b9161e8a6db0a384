"""File command replication: `copy`, `rename`, `delete`, `mkdir` and `rmdir` entered where the
system execution space is active are run again on the mate, one after another, as the line
that repeats them without questions (a download fetches the file from the server again)."""

from __future__ import annotations

from collections import deque


class FileReplication:
    TRANSPORT = "failover"           # the session replicated commands run in: not replicated again

    def __init__(self, runtime):
        self.runtime = runtime
        self._lines: deque[str] = deque()
        self._session = None

    def changed(self, line: str, session) -> None:
        """A file command finished on this unit."""
        runtime = self.runtime
        if session.transport == self.TRANSPORT:
            return
        if runtime.active_in(runtime.system):
            runtime.send("file", {"line": line})

    def received(self, line: str) -> None:
        """The mate ran a file command; run it here after those before it."""
        if self.runtime.active_in(self.runtime.system):
            return
        self._lines.append(line)
        if len(self._lines) == 1:
            self._run_next()

    def _run_next(self) -> None:
        if not self._lines:
            return
        if self._session is None or self._session.closed:
            self._session = self.runtime.system.open_session(self.TRANSPORT, priv=15, interactive=False)
        self._session.submit(self._lines[0], self._ran)

    def _ran(self) -> None:
        self._lines.popleft()
        self._run_next()

    def close(self) -> None:
        self._lines.clear()
        if self._session is not None:
            self._session.system.close_session(self._session)
            self._session = None
