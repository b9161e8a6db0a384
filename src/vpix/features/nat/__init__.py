"""Address translation rules: `nat`, `global`, `static`, `nat-control` (7.x; always on in
6.x). They make a vpix.dataplane.nat.NatConfig that the forwarding pipeline follows; the
translations themselves are in `show xlate` (features.forwarding)."""

from __future__ import annotations

import ipaddress

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.dataplane.objects import PORT_NAMES, port
from vpix.dataplane.nat import GlobalPool, HostLimits, NatConfig, NatRule, Static
from vpix.features import TRAFFIC, Feature
from vpix.features.interfaces import Interfaces
from vpix.net.packets import PROTO_TCP, PROTO_UDP
from vpix.numbers import is_number

_PROTOCOLS = {"tcp": PROTO_TCP, "udp": PROTO_UDP}


def _int(text: str) -> int:
    return 0 if text == "0" else int(ipaddress.IPv4Address(text))


def _text(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


class Nat(Feature):
    spaces = TRAFFIC

    def __init__(self, system):
        super().__init__(system)
        self.config = NatConfig(control=system.family == "6.x")

    def render(self, full):
        six = self.system.family == "6.x"
        lines = ["nat-control"] if self.config.control and not six else []
        for pool in self.config.globals:
            lines.append(f"global ({pool.iface}) {pool.ident} {_pool_words(pool)}")
        for rule in self.config.nat:
            what = f"access-list {rule.acl}" if rule.acl else \
                f"{_text(rule.network)} {_text(rule.mask)}{_limit_words(rule.limits, six)}"
            lines.append(f"nat ({rule.iface}) {rule.ident} {what}")
        for s in self.config.statics:
            lines.append(f"static ({s.real_iface},{s.mapped_iface}) {_static_words(s)}{_limit_words(s.limits, six)}")
        return [("nat", lines)]


def _limit_words(limits: HostLimits, six: bool) -> str:
    """6.x writes both numbers always; 7.x `tcp max emb` when there is a limit."""
    if six:
        return f" {limits.max_conns} {limits.emb_limit}"
    return f" tcp {limits.max_conns} {limits.emb_limit}" if limits != HostLimits() else ""


def _limits(ctx: Ctx, words: list[str]) -> HostLimits:
    """`[tcp] max_conns [emb_limit]` after a rule's addresses (6.x: the numbers alone)."""
    if words[:1] == ["tcp"] and ctx.system.family == "7.x" and len(words) > 1:
        words = words[1:]
    if len(words) > 2 or not all(is_number(w) and int(w) <= 65535 for w in words):
        raise ctx.invalid("rest")
    return HostLimits(*(int(w) for w in words))


def _pool_words(pool: GlobalPool) -> str:
    if pool.first is None:
        return "interface"
    words = _text(pool.first) if pool.last is None else f"{_text(pool.first)}-{_text(pool.last)}"
    return words + (f" netmask {_text(pool.mask)}" if pool.mask is not None else "")


def _static_words(s: Static) -> str:
    mapped = "interface" if s.mapped is None else _text(s.mapped)
    if s.proto:
        name = {PROTO_TCP: "tcp", PROTO_UDP: "udp"}[s.proto]
        return (f"{name} {mapped} {PORT_NAMES.get(s.mapped_port, s.mapped_port)} {_text(s.real)} "
                f"{PORT_NAMES.get(s.real_port, s.real_port)} netmask {_text(s.mask)}")
    return f"{mapped} {_text(s.real)} netmask {_text(s.mask)}"


_HELP = {"nat": "Associate a network with a pool of global IP addresses",
         "global": "Specify, delete or view global address pools, or designate a PAT (Port Address) global address",
         "static": "Configure a one-to-one address translation rule",
         "nat-control": "Enable NAT control: traffic through the unit needs a translation rule",
         "pair": "(interface) or (real_interface,mapped_interface)",
         "id": "NAT id: 0 for identity or exemption, 1 and up for a global pool",
         "rest": "Addresses, netmask and options"}


def _nat(ctx: Ctx) -> Nat:
    return ctx.system.feature(Nat)


def _one_interface(ctx: Ctx) -> str:
    pair = ctx.args["pair"]
    if not (pair.startswith("(") and pair.endswith(")")) or "," in pair:
        raise ctx.invalid("pair")
    return _named(ctx, pair[1:-1])


def _named(ctx: Ctx, name: str) -> str:
    if ctx.system.feature(Interfaces).by_name(name) is None:
        raise CommandError(f"ERROR: interface name \"{name}\" is not configured")
    return name


def _address(ctx: Ctx, text: str) -> int:
    try:
        return _int(text)
    except ValueError:
        raise ctx.invalid("rest") from None


def _nat_rule(ctx: Ctx) -> NatRule:
    iface, ident, words = _one_interface(ctx), ctx.args["id"], ctx.args["rest"].split()
    if words[0].lower() == "access-list":
        if ident != 0 or len(words) != 2:
            raise ctx.invalid("rest")
        return NatRule(iface, 0, acl=words[1])
    if len(words) < 2:
        raise ctx.invalid("rest")
    network, mask = _address(ctx, words[0]), _address(ctx, words[1])
    limits = _limits(ctx, [w.lower() for w in words[2:]])
    if network & ~mask & 0xFFFFFFFF:
        raise CommandError("ERROR: Inconsistent address and mask")
    return NatRule(iface, ident, network, mask, limits=limits)


@command("nat <pair:WORD> <id:INT:0-65535> <rest:LINE>", mode="config", config=True, help=_HELP)
def nat(ctx: Ctx):
    rule, rules = _nat_rule(ctx), _nat(ctx).config.nat
    rules[:] = [r for r in rules if (r.iface, r.ident, r.network, r.mask, r.acl) !=
                (rule.iface, rule.ident, rule.network, rule.mask, rule.acl)] + [rule]


@command("no nat <pair:WORD> <id:INT:0-65535> <rest:LINE>", mode="config", config=True, help=_HELP)
def no_nat(ctx: Ctx):
    rule, rules = _nat_rule(ctx), _nat(ctx).config.nat
    rules[:] = [r for r in rules if r != rule]


def _pool(ctx: Ctx) -> GlobalPool:
    iface, ident, words = _one_interface(ctx), ctx.args["id"], ctx.args["rest"].split()
    if words == ["interface"]:
        return GlobalPool(iface, ident)
    first, _, last = words[0].partition("-")
    low, high = _address(ctx, first), _address(ctx, last) if last else None
    mask = None
    if len(words) == 3 and words[1].lower() == "netmask":
        mask = _address(ctx, words[2])
    elif len(words) != 1:
        raise ctx.invalid("rest")
    if high is not None and high < low:
        raise CommandError(f"ERROR: Global range {first}-{last} is not valid")
    return GlobalPool(iface, ident, low, high, mask)


@command("global <pair:WORD> <id:INT:1-65535> <rest:LINE>", mode="config", config=True, help=_HELP)
def global_pool(ctx: Ctx):
    pool, pools = _pool(ctx), _nat(ctx).config.globals
    if pool in pools:
        return
    pools.append(pool)
    if pool.first is None:
        info = "INFO: " if ctx.system.family == "7.x" else ""
        ctx.print(f"{info}{pool.iface} interface address added to PAT pool")


@command("no global <pair:WORD> <id:INT:1-65535> <rest:LINE>", mode="config", config=True, help=_HELP)
def no_global_pool(ctx: Ctx):
    pool, pools = _pool(ctx), _nat(ctx).config.globals
    pools[:] = [p for p in pools if p != pool]


def _static(ctx: Ctx) -> Static:
    pair = ctx.args["pair"]
    names = pair[1:-1].split(",") if pair.startswith("(") and pair.endswith(")") else []
    if len(names) != 2:
        raise ctx.invalid("pair")
    real_iface, mapped_iface = (_named(ctx, name) for name in names)
    words = [w.lower() for w in ctx.args["rest"].split()]
    proto = _PROTOCOLS.get(words[0], 0)
    if proto:
        words = words[1:]
    take = 2 if proto else 1
    if len(words) < 2 * take:
        raise ctx.invalid("rest")
    mapped = None if words[0] == "interface" else _address(ctx, words[0])
    mapped_port = _port(ctx, words[1]) if proto else 0
    real = _address(ctx, words[take])
    real_port = _port(ctx, words[take + 1]) if proto else 0
    rest = words[2 * take:]
    mask = 0xFFFFFFFF
    if rest[:1] == ["netmask"] and len(rest) >= 2:
        mask, rest = _address(ctx, rest[1]), rest[2:]
    limits = _limits(ctx, rest)
    if real & ~mask & 0xFFFFFFFF or (mapped or 0) & ~mask & 0xFFFFFFFF:
        raise CommandError("ERROR: Inconsistent address and mask")
    return Static(real_iface, mapped_iface, mapped, real, mask, proto, mapped_port, real_port, limits)


def _port(ctx: Ctx, word: str) -> int:
    number = port(word)
    if not number:                         # unknown, beyond 65535, or 0
        raise ctx.invalid("rest")
    return number


@command("static <pair:WORD> <rest:LINE>", mode="config", config=True, help=_HELP)
def static(ctx: Ctx):
    new, statics = _static(ctx), _nat(ctx).config.statics
    for s in statics:
        same_mapping = (s.mapped_iface, s.mapped, s.proto, s.mapped_port) == \
            (new.mapped_iface, new.mapped, new.proto, new.mapped_port)
        if same_mapping and (s.real_iface, s.real, s.real_port) != (new.real_iface, new.real, new.real_port):
            raise CommandError("ERROR: mapped-address conflict with existing static")
    statics[:] = [s for s in statics if (s.real_iface, s.mapped_iface, s.mapped, s.proto, s.mapped_port) !=
                  (new.real_iface, new.mapped_iface, new.mapped, new.proto, new.mapped_port)] + [new]


@command("no static <pair:WORD> <rest:LINE>", mode="config", config=True, help=_HELP)
def no_static(ctx: Ctx):
    gone, statics = _static(ctx), _nat(ctx).config.statics
    statics[:] = [s for s in statics if (s.real_iface, s.mapped_iface, s.mapped, s.real, s.proto, s.mapped_port) !=
                  (gone.real_iface, gone.mapped_iface, gone.mapped, gone.real, gone.proto, gone.mapped_port)]


@command("nat-control", mode="config", config=True, versions="7.x", help=_HELP)
def nat_control(ctx: Ctx):
    _nat(ctx).config.control = True


@command("no nat-control", mode="config", config=True, versions="7.x", help=_HELP)
def no_nat_control(ctx: Ctx):
    _nat(ctx).config.control = False
