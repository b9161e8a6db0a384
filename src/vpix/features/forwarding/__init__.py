"""Traffic through the unit: the pipeline (vpix.dataplane) run on every packet an interface
receives for an address beyond the unit, on the active unit only; `timeout`, the tables it
keeps (`show conn`, `show xlate`) and their clearing."""

from __future__ import annotations

import ipaddress
from datetime import datetime

from vpix.clock import Alarm, parse_hms
from vpix.dataplane.pipeline import Face, Pipeline
from vpix.features import TRAFFIC, Feature
from vpix.features.acl import AccessLists
from vpix.features.inspection import Inspection
from vpix.features.interfaces import Interfaces
from vpix.features.nat import Nat
from vpix.features.routing import Routing
from vpix.features.forwarding.tables import XLATE_FLAGS, address, conn_line, xlate_line
from vpix.net.packets import readdress, resequence

SWEEP_S = 1.0                  # how often idle connections are looked for

# `timeout` settings: name -> (default, shortest allowed but 0 (never)); the lines the device writes
TIMEOUTS = {"xlate": ("3:00:00", 60), "conn": ("1:00:00", 300), "half-closed": ("0:10:00", 300),
            "udp": ("0:02:00", 60), "icmp": ("0:00:02", 2), "sunrpc": ("0:10:00", 60), "rpc": ("0:10:00", 60),
            "h323": ("0:05:00", 60), "h225": ("1:00:00", 60), "mgcp": ("0:05:00", 60),
            "mgcp-pat": ("0:05:00", 60), "sip": ("0:30:00", 300), "sip_media": ("0:02:00", 60),
            "sip-invite": ("0:03:00", 60), "sip-disconnect": ("0:02:00", 60), "uauth": ("0:05:00", 0),
            "sip-provisional-media": ("0:02:00", 60)}
TIMEOUT_LINES = {
    "8.0": [["xlate"], ["conn", "half-closed", "udp", "icmp"], ["sunrpc", "h323", "h225", "mgcp", "mgcp-pat"],
            ["sip", "sip_media", "sip-invite", "sip-disconnect"], ["sip-provisional-media", "uauth"]],
    "7.x": [["xlate"], ["conn", "half-closed", "udp", "icmp"], ["sunrpc", "h323", "h225", "mgcp", "mgcp-pat"],
            ["sip", "sip_media", "sip-invite", "sip-disconnect"], ["uauth"]],
    "6.x": [["xlate"], ["conn", "half-closed", "udp", "rpc", "h225"], ["h323", "mgcp", "sip", "sip_media"],
            ["uauth"]],
}


