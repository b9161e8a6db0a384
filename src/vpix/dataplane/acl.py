"""Access lists: entries that permit or deny by protocol, addresses, ports and ICMP type,
first match wins, each counting its hits; the words of an entry parsed and written back as
the device writes them (`eq www`, `echo-reply`)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from vpix.net.packets import PROTO_ICMP, PROTO_TCP, PROTO_UDP
from vpix.numbers import is_number

PROTOCOLS = {"ip": 0, "icmp": PROTO_ICMP, "tcp": PROTO_TCP, "udp": PROTO_UDP, "gre": 47, "esp": 50, "ah": 51,
             "ospf": 89, "pim": 103, "igmp": 2}
PORTS = {"ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "domain": 53, "tftp": 69, "www": 80,
         "http": 80, "pop3": 110, "nntp": 119, "ntp": 123, "netbios-ns": 137, "netbios-dgm": 138,
         "netbios-ssn": 139, "snmp": 161, "snmptrap": 162, "bgp": 179, "ldap": 389, "https": 443,
         "syslog": 514, "lpd": 515, "sqlnet": 1521, "h323": 1720, "sip": 5060}
PORT_NAMES = {number: name for name, number in PORTS.items() if name != "http"}
ICMP_TYPES = {"echo-reply": 0, "unreachable": 3, "source-quench": 4, "redirect": 5, "alternate-address": 6,
              "echo": 8, "router-advertisement": 9, "router-solicitation": 10, "time-exceeded": 11,
              "parameter-problem": 12, "timestamp-request": 13, "timestamp-reply": 14,
              "information-request": 15, "information-reply": 16, "mask-request": 17, "mask-reply": 18,
              "traceroute": 30, "conversion-error": 31, "mobile-redirect": 32}
ICMP_NAMES = {number: name for name, number in ICMP_TYPES.items()}
OPERATORS = ("eq", "neq", "lt", "gt", "range")


class BadEntry(ValueError):
    """An entry's words do not make an entry; ``index`` is the word at fault."""

    def __init__(self, index: int):
        super().__init__(index)
        self.index = index


@dataclass(frozen=True)
class Hosts:
    network: int = 0
    mask: int = 0                         # any: 0/0

    def words(self) -> str:
        if self.mask == 0:
            return "any"
        if self.mask == 0xFFFFFFFF:
            return f"host {ipaddress.IPv4Address(self.network)}"
        return f"{ipaddress.IPv4Address(self.network)} {ipaddress.IPv4Address(self.mask)}"


@dataclass(frozen=True)
class Ports:
    op: str | None = None                 # None: any port
    low: int = 0
    high: int = 0

    def matches(self, port: int) -> bool:
        op = self.op
        return (op is None or (op == "eq" and port == self.low) or (op == "neq" and port != self.low)
                or (op == "lt" and port < self.low) or (op == "gt" and port > self.low)
                or (op == "range" and self.low <= port <= self.high))

    def words(self) -> str:
        if self.op is None:
            return ""
        name = lambda port: PORT_NAMES.get(port, str(port))  # noqa: E731
        return f" range {name(self.low)} {name(self.high)}" if self.op == "range" else f" {self.op} {name(self.low)}"


@dataclass(eq=False)
class Ace:
    permit: bool
    proto: int                            # 0: ip, any protocol
    src: Hosts
    sport: Ports
    dst: Hosts
    dport: Ports
    icmp_type: int | None = None
    log: bool = False
    hits: int = 0

    def matches(self, proto: int, src: int, sport: int, dst: int, dport: int, icmp_type: int) -> bool:
        return ((self.proto == 0 or self.proto == proto)
                and src & self.src.mask == self.src.network and dst & self.dst.mask == self.dst.network
                and (proto not in (PROTO_TCP, PROTO_UDP) or (self.sport.matches(sport) and self.dport.matches(dport)))
                and (self.icmp_type is None or (proto == PROTO_ICMP and icmp_type == self.icmp_type)))

    def words(self, shown: bool = False) -> str:
        """`permit tcp any host 10.1.1.1 eq www`; ``shown``: as `show access-list` writes it, with
        the log level and interval `log` stands for."""
        proto = next((name for name, number in PROTOCOLS.items() if number == self.proto), str(self.proto))
        text = (f"{'permit' if self.permit else 'deny'} {proto} {self.src.words()}{self.sport.words()} "
                f"{self.dst.words()}{self.dport.words()}")
        if self.icmp_type is not None:
            text += f" {ICMP_NAMES.get(self.icmp_type, str(self.icmp_type))}"
        return text + ((" log informational interval 300" if shown else " log") if self.log else "")


