"""Object-groups: named sets of networks, ports, services, protocols or ICMP types that access
list entries name in place of one (`object-group network|service|protocol|icmp-type`), nested
with `group-object`. Also the words both share: protocol, port and ICMP type names."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Callable, Mapping

from vpix.net.packets import PROTO_ICMP, PROTO_TCP, PROTO_UDP
from vpix.numbers import is_number
from vpix.words import BadWords

PROTOCOLS = {"ip": 0, "icmp": PROTO_ICMP, "igmp": 2, "ipinip": 4, "tcp": PROTO_TCP, "igrp": 9, "udp": PROTO_UDP,
             "gre": 47, "esp": 50, "ah": 51, "icmp6": 58, "eigrp": 88, "ospf": 89, "nos": 94, "pim": 103,
             "pcp": 108, "snp": 109}
PROTOCOL_NAMES = {number: name for name, number in PROTOCOLS.items()}
PORTS = {"ftp-data": 20, "ftp": 21, "ssh": 22, "telnet": 23, "smtp": 25, "domain": 53, "tftp": 69, "www": 80,
         "http": 80, "pop3": 110, "nntp": 119, "ntp": 123, "netbios-ns": 137, "netbios-dgm": 138,
         "netbios-ssn": 139, "imap4": 143, "snmp": 161, "snmptrap": 162, "bgp": 179, "ldap": 389,
         "https": 443, "isakmp": 500, "syslog": 514, "lpd": 515, "ldaps": 636, "sqlnet": 1521, "h323": 1720,
         "pptp": 1723, "sip": 5060}
PORT_NAMES = {number: name for name, number in PORTS.items() if name != "http"}
ICMP_TYPES = {"echo-reply": 0, "unreachable": 3, "source-quench": 4, "redirect": 5, "alternate-address": 6,
              "echo": 8, "router-advertisement": 9, "router-solicitation": 10, "time-exceeded": 11,
              "parameter-problem": 12, "timestamp-request": 13, "timestamp-reply": 14,
              "information-request": 15, "information-reply": 16, "mask-request": 17, "mask-reply": 18,
              "traceroute": 30, "conversion-error": 31, "mobile-redirect": 32}
ICMP_NAMES = {number: name for name, number in ICMP_TYPES.items()}
KINDS = ("network", "service", "protocol", "icmp-type")
SERVICE_PROTOCOLS = ("tcp", "udp", "tcp-udp")
ALL = 0xFFFFFFFF


class BadEntry(BadWords):
    """An entry's words do not make an entry."""


def protocol(word: str) -> int | None:
    return PROTOCOLS.get(word, int(word) if is_number(word) and int(word) < 256 else None)


def protocol_name(number: int) -> str:
    return PROTOCOL_NAMES.get(number, str(number))


def port(word: str) -> int | None:
    number = PORTS.get(word, int(word) if is_number(word) else None)
    return number if number is not None and 0 <= number <= 65535 else None


def icmp_type(word: str) -> int | None:
    return ICMP_TYPES.get(word, int(word) if is_number(word) and int(word) < 256 else None)


@dataclass(frozen=True)
class Hosts:
    network: int = 0
    mask: int = 0                         # any: 0/0
    as_mask: bool = field(default=False, compare=False)   # a host written `A 255.255.255.255`

    @classmethod
    def host(cls, address: str) -> "Hosts":
        return cls(int(ipaddress.IPv4Address(address)), ALL)

    @classmethod
    def network_mask(cls, address: str, mask: str) -> "Hosts":
        """ValueError unless ``mask`` is a mask and ``address`` has no bits beyond it."""
        network, bits = int(ipaddress.IPv4Address(address)), int(ipaddress.IPv4Address(mask))
        wildcard = ~bits & ALL
        if wildcard & (wildcard + 1) or network & wildcard:
            raise ValueError(f"{address} {mask}")
        return cls(network, bits, bits == ALL)


def hosts_words(hosts: Hosts, namer: Callable[[int], str] | None = None) -> str:
    """`any`, `host A`, `A M` (a host too, when so written); ``namer`` writes an address as its
    `name`."""
    if hosts.mask == 0:
        return "any"
    address = namer(hosts.network) if namer is not None else str(ipaddress.IPv4Address(hosts.network))
    if hosts.mask == ALL and not hosts.as_mask:
        return f"host {address}"
    return f"{address} {ipaddress.IPv4Address(hosts.mask)}"


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
        """` eq www`, ` range 1 2`, or nothing for any port."""
        if self.op is None:
            return ""
        name = lambda number: PORT_NAMES.get(number, str(number))  # noqa: E731
        return f" range {name(self.low)} {name(self.high)}" if self.op == "range" else f" {self.op} {name(self.low)}"


@dataclass(frozen=True)
class Service:
    """A `service-object`: a protocol and, for TCP and UDP, destination ports."""
    proto: int
    ports: Ports = Ports()

    def words(self) -> str:
        return protocol_name(self.proto) + self.ports.words()


@dataclass(frozen=True)
class GroupRef:
    """`object-group NAME` where an entry (or a group, `group-object NAME`) takes a member."""
    name: str

    def words(self) -> str:
        return f"object-group {self.name}"


Member = Hosts | Ports | Service | int | GroupRef


@dataclass
class ObjectGroup:
    kind: str                             # one of KINDS
    name: str
    proto: str | None = None              # a service group of ports: tcp, udp or tcp-udp
    description: str | None = None
    members: list[Member] = field(default_factory=list)

    def add(self, member: Member) -> None:
        if member not in self.members:
            self.members.append(member)

    def remove(self, member: Member) -> bool:
        if member in self.members:
            self.members.remove(member)
            return True
        return False

    def nests(self) -> list[str]:
        return [m.name for m in self.members if isinstance(m, GroupRef)]

    def head(self) -> str:
        return f"object-group {self.kind} {self.name}" + (f" {self.proto}" if self.proto else "")

    def lines(self, namer: Callable[[int], str] | None = None) -> list[str]:
        """The group as the configuration writes it: its line, description, members."""
        lines = [self.head()] + ([f" description {self.description}"] if self.description else [])
        return lines + [" " + self.member_words(m, namer) for m in self.members]

    def member_words(self, member: Member, namer: Callable[[int], str] | None = None) -> str:
        if isinstance(member, GroupRef):
            return f"group-object {member.name}"
        if isinstance(member, Hosts):
            return f"network-object {hosts_words(member, namer)}"
        if isinstance(member, Ports):
            return f"port-object{member.words()}"
        if isinstance(member, Service):
            return f"service-object {member.words()}"
        if self.kind == "protocol":
            return f"protocol-object {protocol_name(member)}"
        return f"icmp-object {ICMP_NAMES.get(member, str(member))}"


def flatten(groups: Mapping[str, ObjectGroup], name: str) -> list[Member]:
    """Every member of a group and of the groups it nests, each once, in order."""
    out: list[Member] = []
    seen = {name}

    def walk(group: ObjectGroup) -> None:
        for member in group.members:
            if isinstance(member, GroupRef):
                if member.name not in seen and member.name in groups:
                    seen.add(member.name)
                    walk(groups[member.name])
            elif member not in out:
                out.append(member)

    walk(groups[name])
    return out
