"""Moving between modes and privilege levels, and what a terminal looks like:
`enable`, `disable`, `login`, `logout`, `exit`, `end`, `pager`, `terminal`, `show curpriv`."""

from __future__ import annotations

from vpix.cli.registry import command
from vpix.cli.session import Ask, CommandError, Ctx, Wait
from vpix.features import Feature
from vpix.features.aaa import ATTEMPTS, FAILURE_DELAY, Aaa


class Terminal(Feature):
    def __init__(self, system):
        super().__init__(system)
        self.pager_lines = 24
        self.width = 80

    def render(self, full):
        pager = [f"pager lines {self.pager_lines}"] if self.pager_lines else ["no pager"]
        width = [f"terminal width {self.width}"] if self.width != 80 or full else []
        return [("pager", pager), ("terminal", width)]


_HELP = {
    "enable": "Turn on privileged commands",
    "history": "Display the session command history",
    "disable": "Turn off privileged commands",
    "login": "Log in as a particular user",
    "logout": "Exit from the EXEC",
    "quit": "Exit from the EXEC",
    "exit": "Exit from the EXEC",
    "end": "Exit from configure mode",
    "configure": "Configure from the terminal",
    "terminal": "Set terminal line parameters",
    "pager": "Control page length for pagination",
    "lines": "The number of lines in a page before the --More-- prompt appears",
    "width": "Set width for displaying information on the terminal",
    "curpriv": "Display current privilege level",
    "n": "Number of lines",
    "cols": "Number of characters",
}


@command("enable [<level:INT:0-15>]", priv=0, help=_HELP)
def enable(ctx: Ctx):
    session = ctx.session
    if session.priv >= 15:
        return
    aaa = ctx.system.feature(Aaa)
    for attempt in range(ATTEMPTS):
        answer = yield Ask("Password: ", echo=False)
        if aaa.check_enable(answer, session.login_name):
            session.priv = ctx.args.get("level", 15)
            return
        yield pause(ctx.system.unit.clock, FAILURE_DELAY)
        if attempt < ATTEMPTS - 1:
            ctx.print("Invalid password")
    raise CommandError("Access denied.")


def pause(clock, seconds: float) -> Wait:
    """A step that only lets ``seconds`` pass on the unit's clock."""
    return Wait(lambda done: clock.call_later(seconds, lambda: done(None)))


@command("disable", priv=1, help=_HELP)
def disable(ctx: Ctx):
    ctx.session.to_exec()
    ctx.session.priv = 1


@command("login", priv=0, help=_HELP)
def login(ctx: Ctx):
    aaa = ctx.system.feature(Aaa)
    name = yield Ask("Username: ")
    password = yield Ask("Password: ", echo=False)
    user = aaa.authenticate(name.strip(), password)
    if user is None:
        yield pause(ctx.system.unit.clock, FAILURE_DELAY)
        raise CommandError("Invalid password")
    ctx.session.login_name = name.strip()
    ctx.session.priv = user.privilege


@command("logout", priv=0, help=_HELP)
@command("quit", priv=0, help=_HELP)
def logout(ctx: Ctx):
    ctx.print("")
    ctx.print("Logoff")
    ctx.print("")
    ctx.session.close()


@command("exit", priv=0, help=_HELP)
def exit_exec(ctx: Ctx):
    logout(ctx)


@command("exit", mode="config", help=_HELP)
def exit_config(ctx: Ctx):
    ctx.session.exit_mode()


@command("end", mode="config", help=_HELP)
def end(ctx: Ctx):
    ctx.session.to_exec()


@command("configure terminal", help=_HELP)
def configure_terminal(ctx: Ctx):
    ctx.session.enter("config")


@command("pager [lines] <n:INT:0-2147483647>", mode="config", config=True, help=_HELP)
@command("pager", mode="config", config=True, help=_HELP)
def pager_lines(ctx: Ctx):
    ctx.system.feature(Terminal).pager_lines = ctx.args.get("n", 24)


@command("no pager [lines] [<n:INT:0-2147483647>]", mode="config", config=True, help=_HELP)
def no_pager(ctx: Ctx):
    ctx.system.feature(Terminal).pager_lines = 0


@command("terminal pager [lines] <n:INT:0-2147483647>", priv=1, versions="7.x", help=_HELP)
def terminal_pager(ctx: Ctx):
    ctx.session.pager_override = ctx.args["n"]


@command("no terminal pager [lines] [<n:INT:0-2147483647>]", priv=1, versions="7.x", help=_HELP)
def no_terminal_pager(ctx: Ctx):
    ctx.session.pager_override = 0


@command("terminal monitor", priv=1, help={**_HELP, "monitor": "Syslog monitoring"})
def terminal_monitor(ctx: Ctx):
    ctx.session.monitor = True


@command("terminal no monitor", priv=1, help={**_HELP, "monitor": "Syslog monitoring"})
def terminal_no_monitor(ctx: Ctx):
    ctx.session.monitor = False


@command("terminal width <cols:INT:40-511>", mode="config", config=True, help=_HELP)
def terminal_width(ctx: Ctx):
    ctx.system.feature(Terminal).width = ctx.args["cols"]
    ctx.session.width = ctx.args["cols"]


@command("no terminal width [<cols:INT:40-511>]", mode="config", config=True, help=_HELP)
def no_terminal_width(ctx: Ctx):
    ctx.system.feature(Terminal).width = 80


@command("terminal width <cols:INT:40-511>", priv=1, help=_HELP)
def terminal_width_session(ctx: Ctx):
    ctx.session.width = ctx.args["cols"]


@command("show curpriv", priv=1, help=_HELP)
def show_curpriv(ctx: Ctx):
    session = ctx.session
    modes = "P_UNPR" if session.priv < 2 else "P_PRIV"
    if session.mode != "exec":
        modes = "P_CONF"
    ctx.print(f"Username : {session.username}")
    ctx.print(f"Current privilege level : {session.priv}")
    ctx.print(f"Current Mode/s : {modes}")


@command("show history", priv=0, help=_HELP)
def show_history(ctx: Ctx):
    for line in ctx.session.history:
        ctx.print(f"  {line}")
