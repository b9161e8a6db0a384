"""Failover hellos on the monitored interfaces and the watch on each of them.

Every interface poll the unit sends a hello (IP protocol 105, from its address on the
interface to the mate's) on each monitored interface that has a standby address; what it
hears feeds that interface's watch (failover/watch.py). Each interface sends with its own
sequence space, since the paths do not keep order between them. The runtime owns one per
space whose interfaces carry traffic (the single-mode system, or each security context),
asks each for its next deadline, and counts their failures for the role they belong to.
"""

from __future__ import annotations

import secrets
from vpix.failover import messages
from vpix.failover.watch import FAILED, FAILED_WAITING, LINK_DOWN, NORMAL, WAITING, InterfaceWatch, Note, Probe
from vpix.features.interfaces import Interfaces

UNKNOWN = "Unknown"


def monitored_interfaces(config, interfaces) -> list:
    """Named interfaces that are not shut down, but the failover and state links and
    `no monitor-interface` ones."""
    dedicated = {link[0] for link in (config.lan_interface, config.state_link) if link}
    return [iface for iface in interfaces.named()
            if iface.up and iface.nameif not in dedicated and iface.nameif not in config.unmonitored]


class Monitoring:
    def __init__(self, runtime, space):
        self.runtime = runtime
        self.space = space
        self.system = runtime.system
        self.config = runtime.config
        self.label = f"{space.context_name} " if space.context_name else ""   # `show failover` names the context
        self.stations = self.interfaces.stations             # survives a bulk sync (adopted)
        self.watches: dict[str, InterfaceWatch] = {}
        self.failed = 0
        self._senders: dict[str, messages.Endpoint] = {}
        self._listeners: dict[int, tuple] = {}      # port index -> (the port, its link listener)
        self._receiver = messages.Endpoint(0, self.config.key)
        self._next_hello = 0.0

    def restart(self, now: float) -> None:
        """A failover: every interface waits for the mate's hellos again."""
        for watch in self.watches.values():
            self._act(watch, watch.restart(now))

    def rekey(self, key: str | None) -> None:
        for endpoint in [self._receiver, *self._senders.values()]:
            endpoint.key = key

    @property
    def interfaces(self) -> Interfaces:
        """The interfaces feature of now: a standby's bulk sync replaces it."""
        return self.space.feature(Interfaces)

    def start(self, now: float) -> None:
        self.stations.bind(messages.PROTO_FAILOVER, self._received)
        self.stations.on_frame = self._frame
        self._next_hello = now
        self.refresh(now)

    def stop(self) -> None:
        self.stations.bind(messages.PROTO_FAILOVER, None)
        self.stations.on_frame = None
        for port, listener in self._listeners.values():
            port.link_listeners.remove(listener)
        self._listeners.clear()

    # ------------------------------------------------------------ which interfaces

    def refresh(self, now: float) -> None:
        """Follow the configuration: a watch per monitored interface."""
        poll = self.config.interface_poll
        wanted = {iface.nameif: iface for iface in monitored_interfaces(self.config, self.interfaces)}
        for name in list(self.watches):
            if name not in wanted:
                del self.watches[name], self._senders[name]
        for name, iface in wanted.items():
            watch = self.watches.get(name)
            if watch is None:
                watch = self.watches[name] = InterfaceWatch(name, poll.poll_ms / 1000, poll.hold_ms / 1000,
                                                            hellos_needed=2 if self.system.family == "6.x" else 1)
                watch.start(now)
                if not iface.link:
                    watch.link(False, now)
                self._senders[name] = messages.Endpoint(secrets.randbits(32), self.config.key)
            if iface.index not in self._listeners:          # one per port, whatever it is named
                listener = lambda up, index=iface.index: self._link(index, up)     # noqa: E731
                self._listeners[iface.index] = (iface.port, listener)
                iface.port.link_listeners.append(listener)
            watch.poll, watch.hold = poll.poll_ms / 1000, poll.hold_ms / 1000

    # ------------------------------------------------------------ time

    @property
    def deadline(self) -> float | None:
        times = [w.deadline for w in self.watches.values() if w.deadline is not None]
        return min(times + [self._next_hello]) if self.watches else None

    def tick(self, now: float) -> None:
        present = self.mate_present
        for watch in list(self.watches.values()):
            self._act(watch, watch.mate(present, now))
            self._act(watch, watch.tick(now))
        if now >= self._next_hello:
            self._next_hello = now + self.config.interface_poll.poll_ms / 1000
            self._hellos()
        self._count_failures(now)

    def _hellos(self, kind: type = messages.Hello) -> None:
        for name in self.watches:
            self._send(name, kind)

    def lantest(self) -> None:
        """Ask the mate on every monitored interface to answer at once."""
        self._hellos(messages.LanTest)

    def _send(self, name: str, kind: type) -> None:
        iface = self.interfaces.by_name(name)
        stack = self.stations.stack(iface)
        mate = iface.standby if self.stations.active else iface.ip
        if stack is not None and iface.standby and mate:
            body = kind(self.runtime.machine.primary, self.runtime.machine.state)
            stack.send_ip(mate, messages.PROTO_FAILOVER, self._senders[name].pack(body))

    # ------------------------------------------------------------ what comes in

    def _received(self, iface, payload: bytes, source: str) -> None:
        if not self.system.running():
            return
        message = self._receiver.unpack(payload)
        watch = self.watches.get(iface.nameif)
        if message is None or not isinstance(message.body, messages.OPEN) or watch is None:
            return
        if isinstance(message.body, messages.LanTest):
            self._send(iface.nameif, messages.Hello)
        now = self.runtime.now()
        self._act(watch, watch.hello(now))
        self.runtime.heard_on_interface(now)
        self._count_failures(now)

    def _frame(self, iface) -> None:
        watch = self.watches.get(iface.nameif)
        if watch is not None:
            watch.frame()

    def _link(self, index: int, up: bool) -> None:
        iface = next((i for i in self.interfaces.all if i.index == index), None)
        watch = self.watches.get(iface.nameif) if iface is not None else None
        if watch is not None and self.system.running():
            now = self.runtime.now()
            self._act(watch, watch.link(up, now))
            self._count_failures(now)
            self.runtime.rearm()

    def _act(self, watch: InterfaceWatch, actions: list) -> None:
        for action in actions:
            if isinstance(action, Note):
                self.runtime.note(action.id, action.text)
            elif isinstance(action, Probe):
                stack = self.stations.stack(self.interfaces.by_name(watch.name))
                if stack is not None:
                    stack.provoke(action.kind)

    # ------------------------------------------------------------ status

    def status(self, name: str) -> str:
        watch = self.watches.get(name)
        if watch is None:
            return "Normal (Not-Monitored)"
        if watch.status != FAILED:
            return watch.status
        mate = self.mate_status(name)
        if mate in (FAILED, LINK_DOWN, UNKNOWN):
            return UNKNOWN            # failed on both units: no unit is better off
        if mate == NORMAL and self._compared(watch):
            return FAILED
        return WAITING                # until the mate says its side works, nothing is compared

    def _compared(self, watch: InterfaceWatch) -> bool:
        """The mate has spoken since the test failed here, so what it says of its side of the
        interface is news: a mate that went quiet can't confirm that its side still works."""
        heard = self.runtime.machine.heard_at
        return heard is not None and heard >= watch.decided

    @property
    def mate_present(self) -> bool:
        """The mate unit is there: heard on the failover link, whatever state it is in."""
        return self.runtime.machine.mate_heard

    def mate_status(self, name: str) -> str:
        """What the mate reports of its interface; a mate that is gone waits."""
        if not self.mate_present:
            return WAITING
        return self.runtime.mate_status.get(self.label + name, WAITING)

    def statuses(self) -> dict[str, str]:
        return {self.label + name: self.status(name) for name in self.watches}

    def _count_failures(self, now: float) -> None:
        failed = sum(1 for name in self.watches if self.status(name) in (FAILED, FAILED_WAITING, LINK_DOWN))
        if failed != self.failed:
            self.failed = failed
            self.runtime.count_failures(now)
