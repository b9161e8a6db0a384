"""Access lists and what they name: `access-list` (7.x `extended` and `standard` entries,
remarks, `line N`, `log`, `time-range`, `inactive`; 6.x entries), `object-group` (objects.py),
`time-range` (timeranges.py), `access-group … in interface …`, `show access-list` with hit
counts per element, `clear access-list … counters`. The pipeline (vpix.dataplane) matches
packets against them."""

from __future__ import annotations

import ipaddress
import zlib
from datetime import datetime
from typing import Callable

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.clock import Alarm
from vpix.dataplane.acl import AccessList, Ace, BadEntry, Remark, UnknownGroup, parse
from vpix.dataplane.objects import ObjectGroup
from vpix.dataplane.timerange import TimeRange
from vpix.features import TRAFFIC, Feature
from vpix.features.device import Device
from vpix.features.interfaces.commands import named_interface
from vpix.numbers import is_number


class AccessLists(Feature):
    spaces = TRAFFIC

    def __init__(self, system):
        super().__init__(system)
        self.lists: dict[str, AccessList] = {}
        self.groups: dict[str, str] = {}            # interface name -> the list applied inbound
        self.objects: dict[str, ObjectGroup] = {}   # object-groups by name
        self.time_ranges: dict[str, TimeRange] = {}
        self._minute: Alarm | None = None           # time ranges are looked at once a minute

    def render(self, full):
        namer = self.namer()
        lines = [f"access-list {acl.name} remark {entry.text}" if isinstance(entry, Remark)
                 else f"access-list {acl.name}{self.kind(entry)} {entry.words(namer)}"
                 for acl in self.lists.values() for entry in acl.entries]
        groups = [f"access-group {name} in interface {iface}" for iface, name in self.groups.items()]
        grouped = [line for group in self.objects.values() for line in group.lines(namer)]
        ranges = [line for time_range in self.time_ranges.values() for line in time_range.lines()]
        return [("object-group", grouped), ("access-list", lines), ("access-group", groups),
                ("time-range", ranges)]

    def start(self) -> None:
        self._minute = Alarm(self.system.unit.clock, self._tick)
        self._minute.after(60)

    def adopt(self, old: "AccessLists") -> None:
        old.stop()
        self.start()

    def stop(self) -> None:
        if self._minute is not None:
            self._minute.cancel()

    def _tick(self) -> None:
        self.follow_time()
        self._minute.after(60)

    def follow_time(self) -> None:
        """Entries that name a time range are in force as it is now."""
        now = self.system.now()
        for acl in self.lists.values():
            for ace in acl.aces:
                self.follow_range(ace, now)

    def follow_range(self, ace: Ace, now: datetime) -> None:
        """An entry that names a time range is in force only while the range is."""
        if ace.time_range is not None:
            ace.timed_out = not self.time_ranges[ace.time_range].active(now)

    def kind(self, ace: Ace) -> str:
        """What the configuration writes between the list's name and the entry."""
        if self.system.family != "7.x":
            return ""
        return " standard" if ace.standard else " extended"

    def inbound(self) -> dict[str, AccessList]:
        return {iface: self.lists[name] for iface, name in self.groups.items() if name in self.lists}

    def namer(self) -> Callable[[int], str] | None:
        """How an address is written when `names` gives it a name; None without names."""
        device = self.system.feature(Device)
        if not device.names_enabled or not device.names:
            return None
        names = device.named_numbers
        return lambda address: names.get(address) or str(ipaddress.IPv4Address(address))

    def resolve(self, text: str) -> str:
        return self.system.feature(Device).resolve(text)

    def regrouped(self, name: str) -> None:
        """A group changed: every entry that names it, or a group that nests it, expands anew."""
        changed = {name}
        while True:
            more = {g.name for g in self.objects.values() if set(g.nests()) & changed} - changed
            if not more:
                break
            changed |= more
        for acl in self.lists.values():
            for ace in acl.aces:
                if any(ace.uses(n) for n in changed):
                    ace.expand(self.objects)

    def users_of(self, name: str) -> bool:
        """Whether an access list entry or another group names the group."""
        return (any(ace.uses(name) for acl in self.lists.values() for ace in acl.aces)
                or any(name in g.nests() for g in self.objects.values()))


_HELP = {"access-list": "Configure an access control element", "name": "Access list identifier",
         "rest": "remark, extended, standard or line, then the access control element",
         "access-group": "Bind an access-list to an interface to filter traffic",
         "in": "Filter on inbound traffic", "interface": "Specify interface to bind the access-list to",
         "if": "Name of the interface", "counters": "Clear access-list counters"}


def lists_of(ctx: Ctx) -> AccessLists:
    return ctx.system.feature(AccessLists)


def _entry(ctx: Ctx, words: list[str], standard: bool) -> Ace:
    feature = lists_of(ctx)
    try:
        ace = parse(words, feature.objects, feature.resolve, standard)
    except UnknownGroup as missing:
        raise CommandError(f"ERROR: specified object group <{missing.name}> not found") from None
    except BadEntry:
        raise ctx.invalid("rest") from None
    if ace.time_range is not None:
        if ace.time_range not in feature.time_ranges:
            raise CommandError(f"ERROR: time-range <{ace.time_range}> does not exist")
        feature.follow_range(ace, ctx.system.now())
    return ace