@dataclass
class Remark:
    text: str


@dataclass
class AccessList:
    name: str
    entries: list[Ace | Remark] = field(default_factory=list)
    _held: set[str] = field(default_factory=set, repr=False)     # the words of its ACEs: one of each

    def add(self, entry: Ace | Remark, position: int | None = None) -> bool:
        """``entry`` at ``position`` (the end when None); False, and nothing changes, when the
        list holds that ACE already (the device keeps one of each)."""
        if isinstance(entry, Ace):
            key = entry.words()
            if key in self._held:
                return False
            self._held.add(key)
        self.entries.insert(len(self.entries) if position is None else min(position, len(self.entries)), entry)
        return True

    def remove_ace(self, words: str) -> None:
        if words in self._held:
            self._held.discard(words)
            self.entries = [e for e in self.entries if not (isinstance(e, Ace) and e.words() == words)]

    def remove_remark(self, text: str) -> None:
        self.entries = [e for e in self.entries if not (isinstance(e, Remark) and e.text == text)]

    @property
    def aces(self) -> list[Ace]:
        return [e for e in self.entries if isinstance(e, Ace)]

    def match(self, proto: int, src: int, sport: int, dst: int, dport: int, icmp_type: int) -> Ace | None:
        """The first entry that matches (its hit counted), or None: the implicit deny."""
        for ace in self.entries:
            if isinstance(ace, Ace) and ace.matches(proto, src, sport, dst, dport, icmp_type):
                ace.hits += 1
                return ace
        return None


def parse(words: list[str]) -> Ace:
    """`permit|deny PROTO SRC [PORTS] DST [PORTS|ICMP-TYPE] [log]`."""
    at = 0

    def word() -> str:
        nonlocal at
        if at >= len(words):
            raise BadEntry(at)
        at += 1
        return words[at - 1].lower()

    action = word()
    if action not in ("permit", "deny"):
        raise BadEntry(at - 1)
    proto_word = word()
    proto = PROTOCOLS.get(proto_word, int(proto_word) if is_number(proto_word) and int(proto_word) < 256 else None)
    if proto is None:
        raise BadEntry(at - 1)

    def hosts() -> Hosts:
        first = word()
        if first == "any":
            return Hosts()
        try:
            if first == "host":
                return Hosts(int(ipaddress.IPv4Address(word())), 0xFFFFFFFF)
            network, mask = int(ipaddress.IPv4Address(first)), int(ipaddress.IPv4Address(word()))
        except ValueError:
            raise BadEntry(at - 1) from None
        wildcard = ~mask & 0xFFFFFFFF
        if wildcard & (wildcard + 1) or network & wildcard:        # not a mask, or bits beyond it
            raise BadEntry(at - 1)
        return Hosts(network, mask)

    def ports() -> Ports:
        if proto not in (PROTO_TCP, PROTO_UDP) or at >= len(words) or words[at].lower() not in OPERATORS:
            return Ports()
        op = word()
        low = _port(word(), at - 1)
        high = _port(word(), at - 1) if op == "range" else 0
        return Ports(op, low, high)

    src = hosts()
    sport = ports()
    dst = hosts()
    dport = ports()
    icmp_type = None
    if proto == PROTO_ICMP and at < len(words) and words[at].lower() != "log":
        name = word()
        icmp_type = ICMP_TYPES.get(name, int(name) if is_number(name) and int(name) < 256 else None)
        if icmp_type is None:
            raise BadEntry(at - 1)
    log = at < len(words) and words[at].lower() == "log"
    if log:
        at += 1
    if at != len(words):
        raise BadEntry(at)
    return Ace(action == "permit", proto, src, sport, dst, dport, icmp_type, log)


def _port(text: str, index: int) -> int:
    port = PORTS.get(text, int(text) if is_number(text) else None)
    if port is None or not 0 <= port <= 65535:
        raise BadEntry(index)
    return port
