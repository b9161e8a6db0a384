"""Failover on a booted unit: the glue between the sans-IO cores of vpix/failover (the
machines, the wire messages, the replication core, the links) and the system they serve.

The runtime reaches the unit only through the UnitServices it is given. It decodes each
message from the mate once (failover/messages.py) and hands it to the handler of its class;
the machines' and the replication core's actions come back here to be carried out: messages
sent, lines applied, the console written, addresses and MACs taken."""

from __future__ import annotations

import dataclasses
import secrets
from collections import deque
from dataclasses import dataclass
from typing import Callable

from vpix.clock import Alarm, Clock
from vpix.failover import compat, messages, replication
from vpix.failover.links import CableLink, LanLink
from vpix.failover.machine import (ACTIVE_STATES, COLD_STANDBY, FAILED, STANDBY_READY, STANDBY_STATES,
                                   FailoverMachine, Hello, LanTest, Order, Send, Switch, SyncNeeded, Syslog)
from vpix.failover.replication import Replication
from vpix.failover.roles import Role
from vpix.features.failover.monitoring import Monitoring
from vpix.features.failover.stateful import StateLink
from vpix.features.interfaces import Interfaces
from vpix.features.license import Licensing
from vpix.net.packets import mac_bytes, mac_text

# Syslog messages that record a unit's last failure for `show failover state`: id -> (unit, reason)
FAILURES = {103001: ("other", "Comm Failure"), 104003: ("this", "Ifc Failure")}
# What a failover group's machine says for itself; the unit's machine says the rest, once
GROUP_MESSAGES = (104001, 104002, 104003, 104004)

FAILED_RETRY_6X = 15.0               # PIX 6.x: a failed unit tries standby again after this
FILE_TRANSPORT = "failover"          # the session replicated commands run in: not replicated again

STANDBY_WARNING = ("**** WARNING **** Configuration Replication is NOT performed from Standby unit to Active unit.\n"
                   "\tConfigurations are no longer synchronized.")


@dataclass(frozen=True)
class UnitServices:
    """What failover uses of the unit it runs on."""

    clock: Clock
    console: Callable[[str], None]       # writes to the console
    prompt: Callable[[], str]            # the console's prompt, to draw again ("" while a command runs)
    reload: Callable[[], None]
    ports: list                          # the unit's ports, by interface index
    macs: list[str]                      # its burnt-in MACs, by interface index
    cable: object | None                 # its end of the serial failover cable, if one is in


def _policy(words: str) -> int:
    """`failover interface-policy 2` or `50%`: the number the machine compares failures with."""
    return int(words.rstrip("%"))


def _identity(system, config) -> dict:
    """What this unit tells its mate about itself (failover/compat.py checks it)."""
    running = system.feature(Licensing).running
    crypto = "3DES" if running.vpn_3des else "DES" if running.vpn_des else "none"
    return {"platform": system.hw.model, "interfaces": len(system.hw.interfaces),
            "version": str(system.version), "license": running.kind, "crypto": crypto,
            "mode": "multiple" if system.multiple else "single",
            "active_active": bool(config.groups)}


