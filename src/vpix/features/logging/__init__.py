"""Syslog: `logging enable` (7.x) / `logging on` (6.x), `logging buffered|console|trap LEVEL`,
`logging timestamp`, `logging host IF IP [udp|tcp/PORT]` (UDP 514; TCP, a line a message),
`logging facility`, `logging device-id`, `logging message N level L` / `no logging message N`,
`logging buffer-size`, `show logging`. Features report through
``System.syslog``; this feature decides where each message goes."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.clock import PerSecond
from vpix.features import Feature
from vpix.features.endpoint import endpoint
from vpix.features.interfaces import Interfaces
from vpix.net.tcp import CLOSED, Handlers, NoRoute
from vpix.numbers import is_number
from vpix.words import LEVELS, severity

BUFFER = 4096                   # bytes the buffer keeps by default (`logging buffer-size`)
FACILITY = 20
# Where messages go by level; vpix delivers to all but history and ASDM, which are kept
TARGETS = ("buffered", "console", "trap", "monitor", "history", "asdm")
SYSLOG_PORT = 514


TCP_SYSLOG_PORT = 1470
TCP_BACKLOG = 1 << 16           # bytes of messages waiting for a TCP syslog server, then they drop


@dataclass(frozen=True)
class LogHost:
    ifname: str
    address: str
    port: int = SYSLOG_PORT
    protocol: str = "udp"

    def render(self) -> str:
        default = self.protocol == "udp" and self.port == SYSLOG_PORT
        return f"logging host {self.ifname} {self.address}" + ("" if default else f" {self.protocol}/{self.port}")


class Logging(Feature):
    def __init__(self, system):
        super().__init__(system)
        self.enabled = False
        self.timestamp = False
        self.levels: dict[str, int | None] = {target: None for target in TARGETS}
        self.hosts: list[LogHost] = []
        self.buffer: deque[str] = deque()
        self.buffer_size = BUFFER
        self._buffered_bytes = 0
        self.facility = FACILITY
        self.device_id: str | None = None          # hostname, ipaddress IF, string TEXT, context-name
        self.message_levels: dict[int, int] = {}   # `logging message N level L`
        self.silenced: set[int] = set()            # `no logging message N`
        self.counts = {"buffered": 0, "trap": 0}
        self._port = None                       # the unit's UDP port its messages leave from
        self._streams: dict[LogHost, object] = {}   # the TCP connection to each TCP syslog server
        self.rate = PerSecond()                 # messages a second, and a context's class limit on it

    def render(self, full):
        lines = []
        if self.enabled:
            lines.append("logging enable" if self.system.family == "7.x" else "logging on")
        if self.timestamp:
            lines.append("logging timestamp")
        for target in TARGETS:
            level = self.levels[target]
            if level is not None:
                lines.append(f"logging {target} {LEVELS[level]}")
        if self.buffer_size != BUFFER:
            lines.append(f"logging buffer-size {self.buffer_size}")
        if self.device_id:
            lines.append(f"logging device-id {self.device_id}")
        if self.facility != FACILITY:
            lines.append(f"logging facility {self.facility}")
        lines += [h.render() for h in self.hosts]
        lines += [f"no logging message {n}" for n in sorted(self.silenced)]
        lines += [f"logging message {n} level {LEVELS[level]}" for n, level in sorted(self.message_levels.items())]
        return [("logging", lines)]

    def log(self, severity: int, message_id: int, text: str) -> None:
        """A message of the unit: gone when `no logging message` silences it, at the level
        `logging message … level` gives it."""
        if message_id in self.silenced:
            return
        severity = self.message_levels.get(message_id, severity)
        self.deliver(severity, f"%{self.system.product}-{severity}-{message_id}: {text}")

    def deliver(self, severity: int, message: str) -> None:
        if not self.enabled:
            return
        self.rate.limit = self.system.resource_limit("syslogs", rate=True)
        if not self.rate.admit(self.system.unit.clock.monotonic()):
            return
        stamp = self._stamp()
        stamped = f"{stamp}{message}"
        if self._wants("buffered", severity):
            self._keep(stamped)
            self.counts["buffered"] += 1
        if self._wants("console", severity):
            self.system.unit.console.write(stamped + "\n")
        if self._wants("monitor", severity):
            for session in list(self.system.root.sessions):
                if session.monitor and session.system is self.system and not session.closed:
                    session.sink(stamped + "\n")
        if self._wants("trap", severity) and self.hosts:
            self.counts["trap"] += 1
            device = f"{self._device_id()} : " if self.device_id else ""
            data = f"<{self.facility * 8 + severity}>{stamp}{device}{message}".encode()
            for host in self.hosts:
                self._send(host, data)

    def _keep(self, line: str) -> None:
        """Into the buffer, the oldest lines leaving to keep it within `logging buffer-size`."""
        self.buffer.append(line)
        self._buffered_bytes += len(line) + 1
        while self._buffered_bytes > self.buffer_size and len(self.buffer) > 1:
            self._buffered_bytes -= len(self.buffer.popleft()) + 1

    def clear_buffer(self) -> None:
        self.buffer.clear()
        self._buffered_bytes = 0

    def _device_id(self) -> str:
        kind, _, rest = self.device_id.partition(" ")
        if kind == "hostname":
            return self.system.prompt_name()
        if kind == "context-name":
            return self.system.context_name or self.system.prompt_name()
        if kind == "ipaddress":
            iface = self.system.feature(Interfaces).by_name(rest)
            return iface.ip if iface is not None and iface.ip else ""
        return rest                                   # string TEXT

    def _wants(self, target: str, severity: int) -> bool:
        level = self.levels[target]
        return level is not None and severity <= level

    def _stamp(self) -> str:
        if not self.timestamp:
            return ""
        now = self.system.now()
        return f"{now:%b} {now.day:02d} {now.year} {now:%H:%M:%S}: "

    def _send(self, host: LogHost, data: bytes) -> None:
        """One message out of the unit's interface towards ``host``: a datagram, or a line on
        the TCP connection kept to it (opened again when it has gone)."""
        try:
            net = endpoint(self.system)
        except LookupError:                     # no admin context to send from
            return
        if host.protocol == "udp":
            if self._port is None:
                self._port = net.udp_open(lambda data, source: None)
            self._port.send((host.address, host.port), data, via=host.ifname)
            return
        conn = self._streams.get(host)
        if conn is None or conn.state == CLOSED:
            try:
                conn = self._streams[host] = net.tcp.connect(host.address, host.port, Handlers(), via=host.ifname)
            except NoRoute:
                return
        if conn.outstanding < TCP_BACKLOG:
            conn.send(data + b"\n")

    def adopt(self, old: "Logging") -> None:
        self._port, self._streams = old._port, old._streams

    def stop(self) -> None:
        if self._port is not None:
            self._port.close()
            self._port = None
        for conn in self._streams.values():
            conn.close()
        self._streams.clear()


_HELP = {
    "logging": "Configure logging levels, recipients and other options",
    "enable": "Enable logging to all configured output locations",
    "on": "Enable logging to all configured output locations",
    "buffered": "Set the buffered logging level",
    "console": "Set the console logging level",
    "trap": "Set the syslog server logging level",
    "monitor": "Set the terminal line (monitor) logging level",
    "history": "Set the SNMP history logging level",
    "asdm": "Set the ASDM logging level",
    "facility": "Facility number of syslog messages sent to syslog servers (16-23)",
    "device-id": "Specify a device ID to be included in non-EMBLEM syslog messages",
    "message": "Specify a message to be allowed or denied, or given a level",
    "id": "Syslog message ID", "buffer-size": "Specify the size of the buffer in bytes",
    "bytes": "Buffer size in bytes", "string": "Specify a device ID string",
    "ipaddress": "Use the IP address of an interface", "context-name": "Use the context name",
    "hostname": "Use the host name", "text": "Up to 16 characters", "buffer": "Clear the logging buffer",
    "timestamp": "Enable logging timestamps on syslog messages",
    "host": "Set syslog server IP address and parameters",
    "level": "Logging level: 0-7 or emergencies … debugging",
    "ifname": "Name of the interface the syslog server is on",
    "address": "IP address of the syslog server",
    "transport": "udp[/PORT] (514) or tcp[/PORT] (1470): how the syslog server takes the messages",
}


def _logging(ctx: Ctx) -> Logging:
    return ctx.system.feature(Logging)


def _level(ctx: Ctx) -> int:
    level = severity(ctx.args["level"])
    if level is None:
        raise ctx.invalid("level")
    return level


@command("logging enable", mode="config", versions="7.x", config=True, help=_HELP)
@command("logging on", mode="config", versions="6.x", config=True, help=_HELP)
def logging_enable(ctx: Ctx):
    _logging(ctx).enabled = True


@command("no logging enable", mode="config", versions="7.x", config=True, help=_HELP)
@command("no logging on", mode="config", versions="6.x", config=True, help=_HELP)
def no_logging_enable(ctx: Ctx):
    _logging(ctx).enabled = False


@command("logging {buffered|console|trap|monitor|history|asdm} <level:WORD>", mode="config", config=True, help=_HELP)
def logging_level(ctx: Ctx):
    target = next(t for t in TARGETS if ctx.args.get(t))
    _logging(ctx).levels[target] = _level(ctx)


@command("no logging {buffered|console|trap|monitor|history|asdm} [<level:WORD>]", mode="config", config=True,
         help=_HELP)
def no_logging_level(ctx: Ctx):
    target = next(t for t in TARGETS if ctx.args.get(t))
    _logging(ctx).levels[target] = None


@command("logging timestamp", mode="config", config=True, help=_HELP)
def logging_timestamp(ctx: Ctx):
    _logging(ctx).timestamp = True


@command("no logging timestamp", mode="config", config=True, help=_HELP)
def no_logging_timestamp(ctx: Ctx):
    _logging(ctx).timestamp = False


@command("logging host <ifname:WORD> <address:IP> [<transport:WORD>]", mode="config", config=True, help=_HELP)
def logging_host(ctx: Ctx):
    """`logging host inside 10.1.1.5 [udp[/514]|tcp[/1470]]`."""
    hosts = _logging(ctx).hosts
    protocol, port = "udp", SYSLOG_PORT
    if "transport" in ctx.args:
        protocol, _, number = ctx.args["transport"].lower().partition("/")
        number = number or str(TCP_SYSLOG_PORT if protocol == "tcp" else SYSLOG_PORT)
        if protocol not in ("udp", "tcp") or not is_number(number) or not 1 <= int(number) <= 65535:
            raise ctx.invalid("transport")
        port = int(number)
    entry = LogHost(ctx.args["ifname"], ctx.args["address"], port, protocol)
    if entry not in hosts:
        hosts.append(entry)


@command("no logging host <ifname:WORD> <address:IP>", mode="config", config=True, help=_HELP)
def no_logging_host(ctx: Ctx):
    log = _logging(ctx)
    log.hosts = [h for h in log.hosts if h.address != ctx.args["address"]]


@command("logging facility <facility:INT:16-23>", mode="config", config=True, help=_HELP)
def logging_facility(ctx: Ctx):
    _logging(ctx).facility = ctx.args["facility"]


@command("no logging facility [<facility:INT:16-23>]", mode="config", config=True, help=_HELP)
def no_logging_facility(ctx: Ctx):
    _logging(ctx).facility = FACILITY


@command("logging device-id {hostname|context-name}", mode="config", versions="7.x", config=True, help=_HELP)
@command("logging device-id ipaddress <if:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
@command("logging device-id string <text:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
def logging_device_id(ctx: Ctx):
    if "if" in ctx.args and ctx.system.feature(Interfaces).by_name(ctx.args["if"]) is None:
        raise CommandError(f"ERROR: interface name \"{ctx.args['if']}\" is not configured")
    if len(ctx.args.get("text", "")) > 16:
        raise ctx.invalid("text")
    _logging(ctx).device_id = " ".join(ctx.match.words[2:])


@command("no logging device-id [<rest:LINE>]", mode="config", versions="7.x", config=True, help=_HELP)
def no_logging_device_id(ctx: Ctx):
    _logging(ctx).device_id = None


@command("logging message <id:INT:100000-999999> level <level:WORD>", mode="config", config=True, help=_HELP)
def logging_message_level(ctx: Ctx):
    _logging(ctx).message_levels[ctx.args["id"]] = _level(ctx)
    _logging(ctx).silenced.discard(ctx.args["id"])


@command("logging message <id:INT:100000-999999>", mode="config", config=True, help=_HELP)
def logging_message(ctx: Ctx):
    _logging(ctx).silenced.discard(ctx.args["id"])


@command("no logging message <id:INT:100000-999999> [level <level:WORD>]", mode="config", config=True, help=_HELP)
def no_logging_message(ctx: Ctx):
    """`no logging message N` silences it; with `level`, it goes back to its own level."""
    if "level" in ctx.args:
        _logging(ctx).message_levels.pop(ctx.args["id"], None)
    else:
        _logging(ctx).silenced.add(ctx.args["id"])


@command("logging buffer-size <bytes:INT:4096-1048576>", mode="config", versions="7.x", config=True, help=_HELP)
def logging_buffer_size(ctx: Ctx):
    _logging(ctx).buffer_size = ctx.args["bytes"]


@command("no logging buffer-size [<bytes:INT:4096-1048576>]", mode="config", versions="7.x", config=True,
         help=_HELP)
def no_logging_buffer_size(ctx: Ctx):
    _logging(ctx).buffer_size = BUFFER


@command("clear logging buffer", help=_HELP)
def clear_logging_buffer(ctx: Ctx):
    _logging(ctx).clear_buffer()


@command("show logging", priv=1, help={"logging": "Show the contents of logging buffers"})
def show_logging(ctx: Ctx):
    log = _logging(ctx)

    def state(target: str) -> str:
        level = log.levels[target]
        return "disabled" if level is None else f"level {LEVELS[level]}"

    ctx.print(f"Syslog logging: {'enabled' if log.enabled else 'disabled'}")
    ctx.print(f"    Facility: {log.facility}")
    ctx.print(f"    Timestamp logging: {'enabled' if log.timestamp else 'disabled'}")
    ctx.print("    Standby logging: disabled")
    ctx.print(f"    Console logging: {state('console')}")
    ctx.print(f"    Monitor logging: {state('monitor')}")
    buffered = state("buffered")
    ctx.print(f"    Buffer logging: {buffered}" + (f", {log.counts['buffered']} messages logged"
                                                 if log.levels["buffered"] is not None else ""))
    trap = state("trap")
    ctx.print(f"    Trap logging: {trap}" + (f", facility {log.facility}, {log.counts['trap']} messages logged"
                                             if log.levels["trap"] is not None else ""))
    for host in log.hosts:
        ctx.print(f"        Logging to {host.ifname} {host.address}")
    ctx.print(f"    History logging: {state('history')}")
    ctx.print(f"    Device ID: {log.device_id or 'disabled'}")
    ctx.print("    Mail logging: disabled")
    ctx.print(f"    ASDM logging: {state('asdm')}")
    for line in log.buffer:
        ctx.print(line)
