"""Stateful failover: the state link (`failover link`) and the updates it carries.

The link is the failover LAN link itself when both name the same interface, else a link of
its own on the state interface, between the units' addresses there. Updates travel in
Update messages of the failover wire format, each with a kind and its records; the active
unit sends what its mate needs to carry on (ARP entries, TCP and UDP connections as they open,
with the translations they hold, change state and close; HTTP ones only with `failover
replication http`; translations as they time out or are cleared), the standby applies
them, and on taking over carries on with them. In multiple context mode each update names
its context, and what is active is the context's failover group. Both units also send a "sys cmd"
keepalive with every failover hello. What was sent, could not be sent, was received and
could not be applied is counted per kind: `show failover`'s Logical Update Statistics.
When the mate becomes Standby Ready, the active unit sends it everything in bulk.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass

from vpix.clock import Alarm
from vpix.dataplane.conns import OPENED, record
from vpix.dataplane.nat import CLOSED, record as xlate_record
from vpix.failover import messages
from vpix.failover.links import LanLink
from vpix.features.forwarding import Forwarding
from vpix.features.interfaces import Interfaces
from vpix.net.packets import PROTO_TCP, PROTO_UDP, ip_bytes, ip_text, mac_bytes, mac_text

SYS_CMD, ARP, TCP_CONN, UDP_CONN, XLATE_TIMEOUT = "sys cmd", "ARP tbl", "TCP conn", "UDP conn", "Xlate_Timeout"
HTTP = 80
BULK_RECORDS = 100             # records per bulk update: a message stays well under its 64 KiB


@dataclass
class Counters:
    xmit: int = 0
    xerr: int = 0
    rcv: int = 0
    rerr: int = 0


class StateLink:
    def __init__(self, runtime, config):
        self.runtime = runtime
        self.interface = config.state_link
        self._shared = isinstance(runtime.link, LanLink) and config.state_link == config.lan_interface
        self.channel = runtime.link if self._shared else runtime.lan_link(config.state_link)
        self.endpoint = messages.Endpoint(secrets.randbits(32), config.key, runtime.pairing)
        self.counters: dict[str, Counters] = defaultdict(Counters)
        self._appliers = {SYS_CMD: lambda space, records: len(records), ARP: self._apply_arp,
                          TCP_CONN: self._apply_conns, UDP_CONN: self._apply_conns,
                          XLATE_TIMEOUT: self._apply_xlates}
        self._spaces: list = []
        self._batch: list[tuple[str, str, list]] = []     # (kind, context, records) waiting to go
        self._flush = Alarm(runtime.services.clock, self.flush)

    @staticmethod
    def configured(config) -> bool:
        return bool(config.state_link) and config.link_address(config.state_link[0]) is not None

    @staticmethod
    def pipeline(space):
        return space.feature(Forwarding).pipeline

    def attach(self, space) -> None:
        """Replicate the connections and translations of a space that carries traffic."""
        pipeline = self.pipeline(space)
        pipeline.conns.listener = lambda op, conn: self._conn_changed(space, op, conn)
        pipeline.nat.listener = lambda op, xlate: self._xlate_changed(space, op, xlate)
        self._spaces.append(space)

    def detach(self, space) -> None:
        pipeline = self.pipeline(space)
        pipeline.conns.listener = pipeline.nat.listener = None
        self._spaces.remove(space)

    def close(self) -> None:
        self._flush.cancel()
        self._batch.clear()
        for space in list(self._spaces):
            self.detach(space)
        if not self._shared:
            self.channel.close()

    def taking_over(self, spaces: list) -> None:
        """These spaces become active here: their replicated connections are in use from now."""
        now = self.runtime.now()
        for space in spaces:
            self.pipeline(space).conns.touch(now)
            self.pipeline(space).nat.touch(now)

    def total(self) -> Counters:
        """The General line: every kind together."""
        total = Counters()
        for counters in self.counters.values():
            total.xmit += counters.xmit
            total.xerr += counters.xerr
            total.rcv += counters.rcv
            total.rerr += counters.rerr
        return total

    # ------------------------------------------------------------ sending

    def replicate(self, kind: str, records: list, space=None) -> None:
        """Records for the mate, sent with the others of this turn of the clock: consecutive
        ones of a kind and space in one update (as the device packs its state link), in the
        order they came."""
        context = (space.context_name or "") if space is not None else ""
        last = self._batch[-1] if self._batch else None
        if last is not None and last[:2] == (kind, context) and len(last[2]) + len(records) <= BULK_RECORDS:
            last[2].extend(records)
        else:
            self._batch.append((kind, context, list(records)))
        self._flush.set(self.runtime.now())

    def flush(self) -> None:
        """Send what this turn replicated (before an order to the mate, too: it must not
        overtake the state it acts on)."""
        batch, self._batch = self._batch, []
        self._flush.cancel()
        for kind, context, records in batch:
            self._send(kind, context, records)

    def _send(self, kind: str, context: str, records: list) -> None:
        counters = self.counters[kind]
        if not self.channel.up:
            counters.xerr += len(records)
            return
        self.channel.send(self.endpoint.pack(messages.Update(kind, records, context)))
        counters.xmit += len(records)

    def keepalive(self) -> None:
        self.replicate(SYS_CMD, [1])

    def arp_learned(self, space, iface, address: str, mac: bytes) -> None:
        if self.runtime.active_in(space) and iface.nameif:
            self.replicate(ARP, [[iface.nameif, address, mac_text(mac)]], space)

    def _conn_changed(self, space, op: str, conn) -> None:
        if self.runtime.active_in(space) and self._replicated(conn):
            self.replicate(TCP_CONN if conn.proto == PROTO_TCP else UDP_CONN, [record(op, conn)], space)

    def _xlate_changed(self, space, op: str, xlate) -> None:
        """Translations travel with the connections that open them; their end on its own."""
        if op == CLOSED and self.runtime.active_in(space):
            self.replicate(XLATE_TIMEOUT, [xlate_record(op, xlate)], space)

    def _replicated(self, conn) -> bool:
        return conn.proto != PROTO_TCP or self.runtime.config.replicate_http or HTTP not in (conn.a.port, conn.b.port)

    def bulk(self, spaces: list) -> None:
        """Everything the standby needs of these spaces, at once (it has just become ready)."""
        for space in spaces:
            conns = self.pipeline(space).conns
            for kind, proto in ((TCP_CONN, PROTO_TCP), (UDP_CONN, PROTO_UDP)):
                self._in_chunks(kind, [record(OPENED, c) for c in conns.conns.values()
                                       if c.proto == proto and self._replicated(c)], space)
            interfaces, records = space.feature(Interfaces), []
            for iface in interfaces.named():
                stack = interfaces.stations.stack(iface)
                if stack is not None:
                    records += [[iface.nameif, address, mac_text(mac)] for address, mac in stack.arp.items()]
            self._in_chunks(ARP, records, space)

    def _in_chunks(self, kind: str, records: list, space) -> None:
        """Full updates, straight away (after what this turn replicated before them)."""
        self.flush()
        context = space.context_name or ""
        for start in range(0, len(records), BULK_RECORDS):
            self._send(kind, context, records[start:start + BULK_RECORDS])

    # ------------------------------------------------------------ receiving

    def received(self, update: messages.Update) -> None:
        kind, records = update.kind, update.records
        space = self.runtime.space_named(update.context)
        applier = self._appliers.get(kind)
        applied = applier(space, records) if applier is not None and space in self._spaces else 0
        self.counters[kind].rcv += applied
        self.counters[kind].rerr += len(records) - applied

    def _applied(self, space, records: list, apply) -> int:
        """How many of ``records`` ``apply(entry, now)`` took (where the space stands by only)."""
        if self.runtime.active_in(space):
            return 0
        applied, now = 0, self.runtime.now()
        for entry in records:
            try:
                apply(entry, now)
                applied += 1
            except (TypeError, ValueError, IndexError):
                continue
        return applied

    def _apply_conns(self, space, records: list) -> int:
        pipeline = self.pipeline(space)

        def apply(entry: list, now: float) -> None:
            xlates = tuple(pipeline.nat.apply(x, now) for x in entry[7]) if len(entry) > 7 else ()
            pipeline.conns.apply(entry, now, tuple(x for x in xlates if x is not None))

        return self._applied(space, records, apply)

    def _apply_xlates(self, space, records: list) -> int:
        return self._applied(space, records, self.pipeline(space).nat.apply)

    def _apply_arp(self, space, records: list) -> int:
        """ARP entries the active unit learned, for the standby to hold when it takes over."""
        if self.runtime.active_in(space):
            return 0
        interfaces, applied = space.feature(Interfaces), 0
        for entry in records:
            try:
                name, address, mac = (str(field) for field in entry)
                iface = interfaces.by_name(name)
                stack = interfaces.stations.stacks.get(iface.index) if iface is not None else None
                if stack is not None:
                    stack.arp[ip_text(ip_bytes(address))] = mac_bytes(mac)
                    applied += 1
            except (TypeError, ValueError):
                continue
        return applied
