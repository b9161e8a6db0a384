"""A remote terminal on a unit: the login prompts Telnet (and a console with
`aaa authentication serial`) show, then a CLI session. Sans-IO: bytes in, text out."""

from __future__ import annotations

from typing import Callable

from vpix.cli.lineedit import LineEditor
from vpix.clock import Alarm
from vpix.features.aaa import ATTEMPTS, FAILURE_DELAY, Aaa
from vpix.features.mgmt_access import MgmtAccess

GREETING = "Type help or '?' for a list of available commands.\n"
SESSIONS = 5
TYPE_AHEAD = 1024                # characters kept while a wrong password is paid for


class Gate:
    """One management door of a unit (Telnet or SSH): the device takes SESSIONS connections at
    a time on each, logins in progress included; one more is closed at once."""

    def __init__(self) -> None:
        self.held = 0

    def enter(self) -> bool:
        if self.held >= SESSIONS:
            return False
        self.held += 1
        return True

    def leave(self) -> None:
        self.held -= 1


def admitted(system, service: str) -> bool:
    """One more Telnet or SSH session fits in ``system`` under its resource class (a context's
    limit, 5 by default); when it does not, 321001 says so and the connection is refused."""
    limit = system.resource_limit(service)
    if limit is None:
        return True
    held = sum(1 for s in system.root.sessions if s.system is system and s.transport == service and not s.closed)
    if held < limit:
        return True
    system.syslog(5, 321001, f"Resource '{service}' limit of {limit} reached for context '{system.name}'")
    return False


class RemoteTerminal:
    def __init__(self, system, service: str, write: Callable[[str], None],
                 hangup: Callable[[], None], username: str | None = None, login: bool = True,
                 peer: tuple[str, int] | None = None):
        self.system = system
        self.service = service          # "telnet", "ssh", "console"
        self.write = write
        self.hangup = hangup
        self.session = None
        self._username = username
        self._login = login
        self._editor = LineEditor()
        self._editor.literal = True
        self._asked = "password"
        self._failures = 0
        self._peer = peer
        self._idle = Alarm(system.unit.clock, self._expire)
        self._penalty = Alarm(system.unit.clock, self._after_failure)   # input waits while armed
        self._typed_ahead = ""
        self.on_open: Callable[[object], None] = lambda session: None     # told the session once logged in

    def _touch(self) -> None:
        """`telnet timeout` / `ssh timeout` / `console timeout`: hang up after that idle time."""
        self._idle.after(self.system.feature(MgmtAccess).timeouts[self.service] * 60)

    def _expire(self) -> None:
        self.close()
        self.hangup()

    def _banner(self, kind: str) -> str:
        return self.system.feature(MgmtAccess).banner(kind)

    def start(self) -> None:
        self._touch()
        if not self._login:
            self._open(self._username)
            return
        self.write(self._banner("motd") + self._banner("login") + "\n\nUser Access Verification\n\n")
        self._prompt_first()

    def feed(self, data: str) -> None:
        self._touch()
        if self._penalty.armed:         # kept for after the pause, as a line buffers it; bounded
            self._typed_ahead = (self._typed_ahead + data)[:TYPE_AHEAD]
            return
        while data and self.session is None and not self._penalty.armed:
            echo, event, used = self._editor.feed(data)
            data = data[used:]
            if echo:
                self.write(echo)
            if event is not None and event.kind == "line":
                self.write("\n")
                self._answer(event.text)
            elif event is not None and event.kind == "ctrl-c":
                self.write("\n")
                self._prompt_first()
        if self._penalty.armed:
            self._typed_ahead = data[:TYPE_AHEAD]
        elif self.session is not None and data:
            self.session.feed(data)

    # ------------------------------------------------------------ the login prompts

    @property
    def _aaa_service(self) -> str:
        """What `aaa authentication` calls this door: the console is `serial`."""
        return "serial" if self.service == "console" else self.service

    def _local(self) -> bool:
        return self.system.feature(Aaa).uses_local(self._aaa_service)

    def _prompt_first(self) -> None:
        if self._local():
            self._asked = "username"
            self._editor.echo = True
            self.write("Username: ")
        else:
            self._ask_password()

    def _ask_password(self) -> None:
        self._asked = "password"
        self._editor.echo = False
        self.write("Password: ")

    def _answer(self, text: str) -> None:
        if self._asked == "username":
            self._username = text.strip()
            self._ask_password()
            return
        if self.system.feature(Aaa).check_login(self._aaa_service, self._username or "", text, self._peer):
            self._open(self._username if self._local() else None)
            return
        self._failures += 1
        self._penalty.after(FAILURE_DELAY)

    def _after_failure(self) -> None:
        self.write("Invalid password\n" if not self._local() else "Error: Authentication failed\n")
        if self._failures >= ATTEMPTS:
            self.write("\n")
            self.hangup()
            return
        self._prompt_first()
        typed, self._typed_ahead = self._typed_ahead, ""
        self.feed(typed)

    def _open(self, username: str | None) -> None:
        self.session = self.system.open_session(self.service, sink=self.write, username=username, peer=self._peer)
        self.session.on_close = self.hangup
        self._editor.hand_over(self.session.editor)
        self.on_open(self.session)
        motd = self._banner("motd") if not self._login else ""
        self.session.start(motd + self._banner("exec") + GREETING)

    def close(self) -> None:
        self._idle.cancel()
        self._penalty.cancel()
        if self.session is not None and not self.session.closed:
            self.session.on_close = None
            self.session.close()
