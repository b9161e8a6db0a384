"""A remote terminal on a unit: the login prompts Telnet (and a console with
`aaa authentication serial`) show, then a CLI session. Sans-IO: bytes in, text out."""

from __future__ import annotations

from typing import Callable

from vpix.cli.lineedit import LineEditor
from vpix.clock import Alarm
from vpix.features.aaa import Aaa
from vpix.features.mgmt_access import MgmtAccess

GREETING = "Type help or '?' for a list of available commands.\n"
ATTEMPTS = 3


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
                 hangup: Callable[[], None], username: str | None = None, login: bool = True):
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
        self._idle = Alarm(system.unit.clock, self._expire)

    def _touch(self) -> None:
        """`telnet timeout` / `ssh timeout`: hang up after that idle time."""
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
        if self.session is not None:
            self.session.feed(data)
            return
        for i, ch in enumerate(data):
            echo, event = self._editor.feed_char(ch)
            if echo:
                self.write(echo)
            if event is not None and event.kind == "line":
                self.write("\n")
                self._answer(event.text)
                if self.session is not None:
                    self.session.feed(data[i + 1:])
                    return
            elif event is not None and event.kind == "ctrl-c":
                self.write("\n")
                self._prompt_first()

    # ------------------------------------------------------------ the login prompts

    def _local(self) -> bool:
        return self.system.feature(Aaa).uses_local(self.service if self.service != "console" else "serial")

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
        aaa = self.system.feature(Aaa)
        if self._local():
            ok = aaa.check_user(self._username or "", text) is not None
        else:
            ok = aaa.check_passwd(text)
        if ok:
            self._open(self._username if self._local() else None)
            return
        self._failures += 1
        self.write("Invalid password\n" if not self._local() else "Error: Authentication failed\n")
        if self._failures >= ATTEMPTS:
            self.write("\n")
            self.hangup()
            return
        self._prompt_first()

    def _open(self, username: str | None) -> None:
        self.session = self.system.open_session(self.service, sink=self.write, username=username)
        self.session.on_close = self.hangup
        motd = self._banner("motd") if not self._login else ""
        self.session.start(motd + self._banner("exec") + GREETING)

    def close(self) -> None:
        self._idle.cancel()
        if self.session is not None and not self.session.closed:
            self.session.on_close = None
            self.session.close()
