"""A security context: a space of its own inside a multiple-mode system, with the interfaces
the system allocates to it and a configuration kept at its `config-url`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpix.features import CONTEXT
from vpix.system import config
from vpix.system.system import Space
from vpix.transfer.remote import is_remote

if TYPE_CHECKING:
    from vpix.system.system import System


class Context(Space):
    space = CONTEXT

    def __init__(self, root: "System", name: str, number: int):
        self.context_name = name
        self.number = number                  # the order it was created in, as `show context detail` counts
        self.url: str | None = None           # its `config-url`, as entered
        self.started = False
        self.removed = False
        self._limits: dict[tuple[str, bool], int | None] = {}   # resource_limit's answers, until they change
        self._build(root)

    @property
    def name(self) -> str:
        return self.context_name

    def start(self) -> None:
        if not self.started:
            self.started = True
            super().start()
            self._tell_root()

    def stop(self) -> None:
        if self.started:
            self.started = False
            super().stop()
            self._tell_root()

    def _tell_root(self) -> None:
        for listener in list(self.root.context_listeners):
            listener(self)

    def config_changed(self, user: str, line: str, session) -> None:
        super().config_changed(user, line, session)
        for listener in list(self.root.context_change_listeners):
            listener(user, line, session)

    def running(self) -> bool:
        return super().running() and not self.removed

    def resource_limit(self, resource: str, rate: bool = False) -> int | None:
        """What its resource class lets it hold of ``resource`` (``rate``: start of it a second);
        None: no limit."""
        key = (resource, rate)
        if key not in self._limits:
            from vpix.features.contexts import Contexts
            from vpix.features.resources import Resources

            resources = self.root.feature_if_any(Resources)
            d = self.root.feature(Contexts).defs.get(self.name)
            if resources is None or d is None:
                return None
            self._limits[key] = resources.limit(d.member, resource, rate)
        return self._limits[key]

    def resources_changed(self) -> None:
        """Its resource class, or that class's limits, changed: look them up again."""
        self._limits.clear()

    # its startup configuration is the file at its config-url

    @property
    def config_file(self) -> str | None:
        """The flash file its `config-url` names (none when it names a server: a file kept
        there serves both units of a failover pair, and is not saved on the mate)."""
        from vpix.features.flashfs import split_path

        return split_path(self, self.url)[1] if self.url and not is_remote(self.url) else None

    def read_startup(self) -> str | None:
        name = self.config_file
        data = self.unit.flash.read(name) if name else None
        return data.decode(errors="replace") if data is not None else None

    def write_startup(self, lines: list[str]) -> int:
        data = config.as_file(lines)
        if self.config_file:
            self.unit.flash.write(self.config_file, data)
        return len(data)

    def erase_startup(self) -> None:
        name = self.config_file
        if name and self.unit.flash.exists(name):
            self.unit.flash.delete(name)
