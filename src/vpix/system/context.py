"""A security context: a space of its own inside a multiple-mode system, with the interfaces
the system allocates to it and a configuration kept at its `config-url`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from vpix.features import CONTEXT
from vpix.system import config
from vpix.system.system import Space

if TYPE_CHECKING:
    from vpix.system.system import System


class Context(Space):
    space = CONTEXT

    def __init__(self, root: "System", name: str, number: int):
        self.context_name = name
        self.number = number                  # the order it was created in, as `show context detail` counts
        self.config_url: str | None = None    # flash file name its configuration is kept in
        self.started = False
        self.removed = False
        self._build(root)

    @property
    def name(self) -> str:
        return self.context_name

    def start(self) -> None:
        if not self.started:
            self.started = True
            super().start()

    def stop(self) -> None:
        if self.started:
            self.started = False
            super().stop()

    def running(self) -> bool:
        return super().running() and not self.removed

    # its startup configuration is the file at its config-url

    def read_startup(self) -> str | None:
        if self.config_url is None:
            return None
        data = self.unit.flash.read(self.config_url)
        return data.decode(errors="replace") if data is not None else None

    def write_startup(self, lines: list[str]) -> int:
        data = config.as_file(lines)
        if self.config_url is not None:
            self.unit.flash.write(self.config_url, data)
        return len(data)

    def erase_startup(self) -> None:
        if self.config_url is not None and self.unit.flash.exists(self.config_url):
            self.unit.flash.delete(self.config_url)
