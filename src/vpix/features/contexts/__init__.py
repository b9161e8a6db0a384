"""Multiple context mode (7.x): the security contexts the system execution space defines
(`admin-context`, `context` with `description`, `allocate-interface`, `config-url`,
`join-failover-group`), each a space of its own; `mode`, `changeto`, `show mode`, `show context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from vpix.cli.registry import mode
from vpix.features import SYSTEM, Feature
from vpix.features.interfaces import Interfaces
from vpix.features.endpoint import endpoint
from vpix.transfer.remote import fetch, is_remote
from vpix.versions import VersionRange

if TYPE_CHECKING:
    from vpix.system.context import Context

mode("config-ctx", "(config-ctx)")


@dataclass
class ContextDef:
    """A `context` block of the system configuration and the context it runs."""

    name: str
    space: "Context"
    description: str | None = None
    member: str | None = None                # its resource class, when not the default one
    allocated: dict[str, str | None] = field(default_factory=dict)   # physical hw id -> mapped name
    group: int | None = None                 # `join-failover-group`, when entered
    fetching: bool = False                   # its configuration is on its way from a server

    @property
    def url(self) -> str | None:
        return self.space.url

    @property
    def failover_group(self) -> int:
        """Unassigned contexts are in failover group 1."""
        return self.group or 1


def licensed_contexts(system) -> int:
    """User contexts the license allows (none: no multiple mode); the admin context does not count."""
    from vpix.features.license import Licensing

    return system.feature(Licensing).running.contexts


class Contexts(Feature):
    spaces = frozenset({SYSTEM})
    versions = VersionRange.parse("7.x")

    def __init__(self, system):
        super().__init__(system)
        self.admin: str | None = None
        self.defs: dict[str, ContextDef] = {}      # in the order they were created
        self.mac_auto = False                      # `mac-address auto`: shared interfaces get MACs of their own
        self._numbers = 0

    # ------------------------------------------------------------ configuration

    def render(self, full):
        lines = [f"admin-context {self.admin}"] if self.admin else []
        for d in self.defs.values():
            lines.append(f"context {d.name}")
            if d.description:
                lines.append(f"  description {d.description}")
            if d.member:
                lines.append(f"  member {d.member}")
            for physical, mapped in d.allocated.items():
                lines.append(f"  allocate-interface {physical}{' ' + mapped if mapped else ''}")
            if d.url:
                lines.append(f"  config-url {d.url}")
            if d.group is not None:
                lines.append(f"  join-failover-group {d.group}")
            lines.append("!")
        return [("mac-address", ["mac-address auto"] if self.mac_auto else []), ("context", lines)]

    def start(self) -> None:
        for d in self.defs.values():
            if d.url and not d.fetching:
                d.space.start()
        system = self.system     # a system interface shut or opened: the contexts' stations follow
        system.change_listeners.append(lambda *_: system.feature(Contexts).follow_interfaces())

    def stop(self) -> None:
        for d in self.defs.values():
            d.space.stop()

    def adopt(self, old: "Contexts") -> None:
        """A configuration reset (a standby's bulk sync): the old contexts end; the new
        configuration creates them again."""
        for name in list(old.defs):
            old.remove(name)

    # ------------------------------------------------------------ contexts

    def active(self) -> list[ContextDef]:
        """The contexts that have their configuration (a `config-url`), as `show context` counts."""
        return [d for d in self.defs.values() if d.url]

    def admin_space(self) -> Context | None:
        d = self.defs.get(self.admin or "")
        return d.space if d is not None and d.url else None

    def create(self, name: str) -> ContextDef:
        from vpix.system.context import Context

        self._numbers += 1
        d = self.defs[name] = ContextDef(name, Context(self.system, name, self._numbers))
        return d

    def remove(self, name: str) -> None:
        d = self.defs.pop(name)
        d.space.stop()
        interfaces = d.space.feature(Interfaces)
        for iface in list(interfaces.all):
            interfaces.deallocate(iface.physical)
        self.follow_interfaces()
        d.space.removed = True
        for session in [s for s in self.system.sessions if s.system is d.space]:
            session.close()

    def loaded(self, d: ContextDef) -> None:
        """Its configuration is in: the context runs (at once, unless the system is still booting)."""
        d.fetching = False
        d.space.apply_factory_config()
        if self.system.started:
            d.space.start()

    def fetch(self, d: ContextDef) -> None:
        """Starting up: the context comes up once its configuration has come from the server
        (empty, with the device's warning on the console, when it cannot be fetched)."""
        d.fetching = True

        def arrived(text: str | None) -> None:
            if self.defs.get(d.name) is d and is_remote(d.space.url):   # not removed or re-pointed meanwhile
                self.system.unit.console.lines(self.load(d, text))

        # once the boot has brought the admin context's interfaces up: the file comes through them
        self.system.unit.boot_timers.call_later(0, lambda: fetch_text(self.system, d.space.url, arrived))

    def load(self, d: ContextDef, text: str | None) -> list[str]:
        """The context takes the configuration read from its URL (None: it could not be read)
        and runs; what loading it said."""
        said = could_not_fetch(d.space.url) if text is None else d.space.apply_config(text)
        self.loaded(d)
        return said

    def follow_interfaces(self) -> None:
        """Every context's interfaces take the MACs and addresses of now (an interface became
        shared, or no longer is)."""
        for d in self.defs.values():
            d.space.feature(Interfaces).stations.refresh()

    def group_of(self, space: Context) -> int:
        d = self.defs.get(space.name)
        return d.failover_group if d is not None else 1


def could_not_fetch(url: str) -> list[str]:
    return [f"WARNING: Could not fetch the URL {url}", "INFO: Creating context with default config"]


def fetch_text(system, url: str, done: Callable[[str | None], None]) -> None:
    """Fetch a configuration file from a server, through the admin context's interfaces:
    ``done(text)``, or ``done(None)`` when it cannot be had."""
    received: list[bytes] = []
    try:
        net = endpoint(system)
    except LookupError:
        done(None)
        return
    fetch(net, url, received.append, lambda failure: done(
        None if failure is not None else b"".join(received).decode("latin-1")))


from vpix.features.contexts import commands  # noqa: E402,F401
