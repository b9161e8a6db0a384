"""Configuration the device keeps and shows but that carries no behaviour in vpix yet: VPN
(`crypto`, `tunnel-group`, `group-policy`, `webvpn`, `ip local pool`), `snmp-server`, `ntp`,
`dhcpd`, `threat-detection`, `dns`, ASDM and the like (the list is table.py).

Each command is declared from its grammar, so a malformed line is refused with the device's
error; a line is stored as the configuration writes it (keywords in full) under a *key*, its
first words: a later line with the same key replaces it (`ssh version 1` then `ssh version 2`),
`no` and the key removes it. A command that opens a sub-mode (`crypto isakmp policy 10`) keeps
the lines typed there, indented under it, the same way."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from vpix.cli.registry import MODES, command, mode
from vpix.cli.session import Ctx
from vpix.features import EVERYWHERE, TRAFFIC, Feature
from vpix.versions import VersionRange

Key = tuple[str, ...]


@dataclass
class Kept:
    """A stored line and, when it opened a sub-mode, the lines typed there (by their keys)."""
    text: str
    slot: str
    spaces: frozenset[str]                # where the configuration keeps it (`mode multiple` splits)
    children: dict[Key, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Spec:
    """One kept command: its grammar, the slot it stands in, how many of its first words
    (0: all) name what it sets, the sub-mode it opens and what is typed there, and the line
    the configuration shows while nothing sets it."""
    grammar: str
    slot: str
    key: int = 0
    enters: str | None = None
    children: tuple["Spec", ...] = ()
    absent: str | None = None
    versions: str | None = "7.x"
    spaces: frozenset[str] = TRAFFIC

    def exists_in(self, system, space: str) -> bool:
        return system.version in VersionRange.parse(self.versions) and space in self.spaces


class KeptConfig(Feature):
    spaces = EVERYWHERE
    masks = ((" key ", " key *****"), (" pre-shared-key ", " pre-shared-key *"))

    def __init__(self, system):
        super().__init__(system)
        self.lines: dict[Key, Kept] = {}

    def render(self, full):
        return self.render_in(self.system.space, full)

    def render_in(self, space: str, full: bool):
        slots: dict[str, list[str]] = {}
        for kept in self.lines.values():
            if space in kept.spaces:
                slots.setdefault(kept.slot, []).extend([kept.text, *(" " + c for c in kept.children.values())])
        for spec in ABSENT:
            if _key(spec.absent.split()[1:], spec.key) not in self.lines and spec.exists_in(self.system, space):
                slots.setdefault(spec.slot, []).append(spec.absent)
        return list(slots.items())


ABSENT: list[Spec] = []         # kept commands the configuration shows as `no …` while unset
HELP: dict[str, str] = {}       # `?` help of their words (table.py)


def _key(words: list[str] | tuple[str, ...], key: int) -> Key:
    return tuple(words[:key] if key else words)


def _top_tokens(grammar: str) -> list[str]:
    """The spec's words at the top level: `[…]`, `{…}` and `<…>` count as one."""
    tokens, depth, current = [], 0, ""
    for char in grammar:
        if char in "[{<":
            depth += 1
        elif char in "]}>":
            depth -= 1
        if char == " " and depth == 0:
            if current:
                tokens.append(current)
            current = ""
        else:
            current += char
    return tokens + ([current] if current else [])


def _removal(spec: Spec) -> str:
    """The `no` form: the words of the key, then anything."""
    if not spec.key:
        return "no " + spec.grammar
    return "no " + " ".join(_top_tokens(spec.grammar)[:spec.key]) + " [<rest:LINE>]"


_MODE_NAME = re.compile(r"^config-[a-z-]+$")


def keep(spec: Spec) -> None:
    """Declare a kept command (and its `no`), and the commands of the sub-mode it opens."""
    if spec.absent:
        ABSENT.append(spec)

    def store(ctx: Ctx) -> None:
        feature = ctx.system.feature(KeptConfig)
        key = _key(ctx.match.words, spec.key)
        kept = feature.lines.get(key)
        if kept is None:
            kept = feature.lines[key] = Kept(" ".join(ctx.match.words), spec.slot, spec.spaces)
        else:
            kept.text = " ".join(ctx.match.words)
        if spec.enters:
            ctx.session.enter(spec.enters, kept)

    def remove(ctx: Ctx) -> None:
        ctx.system.feature(KeptConfig).lines.pop(_key(ctx.match.words[1:], spec.key), None)

    command(spec.grammar, mode="config", versions=spec.versions, config=True, spaces=spec.spaces,
            help=HELP)(store)
    command(_removal(spec), mode="config", versions=spec.versions, config=True, spaces=spec.spaces,
            help=HELP)(remove)
    if spec.enters:
        _sub_mode(spec)


def _sub_mode(spec: Spec) -> None:
    if spec.enters not in MODES:
        assert _MODE_NAME.match(spec.enters), spec.enters
        mode(spec.enters, f"({spec.enters})")
    for child in spec.children:
        _child(spec, child)


def _child(parent: Spec, spec: Spec) -> None:
    def store(ctx: Ctx) -> None:
        ctx.session.target.children[_key(ctx.match.words, spec.key)] = " ".join(ctx.match.words)

    def remove(ctx: Ctx) -> None:
        ctx.session.target.children.pop(_key(ctx.match.words[1:], spec.key), None)

    command(spec.grammar, mode=parent.enters, versions=parent.versions, config=True, spaces=parent.spaces,
            help=HELP)(store)
    command(_removal(spec), mode=parent.enters, versions=parent.versions, config=True, spaces=parent.spaces,
            help=HELP)(remove)


from vpix.features.kept import shows, table  # noqa: E402,F401
