"""Feature slices. Each package owns its config state, its commands and its show output.

A feature class is instantiated once per booted system; ``render`` gives its running-config
lines grouped by *slot*, and the version family's slot order (system/config.py) decides
where they stand in the configuration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from vpix.versions import VersionRange

if TYPE_CHECKING:
    from vpix.system import System

FEATURES: list[type["Feature"]] = []

# The configuration spaces a feature (and so its commands) exists in: a single-mode unit, the
# system execution space of a multiple-mode unit, and its security contexts.
SINGLE, SYSTEM, CONTEXT = "single", "system", "context"
EVERYWHERE = frozenset({SINGLE, SYSTEM, CONTEXT})
TRAFFIC = frozenset({SINGLE, CONTEXT})        # what passes traffic: a context's business
PLATFORM = frozenset({SINGLE, SYSTEM})        # the box itself: flash, licenses, failover


class Feature:
    versions: ClassVar[VersionRange] = VersionRange()
    # Secrets `show running-config` hides (the saved configuration keeps them): (prefix, shown as)
    masks: ClassVar[tuple[tuple[str, str], ...]] = ()
    spaces: ClassVar[frozenset[str]] = EVERYWHERE

    def __init__(self, system: "System"):
        self.system = system

    def render(self, full: bool) -> list[tuple[str, list[str]]]:
        """(slot, lines) pairs of running-config; ``full`` adds defaults (`show run all`)."""
        return []

    def render_in(self, space: str, full: bool) -> list[tuple[str, list[str]]]:
        """What it renders when the configuration is written for ``space``."""
        return self.render(full)

    def start(self) -> None:
        """The feature's runtime, once the configuration is loaded (timers, tasks)."""

    def stop(self) -> None:
        """The runtime ends with the system: cancel its timers, let go of what it listens to."""

    def prompt_part(self, word: str) -> str | None:
        """What this feature puts in the prompt for a `prompt` keyword it owns, else None."""
        return None

    def adopt(self, old: "Feature") -> None:
        """Take over the runtime (not the configuration) of the instance a configuration
        reset replaces; called instead of ``start``."""

    def factory_config(self) -> list[str]:
        """Lines applied after the startup-config, for what it left in factory state."""
        return []

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        FEATURES.append(cls)


def load_all() -> None:
    """Import every feature package so their commands are declared; a command that does not
    name its spaces lives where its package's feature does."""
    from vpix.cli.registry import COMMANDS
    from vpix.features import (  # noqa: F401
        aaa, acl, configfile, contexts, device, endpoint, failover, flashfs, forwarding, inspection, interfaces, kept, keypair, license, logging,
        mgmt_access, nat, resources, routing, software, terminal,
    )

    owners = {cls.__module__.split(".")[2]: cls.spaces for cls in FEATURES}
    for cmd in COMMANDS.commands:
        if cmd.spaces is None:
            parts = cmd.handler.__module__.split(".")
            cmd.spaces = owners.get(parts[2], EVERYWHERE) if parts[:2] == ["vpix", "features"] else EVERYWHERE
    COMMANDS.forget_trees()
