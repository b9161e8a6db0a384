"""Running the failover machine on a unit: its link to the mate (LAN or serial cable,
failover/links.py), the timers, interface monitoring, bulk sync and command replication."""

from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime
from typing import Callable

from vpix.clock import Alarm
from vpix.failover import compat, messages
from vpix.failover.links import CableLink, LanLink
from vpix.failover.machine import (ACTIVE_STATES, BY_COMMAND, COLD_STANDBY, FAILED, STANDBY_READY, STANDBY_STATES,
                                   FailoverMachine, Hello, LanTest, Order, Role, Send, SyncNeeded, Syslog)
from vpix.failover.monitoring import Monitoring
from vpix.failover.stateful import StateLink
from vpix.net.packets import mac_bytes, mac_text

NOT_REPLICATED = ("failover lan unit",)        # the unit's own identity stays its own

# Syslog messages that record a unit's last failure for `show failover state`: id -> (unit, reason)
FAILURES = {103001: ("other", "Comm Failure"), 104003: ("this", "Ifc Failure")}

EXEC_TIMEOUT = 10.0                  # how long `failover exec` waits for the mate's answer
EXEC_CHUNK = 32_000                  # output characters per message (a message body is < 64 KiB)

FAILED_RETRY_6X = 15.0               # PIX 6.x: a failed unit tries standby again after this

SENDING = "Beginning configuration replication: Sending to mate."
SENT = "End Configuration Replication to mate."
RECEIVING = ("Detected an Active mate", "Beginning configuration replication from mate.")
RECEIVED = "End configuration replication from mate."
SYNC_STARTED, SYNC_COMPLETED = "Sync Started", "Sync Completed"      # PIX 6.x, on both units
STANDBY_WARNING = "**** WARNING **** Configuration Replication is NOT performed from Standby unit to Active unit."


def _describe(kind: str, body: dict) -> str:
    """One line for `debug fover rx|tx`: the message and its gist."""
    if kind == "hello":
        return f"hello {'Primary' if body.get('primary') else 'Secondary'} {body.get('state')}"
    if kind == "order":
        return f"order {body.get('role')} ({body.get('reason')})"
    if kind == "config":
        return f"config {len(body.get('lines', []))} line(s)"
    return f"{kind} {body}" if kind in ("state", "sync-start") else kind


