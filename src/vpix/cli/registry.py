"""Where features declare their commands and modes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from vpix.cli.grammar import Command, CommandSet
from vpix.versions import VersionRange

COMMANDS = CommandSet()

# Help for words many commands share; a command's own help dict wins.
COMMANDS.common_help.update({
    "no": "Negate a command or set its defaults",
    "show": "Show running system information",
    "clear": "Reset functions",
    "terminal": "Set terminal line parameters",
    "running-config": "Show the current operating configuration",
    "all": "Show all configuration, including defaults",
})


@dataclass(frozen=True)
class Mode:
    name: str
    prompt: str               # the part after the host name: "", "(config)", "(config-if)"
    parent: str | None        # the mode `exit` returns to and whose commands also work here


MODES: dict[str, Mode] = {
    "exec": Mode("exec", "", None),
    "config": Mode("config", "(config)", "exec"),
}


def mode(name: str, prompt: str, parent: str = "config") -> Mode:
    """Declare a configuration sub-mode; `exit` in it returns to ``parent``."""
    MODES[name] = Mode(name, prompt, parent)
    COMMANDS.add(Command("exit", _exit_mode, name, help={"exit": "Exit from this mode"}))
    return MODES[name]


def _exit_mode(ctx) -> None:
    ctx.session.exit_mode()


def command(spec: str, *, mode: str = "exec", priv: int = 15, versions: str | None = None,
            help: dict[str, str] | None = None, config: bool = False,
            hidden: bool = False, spaces: frozenset[str] | None = None) -> Callable:
    """Declare a command. ``config=True`` marks commands that change the running-config;
    ``spaces`` narrows where it exists (by default, wherever its feature does)."""

    def declare(handler: Callable) -> Callable:
        COMMANDS.add(Command(spec, handler, mode, priv, VersionRange.parse(versions),
                             help or {}, config, hidden, spaces))
        return handler

    return declare
