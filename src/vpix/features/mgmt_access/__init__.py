"""Who may manage the unit from where: `telnet`, `ssh`, their timeouts, `console timeout`."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.features import Feature
from vpix.dataplane.acl import BadEntry, Words, read_hosts
from vpix.dataplane.objects import ICMP_NAMES, Hosts, hosts_words, icmp_type
from vpix.features.interfaces import Interfaces


@dataclass(frozen=True)
class Station:
    """Where a management session comes from: its address and port, and the interface it
    arrived on. ``ifname`` None is a host port with no station named in the lab: any permit
    line's interface takes it."""
    address: str
    port: int = 0
    ifname: str | None = None


@dataclass(frozen=True)
class Permit:
    address: str
    mask: str
    ifname: str

    def allows(self, station: Station) -> bool:
        if station.ifname is not None and station.ifname != self.ifname:
            return False
        try:
            net = ipaddress.IPv4Network(f"{self.address}/{self.mask}", strict=False)
            return ipaddress.IPv4Address(station.address) in net
        except ValueError:
            return False


@dataclass(frozen=True)
class IcmpRule:
    """`icmp permit|deny HOSTS [TYPE] IF`: ICMP to the unit's address on an interface."""
    permit: bool
    hosts: Hosts
    kind: int | None
    ifname: str

    def matches(self, source: str, kind: int) -> bool:
        address = int(ipaddress.IPv4Address(source))
        return address & self.hosts.mask == self.hosts.network and self.kind in (None, kind)

    def words(self) -> str:
        kind = f" {ICMP_NAMES.get(self.kind, self.kind)}" if self.kind is not None else ""
        return f"icmp {'permit' if self.permit else 'deny'} {hosts_words(self.hosts)}{kind} {self.ifname}"


class MgmtAccess(Feature):
    def __init__(self, system):
        super().__init__(system)
        self.icmp: list[IcmpRule] = []
        self.permits: dict[str, list[Permit]] = {"telnet": [], "ssh": []}
        self.timeouts = {"telnet": 5, "ssh": 5, "console": 0}
        self.ssh_version: int | None = None        # `ssh version 1|2`; None: both (SSH-1.99)
        self.scopy = False
        self.banners: dict[str, list[str]] = {"exec": [], "login": [], "motd": []}

    def banner(self, kind: str) -> str:
        return "".join(line + "\n" for line in self.banners[kind])

    def allows(self, service: str, station: Station) -> bool:
        return self.permit_for(service, station) is not None

    def permit_for(self, service: str, station: Station) -> Permit | None:
        return next((p for p in self.permits.get(service, []) if p.allows(station)), None)

    def start(self) -> None:
        system = self.system
        system.feature(Interfaces).stations.icmp_admits = lambda *a: system.feature(MgmtAccess).icmp_admits(*a)

    def icmp_admits(self, ifname: str, source: str, kind: int) -> bool:
        """The first `icmp` rule of the interface that matches decides; an interface without
        rules takes every ICMP message."""
        rules = [r for r in self.icmp if r.ifname == ifname]
        return not rules or next((r.permit for r in rules if r.matches(source, kind)), False)

    def render(self, full):
        telnet = [f"telnet {p.address} {p.mask} {p.ifname}" for p in self.permits["telnet"]]
        ssh = [f"ssh {p.address} {p.mask} {p.ifname}" for p in self.permits["ssh"]]
        if self.scopy:
            ssh.append("ssh scopy enable")
        banners = [f"banner {kind} {line}" for kind in ("exec", "login", "motd")
                   for line in self.banners[kind]]
        return [("banner", banners), ("icmp", [rule.words() for rule in self.icmp]),
                ("telnet", telnet + [f"telnet timeout {self.timeouts['telnet']}"]),
                ("ssh", ssh + [f"ssh timeout {self.timeouts['ssh']}"] +
                 ([f"ssh version {self.ssh_version}"] if self.ssh_version else [])),
                ("console", [f"console timeout {self.timeouts['console']}"])]


