"""Running the failover machine on a unit: its link to the mate (LAN or serial cable,
failover/links.py), the timers, interface monitoring, bulk sync and command replication."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Callable

from vpix.clock import Alarm
from vpix.failover import compat, messages
from vpix.failover.files import FileReplication
from vpix.failover.links import CableLink, LanLink
from vpix.failover.machine import (ACTIVE_STATES, COLD_STANDBY, FAILED, STANDBY_READY, STANDBY_STATES,
                                   FailoverMachine, Hello, LanTest, Order, Send, Switch, SyncNeeded, Syslog)
from vpix.failover.monitoring import Monitoring
from vpix.failover.roles import Role
from vpix.failover.stateful import StateLink
from vpix.features.interfaces import Interfaces
from vpix.features.license import Licensing
from vpix.net.packets import mac_bytes, mac_text

NOT_REPLICATED = ("failover lan unit",)        # the unit's own identity stays its own

# Syslog messages that record a unit's last failure for `show failover state`: id -> (unit, reason)
FAILURES = {103001: ("other", "Comm Failure"), 104003: ("this", "Ifc Failure")}
# What a failover group's machine says for itself; the unit's machine says the rest, once
GROUP_MESSAGES = (104001, 104002, 104003, 104004)

EXEC_TIMEOUT = 10.0                  # how long `failover exec` waits for the mate's answer
EXEC_CHUNK = 32_000                  # output characters per message (a message body is < 64 KiB)

FAILED_RETRY_6X = 15.0               # PIX 6.x: a failed unit tries standby again after this

SENDING = "Beginning configuration replication: Sending to mate."
SENT = "End Configuration Replication to mate."
RECEIVING = ("Detected an Active mate", "Beginning configuration replication from mate.")
RECEIVED = "End configuration replication from mate."
SYNC_STARTED, SYNC_COMPLETED = "Sync Started", "Sync Completed"      # PIX 6.x, on both units
STANDBY_WARNING = ("**** WARNING **** Configuration Replication is NOT performed from Standby unit to Active unit.\n"
                   "\tConfigurations are no longer synchronized.")


def _policy(words: str) -> int:
    """`failover interface-policy 2` or `50%`: the number the machine compares failures with."""
    return int(words.rstrip("%"))


def _describe(kind: str, body: dict) -> str:
    """One line for `debug fover rx|tx`: the message and its gist."""
    if kind == "hello":
        return f"hello {'Primary' if body.get('primary') else 'Secondary'} {body.get('state')}"
    if kind == "order":
        return f"order {body.get('role')} ({body.get('reason')})"
    if kind == "config":
        return f"config {len(body.get('lines', []))} line(s)"
    return f"{kind} {body}" if kind in ("state", "sync-start") else kind


def _identity(system, config) -> dict:
    """What this unit tells its mate about itself (failover/compat.py checks it)."""
    running = system.feature(Licensing).running
    crypto = "3DES" if running.vpn_3des else "DES" if running.vpn_des else "none"
    return {"platform": system.hw.model, "interfaces": len(system.hw.interfaces),
            "version": str(system.version), "license": running.kind, "crypto": crypto,
            "mode": "multiple" if system.multiple else "single",
            "active_active": bool(config.groups)}


class FailoverRuntime:
    def __init__(self, system, config):
        self.system = system
        self.config = config
        unit = system.unit
        cable = unit.cable if not config.lan_enabled else None
        self.link = CableLink(self, cable) if cable is not None else \
            LanLink(self, config, config.lan_interface, self.link_changed)
        self.pairing = messages.Pairing(secrets.randbits(32) or 1)
        self.endpoint = messages.Endpoint(secrets.randbits(32), config.key, self.pairing)
        # its times and policy come from the configuration, as it changes (_follow_machines)
        self.unit_role = Role(FailoverMachine(config.is_primary(), lan=self.link.lan, wording=system.family,
                                              retry_failed=FAILED_RETRY_6X if system.family == "6.x" else None))
        self.groups: dict[int, Role] = {}        # Active/Active: a role per failover group
        self.mate_version: str | None = None
        self.mate_macs: list[str] = []
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
        self.monitors: dict = {}                 # space -> its Monitoring
        self.mate_status: dict[str, str] = {}    # what the mate reports of its monitored interfaces
        self.stateful: StateLink | None = None
        self.identity = _identity(system, config)
        self._logged_mismatch: int | None = None       # the mate's epoch whose mismatches are logged
        self._exec_session = None                # where `failover exec` commands run on this unit
        self._exec_waiting: dict[int, tuple[Callable, list[str]]] = {}
        self._exec_ids = 0
        self.files = FileReplication(self)

    # ------------------------------------------------------------ life

    def start(self) -> None:
        self.system.change_listeners.append(self._config_changed)
        self.system.context_change_listeners.append(self._config_changed)
        self.system.save_listeners.append(self._saved)
        self.system.context_listeners.append(self._context_started)
        self.system.file_listeners.append(self.files.changed)
        self.system.command_listeners.append(self._command_typed)
        self._follow_config()
        self.enable()

    def stop(self) -> None:
        self._alarm.cancel()
        for space in list(self.monitors):
            self._forget(space)
        if self.stateful is not None:
            self.stateful.close()
        self.link.close()
        self.files.close()
        for listeners, listener in ((self.system.file_listeners, self.files.changed),
                                    (self.system.change_listeners, self._config_changed),
                                    (self.system.context_change_listeners, self._config_changed),
                                    (self.system.save_listeners, self._saved),
                                    (self.system.context_listeners, self._context_started),
                                    (self.system.command_listeners, self._command_typed)):
            if listener in listeners:
                listeners.remove(listener)

    def enable(self) -> None:
        """`failover` (at start, or again after `no failover`)."""
        now = self.now()
        self._all(lambda machine: machine.enable(now))

    def disable(self) -> None:
        """`no failover`: every machine stops failing over; the roles stay as they are."""
        now = self.now()
        self._all(lambda machine: machine.disable(now))

    @property
    def machine(self) -> FailoverMachine:
        """The unit's machine: its role in Active/Standby; in Active/Active failover group 1's
        role, which the system execution space and the admin context follow, so the unit where
        group 1 is active gives the configuration and replicates the system's commands."""
        return self.unit_role.machine

    @property
    def roles(self) -> list[Role]:
        return [self.unit_role] + [role for role in self.groups.values() if role is not self.unit_role]

    @property
    def _six(self) -> bool:
        return self.system.family == "6.x"

    @property
    def interfaces(self) -> Interfaces:
        """The interfaces feature of now: a standby's bulk sync replaces it."""
        return self.system.feature(Interfaces)

    def now(self) -> float:
        return self.system.unit.clock.monotonic()

    def rearm(self) -> None:
        times = [t for t in [r.machine.deadline for r in self.roles] + [m.deadline for m in self.monitors.values()]
                 if t is not None]
        self._alarm.set(min(times) if times else None)

    # ------------------------------------------------------------ spaces and their roles

    def _contexts(self):
        from vpix.features.contexts import Contexts

        return self.system.feature(Contexts)

    def spaces(self) -> list:
        """The spaces whose interfaces carry traffic: the system in single mode, else every
        running security context."""
        if not self.system.multiple:
            return [self.system]
        return [d.space for d in self._contexts().active() if d.space.started]

    def role_of(self, space) -> Role:
        """The role a space follows: in Active/Active its context's failover group (the system
        goes with group 1, as the admin context does), else the unit's."""
        if not self.groups:
            return self.unit_role
        group = self._contexts().group_of(space) if space.context_name else 1
        return self.groups.get(group, self.unit_role)

    def active_in(self, space) -> bool:
        """The space is active here: its traffic passes and its commands are entered here."""
        return self.role_of(space).machine.active

    def spaces_of(self, role: Role) -> list:
        return [space for space in self.spaces() if self.role_of(space) is role]

    def space_named(self, name: str | None):
        """The system (no name) or the running context of that name."""
        if not name:
            return self.system
        d = self._contexts().defs.get(str(name)) if self.system.multiple else None
        return d.space if d is not None else None

    @staticmethod
    def where(space) -> dict:
        """What a message says of the space it concerns: nothing for the system."""
        return {"context": space.context_name} if space.context_name else {}

    def _follow_machines(self, now: float) -> None:
        """The machines' times and policy as configured (a bulk sync brings them too). In
        Active/Active a machine per configured failover group: the unit's own is group 1's (the
        system and the admin context go with it), group 2 has one of its own."""
        config, unit = self.config, self.machine
        wanted = config.groups if self.system.multiple else {}
        self.unit_role.group = 1 if wanted else None
        kept, self.groups = self.groups, {}
        for number in sorted(wanted):
            if number == 1:
                self.groups[1] = self.unit_role
            else:
                self.groups[number] = kept.get(number) or Role(
                    FailoverMachine(True, lan=self.link.lan, wording=self.system.family), number)
        unit.primary, unit.preempt, unit.preferred = config.is_primary(), None, None
        unit.interface_policy = _policy(config.interface_policy)
        unit.interface_hold = config.interface_poll.hold_ms / 1000
        for number, group in wanted.items():
            machine = self.groups[number].machine
            machine.preferred = group.secondary != config.is_primary()
            if machine is not unit:
                machine.primary = machine.preferred
            machine.preempt = group.preempt
            machine.interface_policy = _policy(group.interface_policy)
            machine.interface_hold = group.interface_poll.hold_ms / 1000
        for role in self.roles:
            role.machine.poll, role.machine.hold = config.unit_poll.poll_ms / 1000, config.unit_poll.hold_ms / 1000
            role.machine.label = "Primary" if config.is_primary() else "Secondary"
            if unit.enabled and not role.machine.enabled:          # a group configured while running
                self.act(role.machine.enable(now), role)

    def _follow_spaces(self, now: float) -> None:
        """Watch the monitored interfaces of every space that carries traffic."""
        wanted = self.spaces()
        for space in [s for s in self.monitors if s not in wanted]:
            self._forget(space)
        for space in wanted:
            monitor = self.monitors.get(space)
            if monitor is None:
                monitor = self.monitors[space] = Monitoring(self, space)
                monitor.start(now)
                monitor.stations.on_learn = lambda iface, address, mac, space=space: \
                    self._arp_learned(space, iface, address, mac)
                if self.stateful is not None:
                    self.stateful.attach(space)
            else:
                monitor.refresh(now)
        self.count_failures(now)             # a context gone (or new) takes its failures with it

    def _forget(self, space) -> None:
        monitor = self.monitors.pop(space)
        monitor.stop()
        monitor.stations.on_learn = None
        if self.stateful is not None:
            self.stateful.detach(space)

    def _context_started(self, space) -> None:
        """A context started or stopped: follow it; one started by a command here goes to the
        mate whole (its configuration came from this unit's config-url)."""
        if not self.system.running():
            return
        self._follow_config()
        if space.started and not self._replicating and self.active_in(self.system):
            self._send_space(space)

    def _send_space(self, space, replace: bool = False) -> None:
        """A space's configuration to the mate (``replace``: in place of what the mate has)."""
        lines = space.running_config()
        for start in range(0, len(lines), 500):
            self.send("config", {"lines": lines[start:start + 500], **self.where(space),
                                  **({"replace": True} if replace and start == 0 else {})})

    # ------------------------------------------------------------ the machines' actions

    def act(self, actions, role: Role | None = None) -> None:
        role = role or self.unit_role
        extra = role is not self.unit_role        # group 2's machine in Active/Active
        for action in actions:
            if isinstance(action, Send):
                self.send(*self._message(action.message, role))
            elif isinstance(action, Switch):
                self._switched(role, action)
            elif isinstance(action, Syslog):
                failure = FAILURES.get(action.id)
                if failure is not None:
                    role.last_failure[failure[0]] = (failure[1], self.system.now())
                if extra and action.id not in GROUP_MESSAGES:
                    continue
                self.system.syslog(1, action.id, action.text)
                if failure is not None or action.id == 105005:
                    self.config.debug("fail", action.text)
            elif isinstance(action, SyncNeeded):
                if extra:
                    self._group_synced(role)
                else:
                    self._ask_for_config()
            elif isinstance(action, LanTest) and not extra:
                for monitor in self.monitors.values():
                    monitor.lantest()
        self.rearm()

    def _message(self, message: Hello | Order, role: Role) -> tuple[str, dict]:
        kind = "hello" if isinstance(message, Hello) else "order"
        body = dataclasses.asdict(message)
        if role is not self.unit_role:
            body["group"] = role.group
        if kind == "hello":
            body["active_time"] = role.machine.active_total(self.now())
        if kind == "hello" and role is self.unit_role:
            body["version"] = str(self.system.version)
            body["macs"] = self.system.unit.identity.macs
            body["interfaces"] = {k: v for m in self.monitors.values() for k, v in m.statuses().items()}
            body["identity"] = self.identity
            body["cfg"] = self.config_version
            body["partial"] = not self.complete
            body["synced"] = self.synced
            if self.stateful is not None:
                self.stateful.keepalive()
        return kind, body

    def _switched(self, role: Role, action: Switch) -> None:
        role.last_failover = self.system.now()
        group = f"Group {role.group} " if role.group else ""
        self.config.debug("switch", f"{group}{'Active' if action.active else 'Standby'} ({action.reason})")
        if action.active and self.stateful is not None:
            self.stateful.taking_over(self.spaces_of(role))
        for space in self.spaces_of(role):
            monitor = self.monitors.get(space)
            if monitor is not None:
                monitor.restart(self.now())
        if role is self.unit_role:
            if action.active:
                self._replicating = False    # a bulk sync cut short by the takeover is over
                self.synced = None           # changed here from now on: standing by again, resync
                for group in self.roles[1:]:  # groups that went standby before the unit settled
                    self._group_synced(group)
            elif self._mate_synced == (self.endpoint.epoch, self.config_version):
                self.synced = self._mate_cfg  # a planned switch: the mate holds what we held
        self._assume()

    def _group_synced(self, role: Role) -> None:
        """Group 2 goes standby: its contexts' configuration is the unit's, in step once the
        unit's own sync (if it needs one) is done."""
        if self.machine.active or self.machine.state == STANDBY_READY:
            self.act(role.machine.sync_done(self.now()), role)

    def _tick(self) -> None:
        if self.system.running():
            now = self.now()
            for monitor in list(self.monitors.values()):
                monitor.tick(now)
            self._all(lambda machine: machine.tick(now))

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
        self.send("state", {"want": "config"})

    # ------------------------------------------------------------ what monitoring reports

    def note(self, message_id: int, text: str) -> None:
        self.system.syslog(1, message_id, f"({self.machine.name}) {text}")
        self.config.debug("ifc" if 105003 <= message_id <= 105009 else "fail", text)

    def heard_on_interface(self, now: float) -> None:
        self._all(lambda machine: machine.hello(None, now, on_failover_link=False))

    def count_failures(self, now: float) -> None:
        """Each role's machine learns how many of its monitored interfaces failed."""
        counts = {role: 0 for role in self.roles}
        for space, monitor in self.monitors.items():
            counts[self.role_of(space)] += monitor.failed
        for role, count in counts.items():
            if count != role.failed_interfaces:
                role.failed_interfaces = count
                self.act(role.machine.interfaces_failed(count, now), role)

    def _all(self, call: Callable[[FailoverMachine], list]) -> None:
        """The same event to every machine: the unit's and each failover group's."""
        for role in self.roles:
            self.act(call(role.machine), role)

    # ------------------------------------------------------------ what the link reports

    def link_changed(self, up: bool) -> None:
        if self.system.running():
            now = self.now()
            self._all(lambda machine: machine.link(up, now))

    def mate_power(self, on: bool) -> None:
        if self.system.running() and not on:
            now = self.now()
            self._all(lambda machine: machine.mate_power_lost(now))

    def cable_silent(self) -> None:
        """Five retransmissions went unanswered on the cable."""
        if self.system.running():
            now = self.now()
            self._all(lambda machine: machine.cable_silent(now))

    def cable_plugs(self, ours: bool, theirs: bool) -> None:
        name = self.machine.name
        if not ours:
            self.system.syslog(1, 101003, f"({name}) Failover cable not connected (this unit).")
        elif not theirs:
            self.system.syslog(1, 101004, f"({name}) Failover cable not connected (other unit).")

    def rekey(self, key: str | None) -> None:
        """`failover key` changed: every link's messages from now on."""
        self.endpoint.key = key
        if self.stateful is not None:
            self.stateful.endpoint.key = key
        for monitor in self.monitors.values():
            monitor.rekey(key)
        self.decryption_failures = 0

    def send(self, kind: str, body: dict) -> None:
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
            role = self.groups.get(int(body["group"])) if "group" in body else self.unit_role
            if role is None:
                return                                  # a group not configured here
            if message.type == "hello" and role is not self.unit_role:
                self._mate_hello(role, self._hello_of(role, body, now), now)
            elif message.type == "hello":
                self._unit_hello(body, message.epoch, now)
            elif message.type == "update":
                if self.stateful is not None:
                    self.stateful.received(body)
            elif message.type == "order":
                self.act(role.machine.order(Order(str(body["role"]), str(body["reason"])), now), role)
            elif message.type == "file":
                self.files.received(str(body["line"]))
            elif message.type == "exec":
                self.exec_here(str(body["line"]), lambda output, ident=int(body["id"]): self._exec_reply(ident, output))
            elif message.type == "exec-reply":
                self._exec_answered(int(body["id"]), str(body["output"]), bool(body.get("more")))
            elif message.type == "reload" and not self.machine.active:
                self.system.unit.request_reload()
            elif message.type == "state" and body.get("want") == "config" and self.machine.active:
                self._bulk_sync()
            elif message.type == "state" and body.get("save"):
                space = self.space_named(body.get("context"))
                if space is not None:
                    space.write_startup(space.config_text())
            elif message.type == "sync-start" and not self.machine.active:
                self._sync_version = int(body.get("version", 0))
                self.complete = False
                self._replicating = True
                self.system.unit.console.write(f"{SYNC_STARTED}\n" if self._six else
                                               ".\n\n" + "".join(line + "\n" for line in RECEIVING))
                self.system.reset_config(keep=(type(self.config),))
            elif message.type == "config":
                self._config_received(body, message.epoch)
            elif message.type == "sync-end" and not self.machine.active:
                self._replicating = False
                self.complete = True
                self.synced = (message.epoch, self._sync_version)
                self.system.apply_factory_config()
                self._follow_config()
                self.system.unit.console.write(f"{SYNC_COMPLETED}\n" if self._six else f"{RECEIVED}\n\n" + self._prompt())
                self.act(self.machine.sync_done(now))
                for group in self.roles[1:]:
                    self._group_synced(group)
        except (KeyError, TypeError, ValueError):
            self.endpoint.dropped["malformed"] += 1

    def _hello_of(self, role: Role, body: dict, now: float) -> Hello:
        hello = Hello(bool(body["primary"]), str(body["state"]), int(body.get("failed_interfaces", 0)),
                      float(body.get("active_for", 0.0)), float(body.get("up_for", 0.0)))
        if hello.state == FAILED and role.machine.mate_state != FAILED:
            role.last_failure["other"] = ("Ifc Failure", self.system.now())
        role.mate_heard(float(body.get("active_time", 0.0)), now, hello.state in ACTIVE_STATES)
        return hello

    def _mate_hello(self, role: Role, hello: Hello, now: float) -> None:
        """The mate's state for a role: when it has just become ready to take over, the active
        unit sends it the connections of the role's spaces."""
        mate_was = role.machine.mate_state
        self.act(role.machine.hello(hello, now), role)
        if hello.state == STANDBY_READY and mate_was != STANDBY_READY and role.machine.active \
                and self.stateful is not None:
            self.stateful.bulk(self.spaces_of(role))

    def _unit_hello(self, body: dict, epoch: int, now: float) -> None:
        self.mate_version = str(body.get("version", ""))
        macs = [mac_text(mac_bytes(str(mac))) for mac in body.get("macs", [])]
        if macs != self.mate_macs:
            self.mate_macs = macs
            self._assume()
        hello = self._hello_of(self.unit_role, body, now)
        self.mate_status = {str(k): str(v) for k, v in dict(body.get("interfaces", {})).items()}
        if not self._compatible(dict(body.get("identity", {})), hello.state, epoch, now):
            return
        self._mate_cfg = (epoch, int(body.get("cfg", 0)))
        synced = body.get("synced")
        self._mate_synced = (int(synced[0]), int(synced[1])) if synced else None
        self._mate_hello(self.unit_role, hello, now)
        if hello.state in ACTIVE_STATES and not body.get("partial"):
            # (a mate that became active in the middle of a bulk sync has a partial
            # configuration: keep ours, to be pushed back with `write standby`)
            self._check_synced(self._mate_cfg, now)

    def _config_received(self, body: dict, epoch: int) -> None:
        """Lines from the mate where the space is active (or all of them, in a bulk sync)."""
        space = self.space_named(body.get("context"))
        if space is None or not (self._replicating or not self.active_in(space)):
            return
        if body.get("replace") and space is not self.system:
            space.reset_config(keep=(Interfaces,))      # (the system allocates its interfaces)
        self._apply(space, body.get("lines", []))
        if "version" in body and self.synced == (epoch, int(body["version"]) - 1):
            self.synced = (epoch, int(body["version"]))

    def _compatible(self, mate: dict, mate_state: str, epoch: int, now: float) -> bool:
        """Check the mate (logging what differs once per mate boot); an incompatible mate makes
        this unit fail unless it is, or is to be, the active one. False: ignore the hello."""
        mismatches = compat.check(self.identity, mate, self.machine.primary)
        if epoch != self._logged_mismatch:
            self._logged_mismatch = epoch
            for mismatch in mismatches:
                self.note(mismatch.id, mismatch.text)
        if not any(m.fatal for m in mismatches):
            return True
        self.act(self.machine.incompatible(mate_state, now))
        for group in self.roles[1:]:
            self.act(group.machine.incompatible(group.machine.mate_state, now), group)
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
        self.send("exec", {"id": ident, "line": line})
        self.system.unit.clock.call_later(EXEC_TIMEOUT, lambda: self._exec_answered(ident, None, False))

    def _exec_reply(self, ident: int, output: str) -> None:
        chunks = [output[i:i + EXEC_CHUNK] for i in range(0, len(output), EXEC_CHUNK)] or [""]
        for number, chunk in enumerate(chunks, 1):
            self.send("exec-reply", {"id": ident, "output": chunk, "more": number < len(chunks)})

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
        self.send("reload", {})

    # ------------------------------------------------------------ addresses and MACs

    def _assume(self) -> None:
        """Each space holds the addresses of its role, with the role's MACs: where it is active
        the primary unit's (or the configured virtual ones), where it stands by the secondary's."""
        for space in self.spaces():
            role = self.role_of(space)
            space.feature(Interfaces).stations.assume(role.machine.active, self._macs(role, space))

    def _macs(self, role: Role, space) -> dict[int, tuple[bytes, bytes]]:
        """The primary's MACs for active, the secondary's for standby; a context's own
        (`mac-address auto`) over those; the configured virtual ones over all."""
        own = [mac_bytes(mac) for mac in self.system.unit.identity.macs]
        mate = [mac_bytes(mac) for mac in self.mate_macs] if len(self.mate_macs) == len(own) else own
        primary, secondary = (own, mate) if self.config.is_primary() else (mate, own)
        macs = {index: (primary[index], secondary[index]) for index in range(len(own))}
        macs.update(space.feature(Interfaces).auto_macs())
        virtual = self.config.groups[role.group].mac if role.group else self.config.mac
        for hw, (active, standby) in virtual.items():
            iface = self.interfaces.by_hw(hw)
            if iface is not None:
                macs[iface.index] = (mac_bytes(active), mac_bytes(standby))
        return macs

    # ------------------------------------------------------------ replication

    def _saved(self, space, session) -> None:
        """`write memory` where the session's space is active saves on the mate too."""
        if self.active_in(session.system):
            self.send("state", {"save": True, **self.where(space)})

    def write_standby(self, space) -> None:
        """`write standby`: the standby starts over from the active unit's whole configuration;
        entered in a context, the mate's context starts over from this one's."""
        if space is self.system:
            self._bulk_sync()
        else:
            self._send_space(space, replace=True)

    def _bulk_sync(self) -> None:
        """The system's configuration, then each context's."""
        self.config.debug("sync", f"sending the configuration to the mate (version {self.config_version})")
        console = self.system.unit.console
        console.write((SYNC_STARTED if self._six else SENDING) + "\n")
        self.send("sync-start", {"version": self.config_version})
        for space in [self.system] + (self.spaces() if self.system.multiple else []):
            self._send_space(space)
        self.send("sync-end", {})
        console.write((SYNC_COMPLETED if self._six else SENT) + "\n")

    def _apply(self, space, lines: list[str]) -> None:
        was, self._replicating = self._replicating, True     # within a bulk sync it stays on
        try:
            space.apply_config("\n".join(str(line) for line in lines if not str(line).startswith(NOT_REPLICATED)),
                               transport="failover")
        finally:
            self._replicating = was
        self._follow_config()

    def _follow_config(self) -> None:
        """Groups, addresses, MACs, monitored interfaces and the state link as the configuration
        now says."""
        now = self.now()
        self._follow_machines(now)
        self._follow_state_link()
        self._follow_spaces(now)
        self._assume()
        self.rearm()

    def _follow_state_link(self) -> None:
        wanted = StateLink.configured(self.config)
        current = self.stateful
        if current is not None and (not wanted or current.interface != self.config.state_link):
            current.close()
            self.stateful = current = None
        if current is None and wanted:
            self.stateful = StateLink(self, self.config)
            for space in self.monitors:
                self.stateful.attach(space)

    def _arp_learned(self, space, iface, address: str, mac: bytes) -> None:
        if self.stateful is not None:
            self.stateful.arp_learned(space, iface, address, mac)

    def _config_changed(self, user: str, line: str, session) -> None:
        """Command replication from the unit where the command's space is active; a warning
        where it stands by."""
        if self._replicating:
            return
        self._follow_config()
        if session.transport in ("config", "failover"):
            return
        space = session.system
        if self.active_in(space):
            if not line.startswith(NOT_REPLICATED):
                # A sub-mode command travels with the commands that entered its mode.
                self.config_version += 1
                self.send("config", {"lines": session.mode_path() + [line], "version": self.config_version,
                                      **self.where(space)})

    def _prompt(self) -> str:
        """The console's prompt, drawn again after the replication messages (001)."""
        session = self.system.unit.console_session
        return session.prompt() if session is not None and not session.busy else ""

    def _command_typed(self, session) -> None:
        """001: every command typed where its space stands by, configuration or not, is told
        that nothing goes from here to the active unit."""
        if self.machine.enabled and self.role_of(session.system).machine.state in STANDBY_STATES:
            session.sink(STANDBY_WARNING + "\n")
