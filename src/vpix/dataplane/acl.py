"""Access lists: entries that permit or deny by protocol, addresses, ports and ICMP type,
first match wins. An entry may name object-groups (vpix.dataplane.objects) in any position; it
then stands for every combination of their members, its *elements*, each counting its own
hits, as `show access-list` lists them. The words of an entry are parsed and written back as
the device writes them (`eq www`, `echo-reply`, `log warnings interval 60`)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Callable, Mapping

from vpix.dataplane.objects import (
    ICMP_NAMES, BadEntry, GroupRef, Hosts, ObjectGroup, Ports, Service, flatten, hosts_words, icmp_type, port,
    protocol, protocol_name,
)
from vpix.net.packets import PROTO_ICMP, PROTO_TCP, PROTO_UDP
from vpix.numbers import is_number
from vpix.words import LEVELS, severity

DEFAULT_LEVEL, DEFAULT_INTERVAL = 6, 300
OPERATORS = ("eq", "neq", "lt", "gt", "range")

Namer = Callable[[int], str] | None          # an address as the configuration writes it (a `name`)


@dataclass(frozen=True)
class Log:
    """`log [LEVEL] [interval S]`, `log disable` (no 106100, not even 106023), `log default`."""
    level: int = DEFAULT_LEVEL
    interval: int = DEFAULT_INTERVAL
    mode: str = "on"                      # on, disable, default

    def words(self, shown: bool = False) -> str:
        if self.mode != "on":
            return f" log {self.mode}"
        if shown or self.interval != DEFAULT_INTERVAL:
            return f" log {LEVELS[self.level]} interval {self.interval}"
        return " log" if self.level == DEFAULT_LEVEL else f" log {LEVELS[self.level]}"


@dataclass(eq=False)
class Element:
    """One combination of addresses, protocol and ports an entry matches."""
    proto: int                            # 0: ip, any protocol
    src: Hosts
    sport: Ports
    dst: Hosts
    dport: Ports
    icmp_type: int | None = None
    hits: int = 0

    def matches(self, proto: int, src: int, sport: int, dst: int, dport: int, icmp: int) -> bool:
        return ((self.proto == 0 or self.proto == proto)
                and src & self.src.mask == self.src.network and dst & self.dst.mask == self.dst.network
                and (proto not in (PROTO_TCP, PROTO_UDP) or (self.sport.matches(sport) and self.dport.matches(dport)))
                and (self.icmp_type is None or (proto == PROTO_ICMP and icmp == self.icmp_type)))

    def key(self) -> tuple:
        return self.proto, self.src, self.sport, self.dst, self.dport, self.icmp_type

    def words(self, namer: Namer = None) -> str:
        """`tcp any host 10.1.1.1 eq www`."""
        text = (f"{protocol_name(self.proto)} {hosts_words(self.src, namer)}{self.sport.words()} "
                f"{hosts_words(self.dst, namer)}{self.dport.words()}")
        if self.icmp_type is not None:
            text += f" {ICMP_NAMES.get(self.icmp_type, str(self.icmp_type))}"
        return text


Position = int | Hosts | Ports | GroupRef | None


@dataclass(eq=False)
class Ace:
    """An entry as configured; ``elements`` what it stands for once its groups are expanded."""
    permit: bool
    proto: int | GroupRef
    src: Hosts | GroupRef
    sport: Ports | GroupRef
    dst: Hosts | GroupRef
    dport: Ports | GroupRef
    icmp_type: int | GroupRef | None = None
    log: Log | None = None
    time_range: str | None = None
    inactive: bool = False
    standard: bool = False                # `standard`: only a destination network
    elements: list[Element] = field(default_factory=list)
    timed_out: bool = False               # its time-range is not in force now

    @property
    def hits(self) -> int:
        return sum(e.hits for e in self.elements)

    @property
    def grouped(self) -> bool:
        return any(isinstance(p, GroupRef) for p in self._positions())

    def _positions(self) -> tuple[Position, ...]:
        return self.proto, self.src, self.sport, self.dst, self.dport, self.icmp_type

    def uses(self, name: str) -> bool:
        return any(isinstance(p, GroupRef) and p.name == name for p in self._positions())

    def in_force(self) -> bool:
        return not self.inactive and not self.timed_out

    def expand(self, groups: Mapping[str, ObjectGroup]) -> None:
        """(Re)build the elements from the groups as they are now; an element that stays keeps
        its hit count."""
        old = {e.key(): e.hits for e in self.elements}

        def members(position: Position) -> list:
            return flatten(groups, position.name) if isinstance(position, GroupRef) else [position]

        elements = []
        # Services outermost, as the device lists them: each service for every address pair.
        for proto, dport, icmp, src, sport, dst in itertools.product(
                members(self.proto), members(self.dport), members(self.icmp_type), members(self.src),
                members(self.sport), members(self.dst)):
            if isinstance(proto, Service):
                proto, dport = proto.proto, proto.ports
            element = Element(proto, src, sport, dst, dport, icmp)
            element.hits = old.get(element.key(), 0)
            elements.append(element)
        self.elements = elements

    def words(self, namer: Namer = None, shown: bool = False) -> str:
        """`permit tcp any object-group WEB eq www log`, as the configuration writes it; ``shown``:
        as `show access-list` writes it (the log level and interval spelled out)."""
        action = "permit" if self.permit else "deny"
        if self.standard:
            return f"{action} {hosts_words(self.dst, namer)}"

        def place(position: Position, text: Callable[[], str]) -> str:
            return position.words() if isinstance(position, GroupRef) else text()

        proto = place(self.proto, lambda: protocol_name(self.proto))
        src = place(self.src, lambda: hosts_words(self.src, namer))
        dst = place(self.dst, lambda: hosts_words(self.dst, namer))
        sport = (" " + self.sport.words()) if isinstance(self.sport, GroupRef) else self.sport.words()
        dport = (" " + self.dport.words()) if isinstance(self.dport, GroupRef) else self.dport.words()
        text = f"{action} {proto} {src}{sport} {dst}{dport}"
        if self.icmp_type is not None:
            text += " " + place(self.icmp_type, lambda: ICMP_NAMES.get(self.icmp_type, str(self.icmp_type)))
        return text + self.tail(shown)

    def tail(self, shown: bool = False) -> str:
        text = self.log.words(shown) if self.log is not None else ""
        if self.time_range:
            text += f" time-range {self.time_range}"
        return text + (" inactive" if self.inactive else "")


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

    def remove_ace(self, words: str) -> bool:
        if words not in self._held:
            return False
        self._held.discard(words)
        self.entries = [e for e in self.entries if not (isinstance(e, Ace) and e.words() == words)]
        return True

    def remove_at(self, line: int) -> bool:
        """`no access-list X line N`: the entry on line N (from 1), ACE or remark."""
        if not 1 <= line <= len(self.entries):
            return False
        entry = self.entries.pop(line - 1)
        if isinstance(entry, Ace):
            self._held.discard(entry.words())
        return True

    def remove_remark(self, text: str) -> None:
        self.entries = [e for e in self.entries if not (isinstance(e, Remark) and e.text == text)]

    @property
    def aces(self) -> list[Ace]:
        return [e for e in self.entries if isinstance(e, Ace)]

    def match(self, proto: int, src: int, sport: int, dst: int, dport: int, icmp_type: int) -> Ace | None:
        """The first entry in force that matches (its element's hit counted), or None: the
        implicit deny."""
        for ace in self.entries:
            if isinstance(ace, Ace) and ace.in_force():
                for element in ace.elements:
                    if element.matches(proto, src, sport, dst, dport, icmp_type):
                        element.hits += 1
                        return ace
        return None


# ---------------------------------------------------------------- parsing


class Words:
    """Typed words read one at a time; a fault names the word at fault."""

    def __init__(self, words: list[str]):
        self.words, self.at = words, 0

    def next(self) -> str:
        if self.at >= len(self.words):
            raise BadEntry(self.at)
        self.at += 1
        return self.words[self.at - 1]

    def peek(self) -> str | None:
        return self.words[self.at].lower() if self.at < len(self.words) else None

    def rest(self) -> list[str]:
        return self.words[self.at:]

    def fault(self) -> BadEntry:
        return BadEntry(self.at - 1)


def parse(words: list[str], groups: Mapping[str, ObjectGroup] | None = None,
          resolve: Callable[[str], str] | None = None, standard: bool = False) -> Ace:
    """`permit|deny PROTO SRC [PORTS] DST [PORTS|ICMP-TYPE] [log …] [time-range T] [inactive]`,
    where an `object-group NAME` may stand for the protocol, addresses, ports or ICMP type;
    ``standard``: `permit|deny DST`. ``resolve`` turns a `name` into its address. The entry
    comes back expanded; a group that does not exist raises UnknownGroup."""
    groups = groups or {}
    at = Words(words)
    action = at.next().lower()
    if action not in ("permit", "deny"):
        raise at.fault()
    if standard:
        ace = Ace(action == "permit", 0, Hosts(), Ports(), read_hosts(at, groups, resolve, allow_group=False), Ports(),
                  standard=True)
    else:
        ace = _extended(at, action == "permit", groups, resolve)
    _options(at, ace)
    ace.expand(groups)
    return ace


def _extended(at: Words, permit: bool, groups, resolve) -> Ace:
    if at.peek() == "object-group":
        at.next()
        proto: int | GroupRef = _group(at, groups, lambda g: g.kind == "protocol" or (
            g.kind == "service" and g.proto is None))
        proto_number = None
    else:
        proto_word = at.next().lower()
        proto = protocol(proto_word)
        if proto is None:
            raise at.fault()
        proto_number = proto
    ported = proto_number in (PROTO_TCP, PROTO_UDP) or (
        isinstance(proto, GroupRef) and groups[proto.name].kind == "protocol")
    src = read_hosts(at, groups, resolve)
    sport = _ports(at, groups) if ported else Ports()
    dst = read_hosts(at, groups, resolve)
    dport = _ports(at, groups) if ported else Ports()
    icmp: int | GroupRef | None = None
    if proto_number == PROTO_ICMP and at.peek() not in (None, "log", "time-range", "inactive"):
        if at.peek() == "object-group":
            at.next()
            icmp = _group(at, groups, lambda g: g.kind == "icmp-type")
        else:
            icmp = icmp_type(at.next().lower())
            if icmp is None:
                raise at.fault()
    return Ace(permit, proto, src, sport, dst, dport, icmp)


def read_hosts(at: Words, groups, resolve, allow_group: bool = True) -> Hosts | GroupRef:
    """`any`, `host A`, `A M` (or, where allowed, `object-group NAME`); BadEntry otherwise."""
    first = at.next()
    lower = first.lower()
    if lower == "any":
        return Hosts()
    if lower == "object-group" and allow_group:
        return _group(at, groups, lambda g: g.kind == "network")
    try:
        if lower == "host":
            return Hosts.host(_address(at.next(), resolve))
        return Hosts.network_mask(_address(first, resolve), _address(at.next(), resolve))
    except ValueError:
        raise at.fault() from None


def _address(text: str, resolve) -> str:
    return resolve(text) if resolve is not None else text


def _ports(at: Words, groups) -> Ports | GroupRef:
    following = at.peek()
    if following == "object-group":
        name = at.words[at.at + 1] if at.at + 1 < len(at.words) else None
        group = groups.get(name) if name is not None else None
        if group is not None and group.kind == "service" and group.proto is not None:
            at.next()
            return _group(at, groups, lambda g: True)
        return Ports()
    if following not in OPERATORS:
        return Ports()
    op = at.next().lower()
    low = _port(at)
    high = _port(at) if op == "range" else 0
    return Ports(op, low, high)


def _port(at: Words) -> int:
    number = port(at.next().lower())
    if number is None:
        raise at.fault()
    return number


def _group(at: Words, groups, fits: Callable[[ObjectGroup], bool]) -> GroupRef:
    name = at.next()
    group = groups.get(name)
    if group is None:
        raise UnknownGroup(name)
    if not fits(group):
        raise at.fault()
    return GroupRef(name)


def _options(at: Words, ace: Ace) -> None:
    while at.peek() is not None:
        word = at.next().lower()
        if word == "log" and ace.log is None:
            ace.log = _log(at)
        elif word == "time-range" and ace.time_range is None and not ace.standard:
            ace.time_range = at.next()
        elif word == "inactive" and not ace.inactive and not ace.standard:
            ace.inactive = True
        else:
            raise at.fault()


def _log(at: Words) -> Log:
    following = at.peek()
    if following in ("disable", "default"):
        at.next()
        return Log(mode=following)
    level, interval = DEFAULT_LEVEL, DEFAULT_INTERVAL
    if following is not None and severity(following) is not None and following != "interval":
        level = severity(at.next())
    if at.peek() == "interval":
        at.next()
        text = at.next()
        if not is_number(text) or not 1 <= int(text) <= 600:
            raise at.fault()
        interval = int(text)
    return Log(level, interval)


class UnknownGroup(BadEntry):
    """An entry names an object-group that does not exist."""

    def __init__(self, name: str):
        super().__init__(0)
        self.name = name
