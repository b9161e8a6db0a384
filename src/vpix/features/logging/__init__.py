"""Syslog: `logging enable` (7.x) / `logging on` (6.x), `logging buffered|console|trap LEVEL`,
`logging timestamp`, `logging host IF IP [udp|tcp/PORT]` (UDP 514; TCP, a line a message),
`show logging`. Features report through
``System.syslog``; this feature decides where each message goes."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from vpix.cli.registry import command
from vpix.cli.session import Ctx
from vpix.clock import PerSecond
from vpix.features import Feature
from vpix.features.endpoint import endpoint
from vpix.net.tcp import CLOSED, Handlers, NoRoute
from vpix.numbers import is_number

LEVELS = ["emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational",
          "debugging"]
BUFFER = 4096
# Where messages go by level; vpix delivers to the first three (monitor, history and ASDM are kept)
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
        self.buffer: deque[str] = deque(maxlen=BUFFER)
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
        lines += [h.render() for h in self.hosts]
        return [("logging", lines)]

    def deliver(self, severity: int, message: str) -> None:
        if not self.enabled:
            return
        self.rate.limit = self.system.resource_limit("syslogs", rate=True)
        if not self.rate.admit(self.system.unit.clock.monotonic()):
            return
        stamped = f"{self._stamp()}{message}"
        if self._wants("buffered", severity):
            self.buffer.append(stamped)
            self.counts["buffered"] += 1
        if self._wants("console", severity):
            self.system.unit.console.write(stamped + "\n")
        if self._wants("trap", severity) and self.hosts:
            self.counts["trap"] += 1
            facility = 20
            data = f"<{facility * 8 + severity}>{stamped}".encode()
            for host in self.hosts:
                self._send(host, data)

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
    text = ctx.args["level"].lower()
    if is_number(text) and int(text) < 8:
        return int(text)
    matches = [i for i, name in enumerate(LEVELS) if name.startswith(text)]
    if len(matches) != 1:
        raise ctx.invalid("level")
    return matches[0]


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


@command("show logging", priv=1, help={"logging": "Show the contents of logging buffers"})
def show_logging(ctx: Ctx):
    log = _logging(ctx)

    def state(target: str) -> str:
        level = log.levels[target]
        return "disabled" if level is None else f"level {LEVELS[level]}"

    ctx.print(f"Syslog logging: {'enabled' if log.enabled else 'disabled'}")
    ctx.print("    Facility: 20")
    ctx.print(f"    Timestamp logging: {'enabled' if log.timestamp else 'disabled'}")
    ctx.print("    Standby logging: disabled")
    ctx.print(f"    Console logging: {state('console')}")
    ctx.print("    Monitor logging: disabled")
    buffered = state("buffered")
    ctx.print(f"    Buffer logging: {buffered}" + (f", {log.counts['buffered']} messages logged"
                                                 if log.levels["buffered"] is not None else ""))
    trap = state("trap")
    ctx.print(f"    Trap logging: {trap}" + (f", facility 20, {log.counts['trap']} messages logged"
                                             if log.levels["trap"] is not None else ""))
    for host in log.hosts:
        ctx.print(f"        Logging to {host.ifname} {host.address}")
    ctx.print("    History logging: disabled")
    ctx.print("    Device ID: disabled")
    ctx.print("    Mail logging: disabled")
    ctx.print("    ASDM logging: disabled")
    for line in log.buffer:
        ctx.print(line)