def _line(words: list[str]) -> tuple[int | None, list[str]]:
    """`line N …`: the position it asks for (from 0) and the words after it."""
    if words and words[0].lower() == "line" and len(words) > 1 and is_number(words[1]) and int(words[1]) > 0:
        return int(words[1]) - 1, words[2:]
    return None, words


@command("access-list <name:WORD> <rest:LINE>", mode="config", config=True, help=_HELP)
def access_list(ctx: Ctx):
    rest = ctx.args["rest"]
    acl = lists_of(ctx).lists.get(ctx.args["name"]) or AccessList(ctx.args["name"])
    position, words = _line(rest.split())
    if not words:
        raise ctx.invalid("rest")
    first = words[0].lower()
    if first == "remark":
        entry: Ace | Remark = Remark(rest[rest.lower().index("remark") + len("remark"):].strip())
        if not entry.text:
            raise ctx.invalid("rest")
    elif ctx.system.family == "7.x":
        if first not in ("extended", "standard"):
            raise ctx.invalid("rest")
        entry = _entry(ctx, words[1:], standard=first == "standard")
    else:
        entry = _entry(ctx, words, standard=False)
    if acl.add(entry, position):
        lists_of(ctx).lists[acl.name] = acl


@command("no access-list <name:WORD> [<rest:LINE>]", mode="config", config=True, help=_HELP)
def no_access_list(ctx: Ctx):
    lists = lists_of(ctx).lists
    acl = lists.get(ctx.args["name"])
    if acl is None:
        raise CommandError(f"ERROR: access-list <{ctx.args['name']}> does not exist")
    if "rest" not in ctx.args:
        del lists[acl.name]
        return
    position, words = _line(ctx.args["rest"].split())
    if position is not None and not words:
        if not acl.remove_at(position + 1):
            raise ctx.invalid("rest")
    elif words and words[0].lower() == "remark":
        acl.remove_remark(" ".join(words[1:]))
    else:
        standard = bool(words) and words[0].lower() == "standard"
        if words and words[0].lower() in ("extended", "standard"):
            words = words[1:]
        if not words:
            raise ctx.invalid("rest")
        acl.remove_ace(_entry(ctx, words, standard).words())
    if not acl.entries:
        del lists[acl.name]


@command("access-group <name:WORD> in interface <if:WORD>", mode="config", config=True, help=_HELP)
def access_group(ctx: Ctx):
    iface = named_interface(ctx, "if")
    if ctx.args["name"] not in lists_of(ctx).lists:
        raise CommandError(f"ERROR: access-list <{ctx.args['name']}> does not exist")
    lists_of(ctx).groups[iface.nameif] = ctx.args["name"]


@command("no access-group <name:WORD> in interface <if:WORD>", mode="config", config=True, help=_HELP)
def no_access_group(ctx: Ctx):
    groups = lists_of(ctx).groups
    if groups.get(ctx.args["if"]) == ctx.args["name"]:
        del groups[ctx.args["if"]]


@command("clear access-list [<name:WORD>] counters", help=_HELP)
def clear_counters(ctx: Ctx):
    for acl in lists_of(ctx).lists.values():
        if ctx.args.get("name") in (None, acl.name):
            for ace in acl.aces:
                for element in ace.elements:
                    element.hits = 0


def _hash(text: str) -> str:
    return f"0x{zlib.crc32(text.encode()):x}"


@command("show access-list [<name:WORD>]", priv=1, help={**_HELP, "access-list": "Show hit counters for access lists"})
def show_access_list(ctx: Ctx):
    feature = lists_of(ctx)
    family, eight = ctx.system.family, ctx.system.version.major >= 8
    ctx.print(f"access-list cached ACL log flows: total 0, denied 0 (deny-flow-max {4096 if family == '7.x' else 1024})")
    ctx.print("            alert-interval 300")
    namer = feature.namer()
    for acl in feature.lists.values():
        if ctx.args.get("name") not in (None, acl.name):
            continue
        count = sum(len(ace.elements) for ace in acl.aces)
        ctx.print(f"access-list {acl.name}; {count} elements" + (f"; name hash: {_hash(acl.name)}" if eight else ""))
        for number, entry in enumerate(acl.entries, 1):
            if isinstance(entry, Remark):
                ctx.print(f"access-list {acl.name} line {number} remark {entry.text}")
                continue
            head = f"access-list {acl.name} line {number}{feature.kind(entry)} "
            for line in _shown(entry, head, namer, family == "7.x"):
                ctx.print(line)


def _shown(ace: Ace, head: str, namer, hashed: bool) -> list[str]:
    """An entry's lines in `show access-list`: itself, then (when it names groups) each element
    indented, each with its hits; an entry its time-range switches off says `(inactive)`."""
    off = " (inactive)" if ace.timed_out else ""

    def line(words: str, hits: int, indent: str = "") -> str:
        text = f"{indent}{head}{words} (hitcnt={hits}){off}"
        return text + (f" {_hash(head + words)}" if hashed else "")

    lines = [line(ace.words(namer, shown=True), ace.hits)]
    if ace.grouped:
        action = "permit" if ace.permit else "deny"
        lines += [line(f"{action} {e.words(namer)}{ace.tail(shown=True)}", e.hits, "  ") for e in ace.elements]
    return lines


from vpix.features.acl import objects, timeranges  # noqa: E402,F401