class Forwarding(Feature):
    spaces = TRAFFIC

    def __init__(self, system):
        super().__init__(system)
        self.timeouts = {name: default for name, (default, _) in TIMEOUTS.items()}
        self.uauth_absolute = True
        self.same_security: set[str] = set()       # `same-security-traffic permit inter-interface|intra-interface`
        self.rpf: set[str] = set()                 # `ip verify reverse-path interface IF`
        self.pipeline = Pipeline()
        self._sweep = None
        self._stale = True             # the configuration changed since the pipeline last followed it
        self.asp_cleared: dict[str, tuple[datetime, str] | None] = {"frame": None, "flow": None}

    def render(self, full):
        lines = []
        family = "8.0" if self.system.version.major >= 8 else self.system.family
        for names in TIMEOUT_LINES[family]:
            words = " ".join(f"{name} {self.timeouts[name]}" for name in names)
            lines.append(f"timeout {words}{' absolute' if names[-1] == 'uauth' and self.uauth_absolute else ''}")
        same = [f"same-security-traffic permit {way}" for way in ("inter-interface", "intra-interface")
                if way in self.same_security]
        rpf = [f"ip verify reverse-path interface {name}" for name in sorted(self.rpf)]
        return [("timeout", lines), ("same-security-traffic", same), ("ip-verify", rpf)]

    def start(self) -> None:
        self._sweep = Alarm(self.system.unit.clock, self._expire)
        self.system.change_listeners.append(lambda *_: self.system.feature(Forwarding).config_changed())
        stations = self.system.feature(Interfaces).stations
        stations.on_transit = lambda iface, ip, raw: self._forward(iface, ip, raw, own=False)
        stations.on_claim = lambda iface, ip, raw: self._forward(iface, ip, raw, own=True)
        stations.on_proxy = lambda iface, address: self.configured().nat.publishes(
            iface.nameif, int(ipaddress.IPv4Address(address)))
        stations.on_malformed = lambda reason: self.pipeline.count_drop(reason)

    def adopt(self, old: "Forwarding") -> None:
        self.pipeline, self._sweep, self.asp_cleared = old.pipeline, old._sweep, old.asp_cleared

    def stop(self) -> None:
        if self._sweep is not None:
            self._sweep.cancel()

    def config_changed(self) -> None:
        """Noted only: a configuration of thousands of lines must not rebuild routes and faces
        per line; the next packet, sweep or `show conn` does it once."""
        self._stale = True

    def configured(self) -> Pipeline:
        """The pipeline, following the configuration of now."""
        if self._stale:
            self._stale = False
            self._follow_config()
        return self.pipeline

    def _follow_config(self) -> None:
        interfaces = self.system.feature(Interfaces)
        faces = [Face(i.nameif, i.security or 0, int(ipaddress.IPv4Address(i.ip)) if i.ip else None,
                      i.management_only) for i in interfaces.named()]
        acls = self.system.feature(AccessLists)
        self.pipeline.configure(faces, self.system.feature(Routing).table(), acls.inbound())
        self.pipeline.same_security = frozenset(self.same_security)
        self.pipeline.rpf = frozenset(self.rpf)
        self.pipeline.nat.configure(self.system.feature(Nat).config, acls.lists,
                                    {f.name: f.address for f in faces if f.address is not None},
                                    {f.name: f.security for f in faces})
        t = self.pipeline.conns.timeouts
        t.conn, t.half_closed, t.udp, t.icmp, t.xlate = (
            parse_hms(self.timeouts[name]) or float("inf") for name in ("conn", "half-closed", "udp", "icmp", "xlate"))
        self.pipeline.nat.xlate_timeout = t.xlate
        self.pipeline.ftp_ports = self.system.feature(Inspection).ftp_ports()
        self.pipeline.limits = self.system.feature(Inspection).conn_limits()
        self.pipeline.quotas = {resource: limit for resource in ("conns", "hosts")
                                if (limit := self.system.resource_limit(resource)) is not None}
        self.pipeline.nat.xlate_limit = self.system.resource_limit("xlates")
        self.pipeline.conn_rate.limit = self.system.resource_limit("conns", rate=True)
        self.pipeline.context = self.system.context_name or ""

    # ------------------------------------------------------------ packets

    def _forward(self, iface, ip, raw: bytes, own: bool) -> bool:
        """Run the pipeline on a packet beyond the unit (or, ``own``, for its address); False
        when the packet is not one to forward after all."""
        verdict = self.configured().transit(iface.nameif, ip, self.system.unit.clock.monotonic(), own)
        if verdict is None:
            return False
        self._log(verdict.logs)
        if verdict.out is None:
            return True
        interfaces = self.system.feature(Interfaces)
        out = interfaces.by_name(verdict.out)
        stack = interfaces.stations.stack(out) if out is not None else None
        if stack is None:
            return True
        total = int.from_bytes(raw[2:4], "big")
        packet = raw[:total]
        if verdict.rewrite is not None:
            src, sport, dst, dport = verdict.rewrite
            packet = readdress(packet, src.to_bytes(4, "big"), sport, dst.to_bytes(4, "big"), dport)
        if verdict.tcp is not None:
            packet = resequence(packet, *verdict.tcp)
        stack.send_packet(address(verdict.hop), packet)
        out.counters.packets_out += 1
        out.counters.bytes_out += total
        if not self._sweep.armed and (self.pipeline.conns.conns or self.pipeline.nat.translating):
            self._sweep.after(SWEEP_S)
        return True

    def _expire(self) -> None:
        if not self.system.running():
            return
        self._log(self.configured().expire(self.system.unit.clock.monotonic()))
        if self.pipeline.conns.conns or self.pipeline.nat.translating:
            self._sweep.after(SWEEP_S)

    def clear(self, xlates: bool = False) -> None:
        """`clear conn`, or with ``xlates`` `clear xlate`."""
        now = self.system.unit.clock.monotonic()
        pipeline = self.configured()
        self._log(pipeline.clear_xlate(now) if xlates else pipeline.clear(now))

    def xlate_lines(self, detail: bool) -> list[str]:
        """`show xlate [detail]`: the count, then each translation, statics first; the detail
        layout is the one later releases made the plain one (what ntc-templates parses)."""
        nat = self.configured().nat
        xlates = nat.statics() + nat.dynamic()
        lines = [f"{len(xlates)} in use, {max(nat.most_used, len(xlates))} most used"]
        if detail:
            lines += XLATE_FLAGS
        return lines + [xlate_line(x, detail) for x in xlates]

    def asp_drop_lines(self, kinds: list[str]) -> list[str]:
        return asp.lines(self.system.version, kinds, self.pipeline.drops, self.asp_cleared)

    def clear_asp_drop(self, kinds: list[str], user: str) -> None:
        for kind in kinds:
            self.pipeline.drops[kind].clear()
            self.asp_cleared[kind] = (self.system.now(), user)

    def conn_lines(self, detail: bool = False) -> list[str]:
        """`show conn [detail]`: the count, then a line per connection, outside end first."""
        table = self.pipeline.conns
        now = self.system.unit.clock.monotonic()
        return [f"{len(table)} in use, {table.most_used} most used"] + [
            conn_line(conn, now, self.system.family, detail) for conn in table.conns.values()]

    def local_host_lines(self, ip: int | None, detail: bool) -> list[str]:
        return localhost.lines(self.configured(), self.system.unit.clock.monotonic(), self.system.family, ip, detail)

    def clear_local_host(self, ip: int | None) -> None:
        self._log(self.configured().clear_host(self.system.unit.clock.monotonic(), ip))

    def _log(self, logs) -> None:
        for severity, message_id, text in logs:
            self.system.syslog(severity, message_id, text)


from vpix.features.forwarding import asp, commands, localhost  # noqa: E402,F401
