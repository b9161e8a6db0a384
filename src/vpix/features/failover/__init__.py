"""Failover configuration: the 7.x commands here (`failover`, `failover lan …`, `failover link`,
`failover interface ip`, `failover key`, `failover polltime`, `failover interface-policy`,
`failover mac address`, `failover replication http`, `monitor-interface`), with the PIX 6.x
forms that do the same (`failover lan key`, `failover replicate http`, …); the 6.x commands
of their own are in pix6.py. The state machine that acts on it lives in vpix.failover."""

from __future__ import annotations

from dataclasses import dataclass, field

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx, Wait
from vpix.features import EVERYWHERE, PLATFORM, Feature
from vpix.features.interfaces import Interfaces
from vpix.features.interfaces.commands import hardware_interface, named_interface
from vpix.features.license import Licensing
from vpix.numbers import is_number


@dataclass
class Poll:
    """A poll/hold pair in milliseconds."""

    poll_ms: int
    hold_ms: int

    def words(self) -> str:
        """`1 holdtime 15`, `msec 200 holdtime msec 800`, as the configuration writes it."""
        return f"{_time(self.poll_ms)} holdtime {_time(self.hold_ms)}"


def _time(ms: int) -> str:
    return f"msec {ms}" if ms < 1000 else str(ms // 1000)


@dataclass
class StandbyAddress:
    address: str
    mask: str
    standby: str

    def ends(self, primary: bool) -> tuple[str, str]:
        """(this unit's, its mate's) on a failover link: the primary holds the address, the
        secondary the standby one, whatever their roles."""
        return (self.address, self.standby) if primary else (self.standby, self.address)


@dataclass
class FailoverGroup:
    """`failover group N` (Active/Active): the unit it prefers to be active on, and for its
    contexts' interfaces their own preemption, HTTP replication, policy, polls and MACs."""

    number: int
    interface_poll: Poll
    secondary: bool = False
    preempt: int | None = None                 # seconds to wait first; None: no preempt
    replicate_http: bool = False
    interface_policy: str = "1"
    mac: dict[str, tuple[str, str]] = field(default_factory=dict)

    def render(self, full: bool, default_poll: Poll) -> list[str]:
        lines = [f"failover group {self.number}"]
        if self.secondary:
            lines.append("  secondary")
        elif full:
            lines.append("  primary")
        if self.preempt is not None:
            lines.append(f"  preempt{f' {self.preempt}' if self.preempt else ''}")
        if self.replicate_http:
            lines.append("  replication http")
        if self.interface_policy != "1" or full:
            lines.append(f"  interface-policy {self.interface_policy}")
        if self.interface_poll != default_poll or full:
            lines.append(f"  polltime interface {self.interface_poll.words()}")
        for hw, (active, standby) in sorted(self.mac.items()):
            lines.append(f"  mac address {hw} {active} {standby}")
        return lines


class FailoverConfig(Feature):
    spaces = PLATFORM

    masks = (("failover key ", "failover key *****"), ("failover lan key ", "failover lan key ********"))

    def __init__(self, system):
        super().__init__(system)
        pix = system.hw.line == "pix"
        self.enabled = False
        self.primary: bool | None = None
        self.lan_interface: tuple[str, str] | None = None     # (name, hardware id)
        self.lan_enabled = not pix                             # PIX defaults to the serial cable
        self.key: str | None = None
        self.state_link: tuple[str, str] | None = None
        self.addresses: dict[str, StandbyAddress] = {}
        self.unit_poll, self.interface_poll = self.defaults()
        self.interface_policy = "1"
        self.reconnect_timeout = "0:00:00"                    # 6.x `failover timeout`
        self.replicate_http = False
        self.mac: dict[str, tuple[str, str]] = {}
        self.unmonitored: set[str] = set()
        self.groups: dict[int, FailoverGroup] = {}            # Active/Active, multiple mode
        self.runtime = None
        self.debugging: dict[str, set] = {}                   # `debug fover` topic -> sessions

    def start(self) -> None:
        self.run()

    def run(self) -> None:
        """Start failing over once it is enabled and the LAN link is configured."""
        if self.runtime is not None and self.enabled:
            self.runtime.enable()
        if self.runtime is not None or not (self.enabled or self._joins_by_cable()) or not self.system.running():
            return
        if not self.lan_enabled:
            if self.system.unit.cable is None:         # serial failover with no cable in
                return
        elif self.primary is None or not self.lan_interface or self.link_address(self.lan_interface[0]) is None:
            return
        from vpix.features.failover.runtime import FailoverRuntime

        self.runtime = FailoverRuntime(self.system, self, self._services())
        self.runtime.start()

    def _services(self):
        """What the runtime may use of the unit: the one place failover reaches for it."""
        from vpix.features.failover.runtime import UnitServices

        unit = self.system.unit

        def prompt() -> str:
            session = unit.console_session
            return session.prompt() if session is not None and not session.busy else ""

        return UnitServices(unit.clock, unit.console.write, prompt, unit.request_reload, unit.ports,
                            unit.identity.macs, unit.cable)

    @property
    def view(self):
        """What the show commands read of the running failover (None when it does not run)."""
        from vpix.features.failover.view import FailoverView

        return FailoverView(self.runtime) if self.runtime is not None else None

    def _joins_by_cable(self) -> bool:
        """PIX OS 6.x: a unit on the Secondary end of the serial cable needs no configuration
        of its own: it joins the primary and takes its configuration (004)."""
        cable = self.system.unit.cable
        return self.system.family == "6.x" and not self.lan_enabled and cable is not None and not cable.primary

    def link_address(self, name: str) -> StandbyAddress | None:
        """The failover link's addresses: 7.x `failover interface ip`; 6.x the interface's own
        address and its `failover ip address`."""
        if self.system.family == "7.x":
            return self.addresses.get(name)
        iface = self.system.feature(Interfaces).by_name(name)
        if iface is None or not iface.ip or not iface.standby:
            return None
        return StandbyAddress(iface.ip, iface.mask, iface.standby)

    def stop(self) -> None:
        if self.runtime is not None:
            self.runtime.stop()

    def debug(self, topic: str, text: str) -> None:
        """A `debug fover` line to the sessions that asked for the topic."""
        for session in list(self.debugging.get(topic, ())):
            if session.closed:
                self.debugging[topic].discard(session)
            else:
                session.sink(f"fover_{topic}: {text}\n")

    def is_primary(self) -> bool:
        """LAN failover: `failover lan unit`; serial failover: the cable end the unit has."""
        cable = self.system.unit.cable
        if not self.lan_enabled and cable is not None:
            return cable.primary
        return self.primary is not False

    def prompt_part(self, word: str) -> str | None:
        """`prompt … priority state`: pri or sec; act or stby."""
        if word == "priority":
            if self.primary is None and (self.lan_enabled or self.system.unit.cable is None):
                return None
            return "pri" if self.is_primary() else "sec"
        if word == "state":
            return "act" if self.runtime is None or self.runtime.machine.active else "stby"
        return None

    def defaults(self) -> tuple[Poll, Poll]:
        """(unit, interface) poll times: PIX platforms 15 s / 45 s, ASA 1 s / 15 s; 5 s / 25 s.
        PIX 6.x polls both every 15 s; see pix6.py for its hold times."""
        if self.system.family == "6.x":
            return pix6.polls(15)
        unit = Poll(15000, 45000) if self.system.hw.line == "pix" else Poll(1000, 15000)
        return unit, Poll(5000, 25000)

    def render(self, full):
        if self.system.family == "6.x":
            return pix6.render(self)
        lines = ["failover" if self.enabled else "no failover"]
        if self.primary is not None:
            lines.append(f"failover lan unit {'primary' if self.primary else 'secondary'}")
        if self.lan_interface:
            lines.append(f"failover lan interface {self.lan_interface[0]} {self.lan_interface[1]}")
        if self.lan_enabled and self.system.hw.line == "pix":
            lines.append("failover lan enable")
        unit_default, interface_default = self.defaults()
        if self.unit_poll != unit_default or full:
            lines.append(f"failover polltime unit {self.unit_poll.words()}")
        if self.interface_poll != interface_default or full:
            lines.append(f"failover polltime interface {self.interface_poll.words()}")
        if self.interface_policy != "1" or full:
            lines.append(f"failover interface-policy {self.interface_policy}")
        if self.key:
            lines.append(f"failover key {self.key}")
        if self.replicate_http:
            lines.append("failover replication http")
        if self.state_link:
            lines.append(f"failover link {self.state_link[0]} {self.state_link[1]}")
        for hw, (active, standby) in sorted(self.mac.items()):
            lines.append(f"failover mac address {hw} {active} {standby}")
        for name, a in self.addresses.items():
            lines.append(f"failover interface ip {name} {a.address} {a.mask} standby {a.standby}")
        for number in sorted(self.groups):
            lines += self.groups[number].render(full, interface_default)
        monitor = [f"no monitor-interface {name}" for name in sorted(self.unmonitored)]
        return [("failover", lines), ("monitor", monitor)]


_HELP = {
    "failover": "Enable/disable failover feature",
    "lan": "Specify the unit as primary or secondary or configure the interface and vlan to be used "
           "for failover communication",
    "unit": "Specify the unit as primary or secondary",
    "primary": "Primary unit",
    "secondary": "Secondary unit",
    "interface": "Specify interface to be used for failover communication",
    "enable": "Enable LAN-based failover",
    "key": "Configure the failover shared secret or key",
    "secret": "Enter an alphanumeric string between 1 and 63 characters",
    "link": "Specify the interface to be used for failover state information",
    "ip": "Configure the IP address of the failover interface",
    "polltime": "Configure failover poll interval",
    "msec": "Specify the poll time in milliseconds",
    "holdtime": "Configure failover holdtime",
    "interface-policy": "Set the policy for failover due to interface failures",
    "replication": "Enable HTTP (port 80) connection replication",
    "replicate": "Replicate HTTP connections to the standby unit",
    "http": "Enable HTTP (port 80) connection replication",
    "mac": "Specify the virtual MAC address for a physical interface",
    "address": "Specify the virtual MAC address for a physical interface",
    "monitor-interface": "Enable/disable failover monitoring on an interface",
    "reset": "Force an unit or failover group to an unfailed state",
    "name": "Name of the interface",
    "hw": "Physical or logical interface",
}


def _fo(ctx: Ctx) -> FailoverConfig:
    return ctx.system.feature(FailoverConfig)


def _licensed(ctx: Ctx) -> None:
    """Failover needs a failover-capable platform and license."""
    if not ctx.system.hw.failover or ctx.system.feature(Licensing).running.failover == "Disabled":
        raise CommandError("ERROR: Failover is not licensed on this platform")


def _dedicate(ctx: Ctx, name: str, description: str) -> tuple[str, str]:
    """The failover and state links name their interface and describe it, as the device does."""
    iface = hardware_interface(ctx)
    owner = ctx.system.feature(Interfaces).by_name(name)
    if owner is not None and owner is not iface:
        raise CommandError(f"ERROR: Name \"{name}\" is already used by interface {owner.hw_id}")
    iface.nameif, iface.description, iface.configured = name, description, True
    return name, iface.hw_id


@command("failover", mode="config", config=True, help=_HELP)
def failover(ctx: Ctx):
    _licensed(ctx)
    _fo(ctx).enabled = True
    _fo(ctx).run()


@command("no failover", mode="config", config=True, help=_HELP)
def no_failover(ctx: Ctx):
    fo = _fo(ctx)
    fo.enabled = False
    if fo.runtime is not None:
        fo.runtime.disable()


@command("failover lan unit {primary|secondary}", mode="config", config=True, help=_HELP)
def lan_unit(ctx: Ctx):
    _licensed(ctx)
    _fo(ctx).primary = bool(ctx.args.get("primary"))


@command("failover lan interface <name:WORD> <hw:WORD>", mode="config", versions="7.x", config=True,
         help=_HELP)
def lan_interface(ctx: Ctx):
    _licensed(ctx)
    _fo(ctx).lan_interface = _dedicate(ctx, ctx.args["name"], "LAN Failover Interface")


@command("no failover lan interface [<name:WORD> <hw:WORD>]", mode="config", versions="7.x", config=True,
         help=_HELP)
@command("no failover lan interface [<name:WORD>]", mode="config", versions="6.x", config=True, help=_HELP)
def no_lan_interface(ctx: Ctx):
    _fo(ctx).lan_interface = None


@command("failover lan enable", mode="config", config=True, help=_HELP)
def lan_enable(ctx: Ctx):
    _licensed(ctx)
    _fo(ctx).lan_enabled = True


@command("no failover lan enable", mode="config", config=True, help=_HELP)
def no_lan_enable(ctx: Ctx):
    _fo(ctx).lan_enabled = ctx.system.hw.line == "asa"


@command("failover key <secret:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
@command("failover lan key <secret:WORD>", mode="config", versions="6.x", config=True, help=_HELP)
def key(ctx: Ctx):
    secret = ctx.args["secret"]
    if not 1 <= len(secret) <= 63:
        raise ctx.invalid("secret")
    _rekey(ctx, secret)


@command("no failover key [<secret:WORD>]", mode="config", versions="7.x", config=True, help=_HELP)
@command("no failover lan key [<secret:WORD>]", mode="config", versions="6.x", config=True, help=_HELP)
def no_key(ctx: Ctx):
    _rekey(ctx, None)


def _rekey(ctx: Ctx, secret: str | None) -> None:
    """The key takes effect at once, without a reload (001's remedy for a decryption failure):
    right after this command has gone to the mate under the key it replaces."""
    fo = _fo(ctx)
    fo.key = secret
    if fo.runtime is not None:
        ctx.system.unit.clock.call_later(0, lambda: fo.runtime is not None and fo.runtime.rekey(fo.key))


@command("failover link <name:WORD> [<hw:WORD>]", mode="config", versions="7.x", config=True, help=_HELP)
def link(ctx: Ctx):
    _licensed(ctx)
    fo = _fo(ctx)
    shared = bool(fo.lan_interface) and fo.lan_interface[0] == ctx.args["name"]
    if "hw" not in ctx.args:
        if not shared:
            raise CommandError("ERROR: Specify the physical interface of the state link")
        ctx.args["hw"] = fo.lan_interface[1]
    # One interface for both links is described as such
    fo.state_link = _dedicate(ctx, ctx.args["name"], "LAN/STATE Failover Interface" if shared
                              else "STATE Failover Interface")


@command("no failover link [<name:WORD> [<hw:WORD>]]", mode="config", versions="7.x", config=True,
         help=_HELP)
@command("no failover link [<name:WORD>]", mode="config", versions="6.x", config=True, help=_HELP)
def no_link(ctx: Ctx):
    _fo(ctx).state_link = None


@command("failover interface ip <name:WORD> <address:IP> <mask:MASK> standby <standby:IP>", mode="config",
         versions="7.x", config=True, help=_HELP)
def interface_ip(ctx: Ctx):
    _fo(ctx).addresses[ctx.args["name"]] = StandbyAddress(ctx.args["address"], ctx.args["mask"],
                                                          ctx.args["standby"])


@command("no failover interface ip <name:WORD> [<address:IP> <mask:MASK> standby <standby:IP>]",
         mode="config", versions="7.x", config=True, help=_HELP)
def no_interface_ip(ctx: Ctx):
    _fo(ctx).addresses.pop(ctx.args["name"], None)


def _ms(ctx: Ctx, value: str, msec: bool) -> int:
    return int(ctx.args[value]) * (1 if msec else 1000)


@command("failover polltime [unit] [msec] <poll:NUMBER> [holdtime [msec] <hold:NUMBER>]", mode="config",
         versions="7.x", config=True, help=_HELP)
def polltime_unit(ctx: Ctx):
    """Unit poll 1-15 s or 200-999 ms; hold 1-45 s or 800-999 ms, at least 3 x poll."""
    words = ctx.line.lower().split()
    poll_msec = "msec" in words[:words.index("holdtime")] if "holdtime" in words else "msec" in words
    hold_msec = "holdtime" in words and "msec" in words[words.index("holdtime"):]
    poll = _ms(ctx, "poll", poll_msec)
    if not (200 <= poll <= 999 if poll_msec else 1000 <= poll <= 15000):
        raise ctx.invalid("poll")
    if "hold" in ctx.args:
        hold = _ms(ctx, "hold", hold_msec)
        if not (800 <= hold <= 999 if hold_msec else 1000 <= hold <= 45000):
            raise ctx.invalid("hold")
    else:
        hold = max(poll * 3, _fo(ctx).defaults()[0].hold_ms if poll >= 1000 else 800)
    if hold < 3 * poll:
        raise CommandError("ERROR: Failover unit holdtime must be at least 3 times the unit poll time")
    _fo(ctx).unit_poll = Poll(poll, hold)


@command("failover polltime interface [msec] <poll:NUMBER> [holdtime <hold:NUMBER>]", mode="config",
         versions="7.x", config=True, help=_HELP)
def polltime_interface(ctx: Ctx):
    _fo(ctx).interface_poll = interface_poll(ctx)


def interface_poll(ctx: Ctx) -> Poll:
    """Interface poll 1-15 s or 500-999 ms; hold 5-75 s, at least 5 x poll."""
    msec = "msec" in ctx.line.lower().split()
    poll = _ms(ctx, "poll", msec)
    if not (500 <= poll <= 999 if msec else 1000 <= poll <= 15000):
        raise ctx.invalid("poll")
    hold = int(ctx.args.get("hold", 25)) * 1000
    if "hold" in ctx.args and not 5 <= ctx.args["hold"] <= 75:
        raise ctx.invalid("hold")
    if hold < 5 * poll:
        raise CommandError("ERROR: Failover interface holdtime must be at least 5 times the interface poll time")
    return Poll(poll, hold)


@command("no failover polltime [unit|interface] [msec] [<poll:NUMBER>] [holdtime [msec] [<hold:NUMBER>]]",
         mode="config", versions="7.x", config=True, help=_HELP)
def no_polltime(ctx: Ctx):
    fo = _fo(ctx)
    unit_default, interface_default = fo.defaults()
    if ctx.args.get("interface"):
        fo.interface_poll = interface_default
    else:
        fo.unit_poll = unit_default


@command("failover interface-policy <policy:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
def interface_policy(ctx: Ctx):
    _fo(ctx).interface_policy = policy_given(ctx)


def policy_given(ctx: Ctx) -> str:
    """1-250 interfaces, or 1-100 percent of them."""
    policy = ctx.args["policy"]
    number, percent = policy.rstrip("%"), policy.endswith("%")
    if not is_number(number) or not (1 <= int(number) <= (100 if percent else 250)):
        raise ctx.invalid("policy")
    return policy


@command("no failover interface-policy [<policy:WORD>]", mode="config", versions="7.x", config=True, help=_HELP)
def no_interface_policy(ctx: Ctx):
    _fo(ctx).interface_policy = "1"


@command("failover replication http", mode="config", versions="7.x", config=True, help=_HELP)
@command("failover replicate http", mode="config", versions="6.x", config=True, help=_HELP)
def replication_http(ctx: Ctx):
    _fo(ctx).replicate_http = True


@command("no failover replication http", mode="config", versions="7.x", config=True, help=_HELP)
@command("no failover replicate http", mode="config", versions="6.x", config=True, help=_HELP)
def no_replication_http(ctx: Ctx):
    _fo(ctx).replicate_http = False


def _mac_interface(ctx: Ctx):
    """7.x names the physical interface, 6.x the interface's name."""
    return named_interface(ctx, "hw") if ctx.system.family == "6.x" else hardware_interface(ctx)


@command("failover mac address <hw:WORD> <active:WORD> <standby:WORD>", mode="config", config=True, help=_HELP)
def mac_address(ctx: Ctx):
    hw_id, macs = virtual_macs(ctx)
    _fo(ctx).mac[hw_id] = macs


def virtual_macs(ctx: Ctx) -> tuple[str, tuple[str, str]]:
    """(interface, (active MAC, standby MAC)) of a `mac address` command."""
    from vpix.net.packets import mac_bytes, mac_text

    iface = _mac_interface(ctx)
    try:
        active, standby = (mac_text(mac_bytes(ctx.args[k])) for k in ("active", "standby"))
    except ValueError:
        raise ctx.invalid("active") from None
    return iface.hw_id, (active, standby)


@command("no failover mac address <hw:WORD> [<active:WORD> <standby:WORD>]", mode="config", config=True,
         help=_HELP)
def no_mac_address(ctx: Ctx):
    _fo(ctx).mac.pop(_mac_interface(ctx).hw_id, None)


@command("monitor-interface <name:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
def monitor_interface(ctx: Ctx):
    _fo(ctx).unmonitored.discard(ctx.args["name"])


@command("no monitor-interface <name:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
def no_monitor_interface(ctx: Ctx):
    _fo(ctx).unmonitored.add(named_interface(ctx, "name").nameif)


def _machine_call(ctx: Ctx, name: str) -> None:
    """The command to the unit's machine (in Active/Active group 1's) and group 2's, or to the
    failover group named."""
    fo = _fo(ctx)
    runtime = fo.runtime
    if runtime is None or not runtime.machine.enabled:
        raise CommandError("ERROR: Failover is not enabled.")
    number = ctx.args.get("number")
    if number is not None and number not in runtime.groups:
        raise CommandError(f"ERROR: Failover group {number} is not configured")
    runtime.operate(name, number)


_GROUP_HELP = {**_HELP, "group": "Failover group", "number": "Failover group number"}


@command("failover active [group <number:INT:1-2>]", versions="7.x", help=_GROUP_HELP)
@command("failover active", mode="config", versions="6.x", help=_HELP)
def failover_active(ctx: Ctx):
    """On the standby unit (or for a group standing by here): become active."""
    _machine_call(ctx, "command_active")


@command("no failover active [group <number:INT:1-2>]", versions="7.x", help=_GROUP_HELP)
@command("no failover active", mode="config", versions="6.x", help=_HELP)
def no_failover_active(ctx: Ctx):
    """On the active unit (or for a group active here): hand over to the mate."""
    _machine_call(ctx, "command_standby")


@command("write standby", spaces=EVERYWHERE,
         help={"write": "Write config to memory, terminal, or erase flash memory",
               "standby": "Write the running configuration to the standby unit"})
def write_standby(ctx: Ctx):
    """The whole configuration (in a context: the context's) to the mate, from where it is active."""
    runtime = _fo(ctx).runtime
    if runtime is None or not runtime.active_in(ctx.system):
        raise CommandError("ERROR: This unit is not the active unit of a failover pair")
    ctx.print("Building configuration...")
    runtime.write_standby(ctx.system)
    ctx.print("[OK]")


@command("failover reset [group <number:INT:1-2>]", versions="7.x", help=_GROUP_HELP)
@command("failover reset", mode="config", versions="6.x", help=_HELP)
def failover_reset(ctx: Ctx):
    _machine_call(ctx, "reset")


@command("failover exec {active|standby|mate} <command:LINE>", versions="8.0(2)+",   # remote command execution came with 8.0(2)
         help={**_HELP, "exec": "Execute command on the designated unit", "active": "Active unit",
               "standby": "Standby unit", "mate": "Peer unit", "command": "Command to execute"})
def failover_exec(ctx: Ctx):
    runtime = _fo(ctx).runtime
    if runtime is None or not runtime.machine.enabled:
        raise CommandError("ERROR: Failover is not enabled.")
    active_here = runtime.machine.active
    here = (ctx.args.get("active") and active_here) or (ctx.args.get("standby") and not active_here)
    line = ctx.args["command"]
    if here:
        output = yield Wait(lambda done: runtime.exec_here(line, done))
    else:
        output = yield Wait(lambda done: runtime.exec_on_mate(line, done))
        if output is None:
            raise CommandError("ERROR: Failed to execute the command on the mate: no response from mate")
    for text in output.splitlines():               # as lines, so that a `|` filter applies to them
        ctx.print(text)


@command("failover reload-standby", versions="7.x",
         help={**_HELP, "reload-standby": "Force standby unit to reboot"})
def failover_reload_standby(ctx: Ctx):
    runtime = _fo(ctx).runtime
    if runtime is None or not runtime.machine.active:
        raise CommandError("ERROR: This command can only be issued on the active unit")
    if not runtime.machine.mate_heard:
        raise CommandError("ERROR: No standby unit detected")
    runtime.reload_standby()


from vpix.features.failover import debug, groups, pix6, show  # noqa: E402,F401
