"""Access lists and where they apply: `access-list` (7.x `extended` entries and remarks, 6.x
entries), `access-group … in interface …`, `show access-list` with hit counts, `clear
access-list … counters`. The pipeline (vpix.dataplane) matches packets against them."""

from __future__ import annotations

import zlib

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.dataplane.acl import AccessList, Ace, BadEntry, Remark, parse
from vpix.features import TRAFFIC, Feature
from vpix.features.interfaces.commands import named_interface
from vpix.numbers import is_number


class AccessLists(Feature):
    spaces = TRAFFIC

    def __init__(self, system):
        super().__init__(system)
        self.lists: dict[str, AccessList] = {}
        self.groups: dict[str, str] = {}            # interface name -> the list applied inbound

    def render(self, full):
        extended = " extended" if self.system.family == "7.x" else ""
        lines = [f"access-list {acl.name} remark {entry.text}" if isinstance(entry, Remark)
                 else f"access-list {acl.name}{extended} {entry.words()}"
                 for acl in self.lists.values() for entry in acl.entries]
        groups = [f"access-group {name} in interface {iface}" for iface, name in self.groups.items()]
        return [("access-list", lines), ("access-group", groups)]

    def inbound(self) -> dict[str, AccessList]:
        return {iface: self.lists[name] for iface, name in self.groups.items() if name in self.lists}


_HELP = {"access-list": "Configure an access control element", "name": "Access list identifier",
         "rest": "remark, extended or line, then the access control element",
         "access-group": "Bind an access-list to an interface to filter traffic",
         "in": "Filter on inbound traffic", "interface": "Specify interface to bind the access-list to",
         "if": "Name of the interface", "counters": "Clear access-list counters"}


def _lists(ctx: Ctx) -> AccessLists:
    return ctx.system.feature(AccessLists)


@command("access-list <name:WORD> <rest:LINE>", mode="config", config=True, help=_HELP)
def access_list(ctx: Ctx):
    words = ctx.args["rest"].split()
    acl = _lists(ctx).lists.get(ctx.args["name"]) or AccessList(ctx.args["name"])
    position = None
    if words[0].lower() == "line" and len(words) > 2 and is_number(words[1]):
        position, words = int(words[1]) - 1, words[2:]
    if words[0].lower() == "remark":
        rest = ctx.args["rest"]
        entry: Ace | Remark = Remark(rest[rest.lower().index("remark") + len("remark"):].strip())
        if not entry.text:
            raise ctx.invalid("rest")
    else:
        if ctx.system.family == "7.x":
            if words[0].lower() != "extended":
                raise ctx.invalid("rest")
            words = words[1:]
        try:
            entry = parse(words)
        except BadEntry:
            raise ctx.invalid("rest") from None
    if acl.add(entry, position):
        _lists(ctx).lists[acl.name] = acl


@command("no access-list <name:WORD> [<rest:LINE>]", mode="config", config=True, help=_HELP)
def no_access_list(ctx: Ctx):
    lists = _lists(ctx).lists
    acl = lists.get(ctx.args["name"])
    if acl is None:
        raise CommandError(f"ERROR: access-list <{ctx.args['name']}> does not exist")
    if "rest" not in ctx.args:
        del lists[acl.name]
        return
    words = [w for w in ctx.args["rest"].split() if w.lower() != "extended"]
    if not words:
        raise ctx.invalid("rest")
    if words[0].lower() == "remark":
        acl.remove_remark(" ".join(words[1:]))
    else:
        try:
            acl.remove_ace(parse(words).words())
        except BadEntry:
            raise ctx.invalid("rest") from None
    if not acl.entries:
        del lists[acl.name]


@command("access-group <name:WORD> in interface <if:WORD>", mode="config", config=True, help=_HELP)
def access_group(ctx: Ctx):
    iface = named_interface(ctx, "if")
    if ctx.args["name"] not in _lists(ctx).lists:
        raise CommandError(f"ERROR: access-list <{ctx.args['name']}> does not exist")
    _lists(ctx).groups[iface.nameif] = ctx.args["name"]


@command("no access-group <name:WORD> in interface <if:WORD>", mode="config", config=True, help=_HELP)
def no_access_group(ctx: Ctx):
    groups = _lists(ctx).groups
    if groups.get(ctx.args["if"]) == ctx.args["name"]:
        del groups[ctx.args["if"]]


@command("clear access-list [<name:WORD>] counters", help=_HELP)
def clear_counters(ctx: Ctx):
    for acl in _lists(ctx).lists.values():
        if ctx.args.get("name") in (None, acl.name):
            for ace in acl.aces:
                ace.hits = 0


def _hash(text: str) -> str:
    return f"0x{zlib.crc32(text.encode()):08x}"


@command("show access-list [<name:WORD>]", priv=1, help={**_HELP, "access-list": "Show hit counters for access lists"})
def show_access_list(ctx: Ctx):
    family, eight = ctx.system.family, ctx.system.version.major >= 8
    ctx.print(f"access-list cached ACL log flows: total 0, denied 0 (deny-flow-max {4096 if family == '7.x' else 1024})")
    ctx.print("            alert-interval 300")
    extended = " extended" if family == "7.x" else ""
    for acl in _lists(ctx).lists.values():
        if ctx.args.get("name") not in (None, acl.name):
            continue
        count = len(acl.aces)
        ctx.print(f"access-list {acl.name}; {count} elements" + (f"; name hash: {_hash(acl.name)}" if eight else ""))
        for number, entry in enumerate(acl.entries, 1):
            if isinstance(entry, Remark):
                ctx.print(f"access-list {acl.name} line {number} remark {entry.text}")
                continue
            line = f"access-list {acl.name} line {number}{extended} {entry.words(shown=True)} (hitcnt={entry.hits})"
            ctx.print(line + (f" {_hash(acl.name + entry.words())}" if family == "7.x" else ""))