class FailoverRuntime:
    def __init__(self, system, config):
        self.system = system
        self.config = config
        unit = system.unit
        cable = unit.cable if not config.lan_enabled else None
        self.link = CableLink(self, cable) if cable is not None else \
            LanLink(self, config, config.lan_interface, self.link_changed)
        self.endpoint = messages.Endpoint(secrets.randbits(32), config.key)
        policy = config.interface_policy.rstrip("%")
        self.machine = FailoverMachine(config.is_primary(), poll=config.unit_poll.poll_ms / 1000,
                                       hold=config.unit_poll.hold_ms / 1000,
                                       interface_policy=int(policy), lan=self.link.lan,
                                       interface_hold=config.interface_poll.hold_ms / 1000,
                                       wording=system.family,
                                       retry_failed=FAILED_RETRY_6X if system.family == "6.x" else None)
        self.mate_version: str | None = None
        self.mate_macs: list[str] = []
        self._mate_active: tuple[float, float, bool] = (0.0, 0.0, False)   # (its active time, heard at, active)
        self.last_failover = None
        self.decryption_failures = 0
        self._alarm = Alarm(unit.clock, self._tick)
        self._replicating = False
        self._config_asked = -1e9
        self.config_version = 0                  # replicated changes made here while active
        self.synced: tuple[int, int] | None = None   # (active mate's epoch, its version) held here
        self._sync_version = 0
        self.complete = True                     # not left half-way by a bulk sync cut short
        self._mate_cfg: tuple[int, int] | None = None     # the mate's latest (epoch, version)
        self._mate_synced: tuple[int, int] | None = None  # what the mate reported it holds
        self.monitoring = Monitoring(self)
        self.stateful: StateLink | None = None
        self.last_failure: dict[str, tuple[str, datetime] | None] = {"this": None, "other": None}
        self.identity = compat.identity(system)
        self._logged_mismatch: int | None = None       # the mate's epoch whose mismatches are logged
        self._exec_session = None                # where `failover exec` commands run on this unit
        self._exec_waiting: dict[int, tuple[Callable, list[str]]] = {}
        self._exec_ids = 0

    # ------------------------------------------------------------ life

    def start(self) -> None:
        self.system.change_listeners.append(self._config_changed)
        self.system.save_listeners.append(self._saved)
        now = self.now()
        self.act(self.machine.enable(now))
        self._assume()
        self.monitoring.start(now)
        self.interfaces.stations.on_learn = self._arp_learned
        self._follow_state_link()
        self.rearm()

    def stop(self) -> None:
        self._alarm.cancel()
        if self.stateful is not None:
            self.stateful.close()
        self.link.close()
        self.monitoring.stop()
        self.interfaces.stations.on_learn = None
        if self._config_changed in self.system.change_listeners:
            self.system.change_listeners.remove(self._config_changed)
        if self._saved in self.system.save_listeners:
            self.system.save_listeners.remove(self._saved)

    @property
    def _six(self) -> bool:
        return self.system.family == "6.x"

    @property
    def interfaces(self):
        """The interfaces feature of now: a standby's bulk sync replaces it."""
        from vpix.features.interfaces import Interfaces

        return self.system.feature(Interfaces)

    def now(self) -> float:
        return self.system.unit.clock.monotonic()

    def rearm(self) -> None:
        times = [t for t in (self.machine.deadline, self.monitoring.deadline) if t is not None]
        self._alarm.set(min(times) if times else None)

    # ------------------------------------------------------------ the machine's actions

    def act(self, actions) -> None:
        for action in actions:
            if isinstance(action, Send):
                kind = "hello" if isinstance(action.message, Hello) else "order"
                body = dataclasses.asdict(action.message)
                if kind == "hello":
                    body["version"] = str(self.system.version)
                    body["macs"] = self.system.unit.identity.macs
                    body["interfaces"] = self.monitoring.statuses()
                    body["identity"] = self.identity
                    body["cfg"] = self.config_version
                    body["partial"] = not self.complete
                    body["synced"] = self.synced
                    body["active_time"] = self.machine.active_total(self.now())
                    if self.stateful is not None:
                        self.stateful.keepalive()
                self._send(kind, body)
            elif isinstance(action, Role):
                self.last_failover = self.system.now()
                self.config.debug("switch", f"{'Active' if action.active else 'Standby'} ({action.reason})")
                if action.active:
                    self._replicating = False    # a bulk sync cut short by the takeover is over
                    if self.stateful is not None:
                        self.stateful.taking_over()
                    self.synced = None           # changed here from now on: standing by again, resync
                elif action.reason == BY_COMMAND and self._mate_synced == (self.endpoint.epoch, self.config_version):
                    self.synced = self._mate_cfg  # a planned switch: the mate holds what we held
                self._assume()
            elif isinstance(action, Syslog):
                self.system.syslog(1, action.id, action.text)
                failure = FAILURES.get(action.id)
                if failure is not None:
                    self.last_failure[failure[0]] = (failure[1], self.system.now())
                if failure is not None or action.id == 105005:
                    self.config.debug("fail", action.text)
            elif isinstance(action, SyncNeeded):
                self._ask_for_config()
            elif isinstance(action, LanTest):
                self.monitoring.lantest()
        self.rearm()

    def mate_active_total(self, now: float) -> float:
        """The mate's Active time as of its last hello, counting on while it is active."""
        total, heard, active = self._mate_active
        return total + (now - heard if active and self.machine.mate_heard else 0.0)

    def _tick(self) -> None:
        if self.system.running():
            now = self.now()
            self.monitoring.tick(now)
            self.act(self.machine.tick(now))

    def _check_synced(self, active: tuple[int, int], now: float) -> None:
        """A standby must hold the active unit's configuration up to its latest change; when a
        change or a requested sync went missing (the link was down, the mate became active
        meanwhile), it asks for the whole configuration again."""
        behind = active != self.synced or self.machine.state == COLD_STANDBY   # still waiting for one
        if self.machine.state in STANDBY_STATES and behind and not self._replicating \
                and now - self._config_asked >= self.machine.hold:
            self._ask_for_config()

    def _ask_for_config(self) -> None:
        self._config_asked = self.now()
        self._send("state", {"want": "config"})

    # ------------------------------------------------------------ what monitoring reports

    def note(self, message_id: int, text: str) -> None:
        self.system.syslog(1, message_id, f"({self.machine.name}) {text}")
        self.config.debug("ifc" if 105003 <= message_id <= 105009 else "fail", text)

    def heard_on_interface(self, now: float) -> None:
        self.act(self.machine.hello(None, now, on_failover_link=False))

    def interfaces_failed(self, count: int, now: float) -> None:
        self.act(self.machine.interfaces_failed(count, now))

    # ------------------------------------------------------------ what the link reports

    def link_changed(self, up: bool) -> None:
        if self.system.running():
            self.act(self.machine.link(up, self.now()))

    def mate_power(self, on: bool) -> None:
        if self.system.running() and not on:
            self.act(self.machine.mate_power_lost(self.now()))

    def cable_silent(self) -> None:
        """Five retransmissions went unanswered on the cable."""
        if self.system.running():
            self.act(self.machine.cable_silent(self.now()))

    def cable_plugs(self, ours: bool, theirs: bool) -> None:
        name = self.machine.name
        if not ours:
            self.system.syslog(1, 101003, f"({name}) Failover cable not connected (this unit).")
        elif not theirs:
            self.system.syslog(1, 101004, f"({name}) Failover cable not connected (other unit).")

    def _send(self, kind: str, body: dict) -> None:
        if self.config.debugging.get("tx"):
            self.config.debug("tx", _describe(kind, body))
        self.link.send(self.endpoint.pack(kind, body))

    # ------------------------------------------------------------ messages from the mate

    def received(self, payload: bytes) -> None:
        if not self.system.running():
            return
        failures = self.endpoint.dropped["decryption"]
        message = self.endpoint.unpack(payload)
        if message is None:
            if self.endpoint.dropped["decryption"] > failures:
                self.decryption_failures += 1
                if self.decryption_failures == 1:
                    self.system.unit.console.write(messages.DECRYPTION_FAILURE + "\n")
            return
        now = self.now()
        body = message.body
        if self.config.debugging.get("rx"):
            self.config.debug("rx", _describe(message.type, body))
        try:
            if message.type == "hello":
                self.mate_version = str(body.get("version", ""))
                macs = [mac_text(mac_bytes(str(mac))) for mac in body.get("macs", [])]
                if macs != self.mate_macs:
                    self.mate_macs = macs
                    self._assume()
                hello = Hello(bool(body["primary"]), str(body["state"]), int(body.get("failed_interfaces", 0)),
                              float(body.get("active_for", 0.0)), float(body.get("up_for", 0.0)))
                self.monitoring.mate_status = {str(k): str(v) for k, v in dict(body.get("interfaces", {})).items()}
                if hello.state == FAILED and self.machine.mate_state != FAILED:
                    self.last_failure["other"] = ("Ifc Failure", self.system.now())
                if not self._compatible(dict(body.get("identity", {})), hello.state, message.epoch, now):
                    return
                self._mate_active = (float(body.get("active_time", 0.0)), now, hello.state in ACTIVE_STATES)
                mate_was = self.machine.mate_state
                self.act(self.machine.hello(hello, now))
                if hello.state == STANDBY_READY and mate_was != STANDBY_READY and self.machine.active \
                        and self.stateful is not None:
                    self.stateful.bulk()
                self._mate_cfg = (message.epoch, int(body.get("cfg", 0)))
                synced = body.get("synced")
                self._mate_synced = (int(synced[0]), int(synced[1])) if synced else None
                if hello.state in ACTIVE_STATES and not body.get("partial"):
                    # (a mate that became active in the middle of a bulk sync has a partial
                    # configuration: keep ours, to be pushed back with `write standby`)
                    self._check_synced(self._mate_cfg, now)
            elif message.type == "update":
                if self.stateful is not None:
                    self.stateful.received(body)
            elif message.type == "order":
                self.act(self.machine.order(Order(str(body["role"]), str(body["reason"])), now))
            elif message.type == "exec":
                self.exec_here(str(body["line"]), lambda output, ident=int(body["id"]): self._exec_reply(ident, output))
            elif message.type == "exec-reply":
                self._exec_answered(int(body["id"]), str(body["output"]), bool(body.get("more")))
            elif message.type == "reload" and not self.machine.active:
                self.system.unit.request_reload()
            elif message.type == "state" and body.get("want") == "config" and self.machine.active:
                self._bulk_sync()
            elif message.type == "state" and body.get("save") and not self.machine.active:
                self.system.write_startup(self.system.config_text())
            elif message.type == "sync-start" and not self.machine.active:
                self._sync_version = int(body.get("version", 0))
                self.complete = False
                self._replicating = True
                self.system.unit.console.lines([SYNC_STARTED] if self._six else list(RECEIVING))
                self.system.reset_config(keep=(type(self.config),))
            elif message.type == "config" and not self.machine.active:
                self._apply(body.get("lines", []))
                if "version" in body and self.synced == (message.epoch, int(body["version"]) - 1):
                    self.synced = (message.epoch, int(body["version"]))
            elif message.type == "sync-end" and not self.machine.active:
                self._replicating = False
                self.complete = True
                self.synced = (message.epoch, self._sync_version)
                self.system.apply_factory_config()
                self.system.unit.console.write((SYNC_COMPLETED if self._six else RECEIVED) + "\n")
                self.act(self.machine.sync_done(now))
        except (KeyError, TypeError, ValueError):
            self.endpoint.dropped["malformed"] += 1

    def _compatible(self, mate: dict, mate_state: str, epoch: int, now: float) -> bool:
        """Check the mate (logging what differs once per mate boot); an incompatible mate makes
        this unit fail unless it is, or is to be, the active one. False: ignore the hello."""
        mismatches = compat.check(self.identity, mate)
        if epoch != self._logged_mismatch:
            self._logged_mismatch = epoch
            for mismatch in mismatches:
                self.note(mismatch.id, mismatch.text)
        if not any(m.fatal for m in mismatches):
            return True
        self.act(self.machine.incompatible(mate_state, now))
        return self.machine.state != FAILED

    # ------------------------------------------------------------ failover exec, reload-standby

    def exec_here(self, line: str, done: Callable[[str], None]) -> None:
        """Run a `failover exec` command on this unit, in the session such commands share (so a
        mode entered by one holds for the next); ``done(output)`` when it has finished."""
        if self._exec_session is None or self._exec_session.closed:
            self._exec_session = self.system.open_session("failover-exec", priv=15, interactive=False)
        chunks: list[str] = []
        self._exec_session.sink = chunks.append
        self._exec_session.submit(line, lambda: done("".join(chunks)))

    def exec_on_mate(self, line: str, done: Callable[[str | None], None]) -> None:
        """Run a command on the mate; ``done(output)``, or ``done(None)`` when it does not answer."""
        if not self.machine.mate_heard:
            done(None)
            return
        self._exec_ids += 1
        ident = self._exec_ids
        self._exec_waiting[ident] = (done, [])
        self._send("exec", {"id": ident, "line": line})
        self.system.unit.clock.call_later(EXEC_TIMEOUT, lambda: self._exec_answered(ident, None, False))

    def _exec_reply(self, ident: int, output: str) -> None:
        chunks = [output[i:i + EXEC_CHUNK] for i in range(0, len(output), EXEC_CHUNK)] or [""]
        for number, chunk in enumerate(chunks, 1):
            self._send("exec-reply", {"id": ident, "output": chunk, "more": number < len(chunks)})

    def _exec_answered(self, ident: int, chunk: str | None, more: bool) -> None:
        waiting = self._exec_waiting.get(ident)
        if waiting is None:
            return
        done, parts = waiting
        if chunk is None:
            del self._exec_waiting[ident]
            done(None)
            return
        parts.append(chunk)
        if not more:
            del self._exec_waiting[ident]
            done("".join(parts))

    def reload_standby(self) -> None:
        self._send("reload", {})

    # ------------------------------------------------------------ addresses and MACs

    def _assume(self) -> None:
        """Hold the addresses of this unit's role, with the role's MACs: the active unit the
        primary's (or the configured virtual ones), the standby the secondary's."""
        self.interfaces.stations.assume(self.machine.active, self._macs())

    def _macs(self) -> dict[int, tuple[bytes, bytes]]:
        own = [mac_bytes(mac) for mac in self.system.unit.identity.macs]
        mate = [mac_bytes(mac) for mac in self.mate_macs] if len(self.mate_macs) == len(own) else own
        primary, secondary = (own, mate) if self.machine.primary else (mate, own)
        macs = {index: (primary[index], secondary[index]) for index in range(len(own))}
        for hw, (active, standby) in self.config.mac.items():
            iface = self.interfaces.by_hw(hw)
            if iface is not None:
                macs[iface.index] = (mac_bytes(active), mac_bytes(standby))
        return macs

    # ------------------------------------------------------------ replication

    def _saved(self) -> None:
        """`write memory` on the active unit saves on the standby too."""
        if self.machine.active:
            self._send("state", {"save": True})

    def write_standby(self) -> None:
        """`write standby`: the standby starts over from the active unit's whole configuration."""
        self._bulk_sync()

    def _bulk_sync(self) -> None:
        self.config.debug("sync", f"sending the configuration to the mate (version {self.config_version})")
        console = self.system.unit.console
        console.write((SYNC_STARTED if self._six else SENDING) + "\n")
        lines = [line for line in self.system.running_config() if not line.startswith(NOT_REPLICATED)]
        self._send("sync-start", {"version": self.config_version})
        for start in range(0, len(lines), 500):
            self._send("config", {"lines": lines[start:start + 500]})
        self._send("sync-end", {})
        console.write((SYNC_COMPLETED if self._six else SENT) + "\n")

    def _apply(self, lines: list[str]) -> None:
        was, self._replicating = self._replicating, True     # within a bulk sync it stays on
        try:
            self.system.apply_config("\n".join(str(line) for line in lines
                                               if not str(line).startswith(NOT_REPLICATED)))
        finally:
            self._replicating = was
        self._follow_config()

    def _follow_config(self) -> None:
        """Addresses, MACs, monitored interfaces and the state link as the configuration now says."""
        self._assume()
        self.monitoring.refresh(self.now())
        self._follow_state_link()
        self.rearm()

    def _follow_state_link(self) -> None:
        wanted = StateLink.configured(self.config)
        current = self.stateful
        if current is not None and (not wanted or current.interface != self.config.state_link):
            current.close()
            self.stateful = current = None
        if current is None and wanted:
            self.stateful = StateLink(self, self.config)

    def _arp_learned(self, iface, address: str, mac: bytes) -> None:
        if self.stateful is not None:
            self.stateful.arp_learned(iface, address, mac)

    def _config_changed(self, user: str, line: str, session) -> None:
        """Command replication from the active unit; a warning on the standby."""
        if self._replicating:
            return
        self._follow_config()
        if session.transport == "config":
            return
        if self.machine.active:
            if not line.startswith(NOT_REPLICATED):
                # A sub-mode command travels with the commands that entered its mode.
                self.config_version += 1
                self._send("config", {"lines": session.mode_path() + [line], "version": self.config_version})
        elif self.machine.state in STANDBY_STATES:
            session.sink(STANDBY_WARNING + "\n")