_HELP = {
    "icmp": "Configure access rules for ICMP traffic to the unit",
    "permit": "Permit ICMP messages to the unit", "deny": "Deny ICMP messages to the unit",
    "rest": "any, host or address and mask, an ICMP type, then the interface name",
    "telnet": "Add telnet access to system console or set idle timeout",
    "ssh": "Configure SSH options",
    "console": "Serial-console idle timeout configuration",
    "timeout": "Specify idle timeout",
    "minutes": "Idle time in minutes",
    "address": "IP address of a host or network that can access the system",
    "mask": "Netmask",
    "ifname": "Name of the interface the host or network is on",
    "scopy": "Secure copy mode",
    "banner": "Configure login/session banners",
    "exec": "Configure EXEC banner",
    "login": "Configure login banner",
    "motd": "Configure MOTD banner",
    "text": "Banner text (a line; repeat the command for more lines)",
    "enable": "Enable secure copy server",
}


def _access(ctx: Ctx) -> MgmtAccess:
    return ctx.system.feature(MgmtAccess)


def _service(ctx: Ctx) -> str:
    return "telnet" if ctx.args.get("telnet") else "ssh"


@command("{telnet|ssh} <address:IP> <mask:IP> <ifname:WORD>", mode="config", config=True, help=_HELP)
def permit(ctx: Ctx):
    if ctx.system.feature(Interfaces).by_name(ctx.args["ifname"]) is None:
        raise CommandError(f"ERROR: Interface name {ctx.args['ifname']} is not configured")
    entry = Permit(ctx.args["address"], ctx.args["mask"], ctx.args["ifname"])
    permits = _access(ctx).permits[_service(ctx)]
    if entry not in permits:
        permits.append(entry)


@command("no {telnet|ssh} <address:IP> <mask:IP> <ifname:WORD>", mode="config", config=True,
         help=_HELP)
def no_permit(ctx: Ctx):
    entry = Permit(ctx.args["address"], ctx.args["mask"], ctx.args["ifname"])
    permits = _access(ctx).permits[_service(ctx)]
    if entry in permits:
        permits.remove(entry)


def _icmp_rule(ctx: Ctx) -> IcmpRule:
    """`{permit|deny} {any|host A|A M} [TYPE] IF`."""
    at = Words(ctx.args["rest"].split())
    try:
        hosts = read_hosts(at, {}, None, allow_group=False)
    except BadEntry:
        raise ctx.invalid("rest") from None
    words = at.rest()
    kind = icmp_type(words[0].lower()) if len(words) == 2 else None
    if not 1 <= len(words) <= 2 or (len(words) == 2 and kind is None):
        raise ctx.invalid("rest")
    if ctx.system.feature(Interfaces).by_name(words[-1]) is None:
        raise CommandError(f"ERROR: interface name \"{words[-1]}\" is not configured")
    return IcmpRule(bool(ctx.args.get("permit")), hosts, kind, words[-1])


@command("icmp {permit|deny} <rest:LINE>", mode="config", config=True, help=_HELP)
def icmp(ctx: Ctx):
    rule = _icmp_rule(ctx)
    if rule not in _access(ctx).icmp:
        _access(ctx).icmp.append(rule)


@command("no icmp {permit|deny} <rest:LINE>", mode="config", config=True, help=_HELP)
def no_icmp(ctx: Ctx):
    rule = _icmp_rule(ctx)
    if rule in _access(ctx).icmp:
        _access(ctx).icmp.remove(rule)


@command("{telnet|ssh} timeout <minutes:INT:1-60>", mode="config", config=True, help=_HELP)
@command("console timeout <minutes:INT:0-60>", mode="config", config=True, help=_HELP)
def timeout(ctx: Ctx):
    service = "console" if ctx.args.get("console") else _service(ctx)
    _access(ctx).timeouts[service] = ctx.args["minutes"]


@command("no {telnet|ssh} timeout [<minutes:INT:1-60>]", mode="config", config=True, help=_HELP)
def no_timeout(ctx: Ctx):
    _access(ctx).timeouts[_service(ctx)] = 5