class FailoverRuntime:
    def __init__(self, system, config, services: UnitServices):
        self.system = system
        self.config = config
        self.services = services
        self.pairing = messages.Pairing(secrets.randbits(32) or 1)
        self.endpoint = messages.Endpoint(secrets.randbits(32), config.key, self.pairing)
        cable = services.cable if not config.lan_enabled else None
        self.link = CableLink(self, cable, services.clock) if cable is not None else \
            self.lan_link(config.lan_interface, self.link_changed)
        # its times and policy come from the configuration, as it changes (_follow_machines)
        self.unit_role = Role(FailoverMachine(config.is_primary(), lan=self.link.lan, wording=system.family,
                                              retry_failed=FAILED_RETRY_6X if system.family == "6.x" else None))
        self.groups: dict[int, Role] = {}        # Active/Active: a role per failover group
        self.replication = Replication(self.endpoint.epoch, six=system.family == "6.x")
        self.mate_version: str | None = None
        self.mate_macs: list[str] = []
        self.decryption_failures = 0
        self._alarm = Alarm(services.clock, self._tick)
        self._applying = False                   # running the mate's lines: nothing goes back
        self._pending: deque = deque()           # the replication core's actions still to carry out
        self._draining = False
        self._next_turn = Alarm(services.clock, self._drain)
        self.monitors: dict = {}                 # space -> its Monitoring
        self.mate_status: dict[str, str] = {}    # what the mate reports of its monitored interfaces
        self.stateful: StateLink | None = None
        self.identity = _identity(system, config)
        self._logged_mismatch: int | None = None       # the mate's epoch whose mismatches are logged
        self._exec_session = None                # where `failover exec` commands run on this unit
        self._exec_done: dict[int, Callable[[str | None], None]] = {}
        self._file_session = None                # where the mate's file commands run again
        self._handlers: dict[type, Callable[[messages.Message], None]] = {
            messages.Hello: self._on_hello, messages.Order: self._on_order, messages.Update: self._on_update,
            messages.File: self._on_file, messages.Exec: self._on_exec, messages.ExecReply: self._on_exec_reply,
            messages.Reload: self._on_reload, messages.WantConfig: self._on_want_config,
            messages.Save: self._on_save, messages.SyncStart: self._on_sync_start,
            messages.Config: self._on_config, messages.SyncEnd: self._on_sync_end}

    # ------------------------------------------------------------ life

    def _listeners(self) -> list[tuple[list, Callable]]:
        system = self.system
        return [(system.change_listeners, self._config_changed),
                (system.context_change_listeners, self._config_changed),
                (system.save_listeners, self._saved), (system.context_listeners, self._context_started),
                (system.file_listeners, self._file_command), (system.command_listeners, self._command_typed)]

    def start(self) -> None:
        for listeners, listener in self._listeners():
            listeners.append(listener)
        self._follow_config()
        self.enable()

    def stop(self) -> None:
        self._alarm.cancel()
        for space in list(self.monitors):
            self._forget(space)
        if self.stateful is not None:
            self.stateful.close()
        self.link.close()
        if self._file_session is not None:
            self.system.close_session(self._file_session)
            self._file_session = None
        self._next_turn.cancel()
        self._pending.clear()                    # what was still to go to the mate goes nowhere now
        self._draining = False
        self.perform(self.replication.close())
        for listeners, listener in self._listeners():
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

    def operate(self, command: str, group: int | None = None) -> None:
        """An operator command (`failover active`, `no failover active`, `failover reset`) to
        the failover group named, else to the unit's machine and every group's."""
        now = self.now()
        for role in [self.groups[group]] if group is not None else self.roles:
            self.act(getattr(role.machine, command)(now), role)

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
    def interfaces(self) -> Interfaces:
        """The interfaces feature of now: a standby's bulk sync replaces it."""
        return self.system.feature(Interfaces)

    def now(self) -> float:
        return self.services.clock.monotonic()

    def rearm(self) -> None:
        times = [r.machine.deadline for r in self.roles] + [m.deadline for m in self.monitors.values()] + \
            [self.replication.deadline]
        self._alarm.set(min((t for t in times if t is not None), default=None))

    def lan_link(self, interface: tuple[str, str], on_link: Callable[[bool], None] = lambda up: None) -> LanLink:
        """A LAN link to the mate on a failover interface (the failover link, or the state link)."""
        name, hw = interface
        address = self.config.link_address(name)
        own, mate = address.ends(self.config.is_primary())
        index = self.interfaces.by_hw(hw).index
        stations = self.interfaces.stations
        stations.reserve(index)            # (6.x names and addresses the interface too)
        return LanLink(self.services.ports[index], self.services.clock, own, mate, address.mask, self.received,
                       on_link, release=lambda: stations.release(index))

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
        if space.started and not self._quiet and self.active_in(self.system):
            self.perform(self.replication.space(space.context_name or "", space.running_config()))

    # ------------------------------------------------------------ the machines' actions

    def act(self, actions, role: Role | None = None) -> None:
        role = role or self.unit_role
        extra = role is not self.unit_role        # group 2's machine in Active/Active
        for action in actions:
            if isinstance(action, Send):
                self.send(self._message(action.message, role))
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
                    self.perform(self.replication.ask(self.now()))
            elif isinstance(action, LanTest) and not extra:
                for monitor in self.monitors.values():
                    monitor.lantest()
        self.rearm()

    def _message(self, message: Hello | Order, role: Role) -> Hello | Order:
        """The machine's message as it goes: a group's names its group; the unit's hello says
        what the unit is and holds."""
        if role is not self.unit_role:
            message = dataclasses.replace(message, group=role.group)
        if isinstance(message, Order):
            return message
        message = dataclasses.replace(message, active_time=role.machine.active_total(self.now()))
        if role is not self.unit_role:
            return message
        if self.stateful is not None:
            self.stateful.keepalive()
        return dataclasses.replace(
            message, version=str(self.system.version), macs=tuple(self.services.macs),
            interfaces={k: v for m in self.monitors.values() for k, v in m.statuses().items()},
            identity=self.identity, **self.replication.hello_fields())

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
            self.replication.switched(action.active)
            if action.active:
                for group in self.roles[1:]:  # groups that went standby before the unit settled
                    self._group_synced(group)
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
            self.perform(self.replication.tick(now))

    # ------------------------------------------------------------ the replication core's actions

    def perform(self, actions: list, later: bool = False) -> None:
        """Carry out the replication core's actions in order, one message to the mate per turn
        of the clock: a bulk sync goes out (and is applied on the mate) a chunk at a time, so
        neither unit stops answering its timers, consoles and packets meanwhile, and what is
        replicated after it (a command typed in the middle) keeps its place behind it.
        ``later``: from the next turn on (after the command that asked has answered)."""
        self._pending.extend(actions)
        if not self._draining:
            if later:
                self._draining = True
                self._next_turn.set(self.now())
            else:
                self._drain()

    def _drain(self) -> None:
        self._draining = True
        sent = False
        while self._pending and not (sent and isinstance(self._pending[0], replication.Send)):
            action = self._pending.popleft()
            sent = sent or isinstance(action, replication.Send)
            self._carry_out(action)
        if self._pending:
            self._next_turn.set(self.now())
        else:
            self._draining = False
        self.rearm()

    def _carry_out(self, action) -> None:
        if isinstance(action, replication.Send):
            self.send(action.message)
        elif isinstance(action, replication.Apply):
            self._apply(action)
        elif isinstance(action, replication.Restart):
            self.system.reset_config(keep=(type(self.config),))
        elif isinstance(action, replication.Adopt):
            self._adopt()
        elif isinstance(action, replication.Store):
            space = self.space_named(action.context)
            if space is not None:
                space.write_startup(space.config_text())
        elif isinstance(action, replication.Tell):
            self.services.console(action.text + (self.services.prompt() if action.prompt else ""))
        elif isinstance(action, replication.RunFile):
            self._run_file(action.line)
        elif isinstance(action, replication.ExecDone):
            done = self._exec_done.pop(action.id, None)
            if done is not None:
                done(action.output)

    @property
    def _quiet(self) -> bool:
        """What changes now came from the mate: nothing goes back."""
        return self._applying or self.replication.receiving

    def _apply(self, action: replication.Apply) -> None:
        space = self.space_named(action.context)
        if space is None:
            return
        if action.replace and space is not self.system:
            space.reset_config(keep=(Interfaces,))      # (the system allocates its interfaces)
        was, self._applying = self._applying, True
        try:
            space.apply_config("\n".join(action.lines), transport="failover")
        finally:
            self._applying = was
        self._follow_config()

    def _adopt(self) -> None:
        """A bulk sync is complete: the factory defaults under what came, and the machines on."""
        self.system.apply_factory_config()
        self._follow_config()
        self.act(self.machine.sync_done(self.now()))
        for group in self.roles[1:]:
            self._group_synced(group)

    def _run_file(self, line: str) -> None:
        if self._file_session is None or self._file_session.closed:
            self._file_session = self.system.open_session(FILE_TRANSPORT, priv=15, interactive=False)
        self._file_session.submit(line, lambda: self.perform(self.replication.file_ran()))

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

    def send(self, message) -> None:
        if isinstance(message, messages.Order) and self.stateful is not None:
            self.stateful.flush()
        if self.config.debugging.get("tx"):
            self.config.debug("tx", messages.describe(message))
        self.link.send(self.endpoint.pack(message))

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
                    self.services.console(messages.DECRYPTION_FAILURE + "\n")
            return
        if self.config.debugging.get("rx"):
            self.config.debug("rx", messages.describe(message.body))
        handler = self._handlers.get(type(message.body))
        if handler is not None:
            handler(message)

    def _on_hello(self, message: messages.Message) -> None:
        hello: Hello = message.body
        now = self.now()
        if hello.group:
            role = self.groups.get(hello.group)
            if role is not None:                        # (a group not configured here: ignored)
                self._heard(role, hello, now)
                self._mate_hello(role, hello, now)
            return
        self.mate_version = hello.version
        macs = [mac_text(mac_bytes(mac)) for mac in hello.macs]
        if macs != self.mate_macs:
            self.mate_macs = macs
            self._assume()
        self._heard(self.unit_role, hello, now)
        self.mate_status = dict(hello.interfaces)
        if not self._compatible(hello.identity, hello.state, message.epoch, now):
            return
        self.replication.mate_holds(message.epoch, hello.cfg, hello.synced)
        self._mate_hello(self.unit_role, hello, now)
        if hello.state in ACTIVE_STATES and not hello.partial:
            # (a mate that became active in the middle of a bulk sync has a partial
            # configuration: keep ours, to be pushed back with `write standby`)
            self.perform(self.replication.catch_up(now, self.machine.hold, self.machine.state in STANDBY_STATES,
                                                   self.machine.state == COLD_STANDBY))

    def _heard(self, role: Role, hello: Hello, now: float) -> None:
        """The mate's failure and Active time, kept for `show failover`."""
        if hello.state == FAILED and role.machine.mate_state != FAILED:
            role.last_failure["other"] = ("Ifc Failure", self.system.now())
        role.mate_heard(hello.active_time, now, hello.state in ACTIVE_STATES)

    def _mate_hello(self, role: Role, hello: Hello, now: float) -> None:
        """The mate's state for a role: when it has just become ready to take over, the active
        unit sends it the connections of the role's spaces."""
        mate_was = role.machine.mate_state
        self.act(role.machine.hello(hello, now), role)
        if hello.state == STANDBY_READY and mate_was != STANDBY_READY and role.machine.active \
                and self.stateful is not None:
            self.stateful.bulk(self.spaces_of(role))

    def _on_order(self, message: messages.Message) -> None:
        order: Order = message.body
        role = self.groups.get(order.group) if order.group else self.unit_role
        if role is not None:
            self.act(role.machine.order(order, self.now()), role)

    def _on_update(self, message: messages.Message) -> None:
        if self.stateful is not None:
            self.stateful.received(message.body)

    def _on_file(self, message: messages.Message) -> None:
        if not self.active_in(self.system):
            self.perform(self.replication.file_received(message.body))

    def _on_exec(self, message: messages.Message) -> None:
        ident = message.body.id
        self.exec_here(message.body.line, lambda output: self.perform(self.replication.exec_answer(ident, output)))

    def _on_exec_reply(self, message: messages.Message) -> None:
        self.perform(self.replication.exec_reply(message.body))

    def _on_reload(self, message: messages.Message) -> None:
        if not self.machine.active:
            self.services.reload()

    def _on_want_config(self, message: messages.Message) -> None:
        if self.machine.active:
            self._bulk_sync()

    def _on_save(self, message: messages.Message) -> None:
        self.perform(self.replication.store(message.body))

    def _on_sync_start(self, message: messages.Message) -> None:
        if not self.machine.active:
            self.perform(self.replication.sync_started(message.body))

    def _on_config(self, message: messages.Message) -> None:
        """Lines from the mate where the space stands by (or all of them, in a bulk sync)."""
        space = self.space_named(message.body.context)
        if space is not None and (self.replication.receiving or not self.active_in(space)):
            self.perform(self.replication.config(message.body, message.epoch))

    def _on_sync_end(self, message: messages.Message) -> None:
        if not self.machine.active:
            self.perform(self.replication.sync_ended(message.epoch))

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
        ident, actions = self.replication.exec_sent(line, self.now())
        self._exec_done[ident] = done
        self.perform(actions)

    def reload_standby(self) -> None:
        self.send(messages.Reload())

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
        own = [mac_bytes(mac) for mac in self.services.macs]
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
            self.perform(self.replication.saved(space.context_name or ""))

    def _file_command(self, line: str, session) -> None:
        """A file command finished here: where the system is active, the mate runs it too."""
        if session.transport != FILE_TRANSPORT and self.active_in(self.system):
            self.perform(self.replication.file_command(line))

    def write_standby(self, space) -> None:
        """`write standby`: the standby starts over from the active unit's whole configuration;
        entered in a context, the mate's context starts over from this one's."""
        if space is self.system:
            self._bulk_sync(later=True)
        else:
            self.perform(self.replication.space(space.context_name, space.running_config(), replace=True), later=True)

    def _bulk_sync(self, later: bool = False) -> None:
        """The system's configuration, then each context's."""
        self.config.debug("sync", f"sending the configuration to the mate (version {self.replication.version})")
        spaces = [self.system] + (self.spaces() if self.system.multiple else [])
        self.perform(self.replication.bulk([(space.context_name or "", space.running_config()) for space in spaces]),
                     later)

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
        if self._quiet:
            return
        self._follow_config()
        if session.transport in ("config", "failover"):
            return
        space = session.system
        if self.active_in(space):
            self.perform(self.replication.command(session.mode_path(), line, space.context_name or ""))

    def _command_typed(self, session) -> None:
        """001: every command typed where its space stands by, configuration or not, is told
        that nothing goes from here to the active unit."""
        if self.machine.enabled and self.role_of(session.system).machine.state in STANDBY_STATES:
            session.sink(STANDBY_WARNING + "\n")