@command("ssh version <n:INT:1-2>", mode="config", versions="7.x", config=True,
         help={**_HELP, "version": "Specify SSH version to be used", "n": "Set SSH to use version 1 or 2"})
def ssh_version(ctx: Ctx):
    _access(ctx).ssh_version = ctx.args["n"]


@command("no ssh version [<n:INT:1-2>]", mode="config", versions="7.x", config=True, help=_HELP)
def no_ssh_version(ctx: Ctx):
    _access(ctx).ssh_version = None


@command("ssh scopy enable", mode="config", versions="7.x", config=True, help=_HELP)
def scopy(ctx: Ctx):
    _access(ctx).scopy = True


@command("no ssh scopy enable", mode="config", versions="7.x", config=True, help=_HELP)
def no_scopy(ctx: Ctx):
    _access(ctx).scopy = False


@command("banner {exec|login|motd} <text:LINE>", mode="config", config=True, help=_HELP)
def banner(ctx: Ctx):
    kind = next(k for k in ("exec", "login", "motd") if ctx.args.get(k))
    _access(ctx).banners[kind].append(ctx.args["text"][:510])


@command("no banner {exec|login|motd} [<text:LINE>]", mode="config", config=True, help=_HELP)
def no_banner(ctx: Ctx):
    kind = next(k for k in ("exec", "login", "motd") if ctx.args.get(k))
    _access(ctx).banners[kind] = []


# ---------------------------------------------------------------- who is on, and ending it

def _live(ctx: Ctx, transport: str) -> list:
    return sorted((s for s in ctx.system.root.sessions if s.transport == transport and not s.closed and s.peer),
                  key=lambda s: s.number)


@command("show ssh sessions [<ip:IP>]", versions="7.x", help={**_HELP, "show": "Show running system information",
         "sessions": "Show the SSH sessions", "ip": "The client address to show"})
def show_ssh_sessions(ctx: Ctx):
    ctx.print("")
    ctx.print(f"{'SID':<4}{'Client IP':<16}{'Version':<8}{'Mode':<5}{'Encryption':<11}{'Hmac':<10}"
              f"{'State':<16}Username")
    for s in _live(ctx, "ssh"):
        if ctx.args.get("ip") not in (None, s.peer.address):
            continue
        d = s.details
        for mode, cipher, mac in (("IN", d.get("recv_cipher", ""), d.get("recv_mac", "")),
                                  ("OUT", d.get("send_cipher", ""), d.get("send_mac", ""))):
            lead = f"{s.number:<4}{s.peer.address:<16}{d.get('version', ''):<8}" if mode == "IN" else " " * 28
            ctx.print(f"{lead}{mode:<5}{cipher:<10} {mac.removeprefix('hmac-'):<9} {'SessionStarted':<15} "
                      f"{s.username}")


@command("ssh disconnect <sid:INT:0-4>", versions="7.x", help={**_HELP, "disconnect": "Disconnect an SSH session",
         "sid": "SSH session ID"})
def ssh_disconnect(ctx: Ctx):
    _end(ctx, "ssh", ctx.args["sid"], "ERROR: Invalid SSH session ID")


@command("who [<ip:IP>]", priv=1, help={"who": "Show active Telnet administration sessions",
                                        "ip": "The client address to show"})
def who(ctx: Ctx):
    for s in _live(ctx, "telnet"):
        if ctx.args.get("ip") in (None, s.peer.address):
            ctx.print(f"{s.number}: {s.peer.address}")


@command("kill <id:INT:0-4>", help={"kill": "Terminate a Telnet session", "id": "Telnet session ID (see who)"})
def kill(ctx: Ctx):
    _end(ctx, "telnet", ctx.args["id"], "ERROR: Invalid Telnet session ID")


def _end(ctx: Ctx, transport: str, number: int, error: str) -> None:
    found = next((s for s in _live(ctx, transport) if s.number == number), None)
    if found is None:
        raise CommandError(error)
    found.close()
