"""The booted OS: one per boot of a unit, for the version family of the image it booted.

Its configuration lives in spaces. A single-mode unit has one; a multiple-mode unit has the
system execution space (the System itself) and a Context per security context, each with its
own features, running-config and listeners, all sharing the unit, the image and the sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Callable, TypeVar

from vpix.cli.grammar import Command, ParseError, usage
from vpix.cli.registry import COMMANDS
from vpix.cli.session import Session
from vpix.features import CONTEXT, FEATURES, SINGLE, SYSTEM, Feature, load_all
from vpix.image.format import ImageInfo
from vpix.system import config

if TYPE_CHECKING:
    from vpix.unit import Unit

F = TypeVar("F", bound=Feature)
STARTUP = "startup-config"
CONTEXT_MODE = "context-mode"        # hidden in flash, like the device: not part of any configuration

load_all()


class Space:
    """Features, running-config and change listeners of one configuration space."""

    space = SINGLE
    context_name: str | None = None

    def _build(self, root: "System") -> None:
        self.root = root
        self.unit = root.unit
        self.image, self.image_name = root.image, root.image_name
        self.version, self.family = root.version, root.family
        self.booted_at = root.booted_at
        self.last_change: tuple[str, datetime] | None = None     # who, and when (UTC)
        self.config_version: str | None = None       # the `PIX Version` line of the loaded config
        self.change_listeners: list[Callable[[str, str, Session], None]] = []
        self._features: dict[type, Feature] = {
            cls: cls(self) for cls in FEATURES if self.version in cls.versions and self.space in cls.spaces}

    # ------------------------------------------------------------ features

    def feature(self, cls: type[F]) -> F:
        """This space's feature; in a context, the system's for what the box as a whole owns."""
        found = self._features.get(cls)
        return found if found is not None else self.root._features[cls]  # type: ignore[return-value]

    def feature_if_any(self, cls: type[F]) -> F | None:
        """The feature, or None when this software version has none (failover on 6.x)."""
        return self._features.get(cls) or self.root._features.get(cls)  # type: ignore[return-value]

    @property
    def hw(self):
        return self.unit.identity.hw

    @property
    def product(self) -> str:
        """`PIX` or `ASA`, as the configuration header and banners say."""
        return "ASA" if self.hw.line == "asa" else "PIX"

    @property
    def image_path(self) -> str:
        """What `show version` says the system booted from."""
        if not self.image_name:
            return "Unknown, monitor mode tftp booted image"
        return f"{self.hw.flash_device}/{self.image_name}"

    def prompt_name(self) -> str:
        """The prompt's name: the system's `prompt` keywords' parts joined by slashes (the host
        name, and in a context its name, by default); a keyword nothing can fill (priority
        without failover, context in the system space) is left out."""
        from vpix.features.device import Device

        parts = []
        for word in self.root.feature(Device).prompt:
            part = self.context_name if word == "context" else next(
                (p for f in self.root._features.values() if (p := f.prompt_part(word))), None)
            if part:
                parts.append(part)
        return "/".join(parts)

    @property
    def pager_lines(self) -> int:
        from vpix.features.terminal import Terminal
        return self.feature(Terminal).pager_lines

    def uptime(self) -> float:
        return self.unit.clock.monotonic() - self.booted_at

    def now(self) -> datetime:
        """The unit's clock in its time zone (`clock timezone`, `clock summer-time`)."""
        from vpix.features.device import Device

        return self.root.feature(Device).zone.local(self.unit.wall.now())

    # ------------------------------------------------------------ sessions

    def open_session(self, transport: str, sink=None, priv: int = 1, username: str | None = None,
                     interactive: bool = True, peer=None) -> Session:
        """A session starting in this space; every session of the unit is the system's. It
        takes the lowest ID no live session of its transport holds (`who`, `show ssh sessions`)."""
        session = Session(self, transport=transport, sink=sink, priv=priv, username=username,
                          interactive=interactive)
        session.peer = peer
        held = {s.number for s in self.root.sessions if s.transport == transport and not s.closed}
        session.number = next(n for n in range(len(held) + 1) if n not in held)
        self.root.sessions.add(session)
        return session

    def close_session(self, session: Session) -> None:
        self.root.sessions.discard(session)

    def resource_limit(self, resource: str, rate: bool = False) -> int | None:
        """What a resource class lets this space hold of ``resource``: a context's business."""
        return None

    def config_session(self, transport: str = "config") -> Session:
        """A session that feeds configuration: "config" for startup and `copy`, "failover" for
        what the failover mate replicates."""
        session = Session(self, transport=transport, priv=15, interactive=False)
        session.enter("config")
        return session

    # ------------------------------------------------------------ configuration

    def running_config(self, full: bool = False, space: str | None = None,
                       extra: list[tuple[str, list[str]]] = ()) -> list[str]:
        """The configuration body (version line to last command), no header or checksum; with
        ``space``, the body this configuration would have there (`mode multiple` splits it)."""
        space = space or self.space
        sections = [s for f in self._features.values() if space in f.spaces for s in f.render_in(space, full)]
        which = {SYSTEM: " <system>", CONTEXT: " <context>"}.get(space, "")
        return [f"{self.product} Version {self.version}{which}"] + \
            (["!"] if self.family == "7.x" else []) + config.order(self.family, sections + list(extra))

    def config_text(self, full: bool = False, masked: bool = False) -> list[str]:
        """Header, body, checksum, end: what is saved, or (masked) what `show running-config` prints."""
        body = self.running_config(full)
        return config.framed(body, self.mask(body) if masked else None)

    def mask(self, lines: list[str]) -> list[str]:
        masks = [m for f in self._features.values() for m in f.masks]
        prefixes = tuple(prefix for prefix, _ in masks)     # one C-level test a line; few lines hold a secret
        return [next(shown for prefix, shown in masks if line.startswith(prefix)) if line.startswith(prefixes)
                else line for line in lines]

    def checksum(self) -> str:
        return config.checksum(self.running_config())

    def apply_config(self, text: str, transport: str = "config") -> list[str]:
        """Feed configuration lines to the parser, as startup-config loading does; returns what
        the lines answered, informational notes left out."""
        return [answer.output for answer in self.load(text, transport)]

    def load(self, text: str, transport: str = "config") -> list["Answer"]:
        """As ``apply_config``, each answer with the line (numbered from 1) that gave it."""
        session = self.config_session(transport)
        answers = []
        for number, line in enumerate(text.splitlines(), 1):
            out = [l for l in session.execute(line).splitlines() if l and not l.startswith("INFO:")]
            if out:
                answers.append(Answer(number, line, "\n".join(out)))
        return answers

    def start(self) -> None:
        for feature in self._features.values():
            feature.start()

    def stop(self) -> None:
        """The unit stops running this system (power-off, reload)."""
        for feature in self._features.values():
            feature.stop()

    def syslog(self, severity: int, message_id: int, text: str) -> None:
        """A syslog message, `%PIX-1-104001: …`, to wherever `logging` sends it."""
        from vpix.features.logging import Logging

        self.feature(Logging).log(severity, message_id, text)

    def reset_config(self, keep: tuple[type, ...]) -> None:
        """Clear the running configuration but the features in ``keep`` (what a standby does
        before the active unit's configuration arrives; once it has, `apply_factory_config`
        finishes the job, as after a startup-config)."""
        for cls, old in list(self._features.items()):
            if cls not in keep:
                self._features[cls] = cls(self)
                self._features[cls].adopt(old)

    def running(self) -> bool:
        """Still a space of the system the unit runs (not replaced by a reboot)."""
        return self.unit.system is self.root

    def apply_factory_config(self) -> None:
        self.apply_config("\n".join(line for f in self._features.values() for line in f.factory_config()))

    def config_changed(self, user: str, line: str, session: Session) -> None:
        self.last_change = (user, self.unit.wall.now())       # in the zone when shown: a line costs less
        if session.transport != "config":                 # typed or replicated, not read at boot
            self.syslog(5, 111008, f"User '{user}' executed the '{line}' command.")
        for listener in self.change_listeners:
            listener(user, line, session)

    # ------------------------------------------------------------ the device's error words

    def parse_error(self, err: ParseError, line: str, offset: int,
                    command: Command | None = None) -> list[str]:
        if self.family == "6.x":
            if command is None or (err.kind == "invalid" and err.position == len(line) - len(line.lstrip())):
                return ["Type help or '?' for a list of available commands."]
            first = command.spec.split()[0]
            forms = [usage(c) for c in COMMANDS.commands
                     if c.spec.split()[0] == first and self.version in c.versions and not c.hidden]
            return [("Usage:\t" if i == 0 else "\t") + f for i, f in enumerate(dict.fromkeys(forms))]
        if err.kind == "incomplete":
            return ["ERROR: % Incomplete command"]
        if err.kind == "ambiguous":
            return [f'ERROR: % Ambiguous command: "{line.strip()}"']
        return [" " * (offset + err.position) + "^",
                "ERROR: % Invalid input detected at '^' marker."]


@dataclass(frozen=True)
class Answer:
    """What a configuration line said when it was applied: an error, a warning."""
    number: int
    line: str
    output: str


class System(Space):
    """The booted OS, and its single configuration or its system execution space."""

    def __init__(self, unit: "Unit", image: ImageInfo, image_name: str):
        self.unit = unit
        self.image, self.image_name = image, image_name
        self.version, self.family = image.version, image.version.family
        self.booted_at = unit.clock.monotonic()
        self.multiple = self.family == "7.x" and unit.flash.read_private(CONTEXT_MODE) == b"multiple"
        self.space = SYSTEM if self.multiple else SINGLE
        self.sessions: set[Session] = set()
        self.started = False
        self.startup_answers: list[Answer] = []          # `show startup-config errors`
        # Told of every change, save and start or stop in the contexts too: (space, …)
        self.context_listeners: list[Callable[["Space"], None]] = []          # started or stopped
        self.context_change_listeners: list[Callable[[str, str, Session], None]] = []
        self.save_listeners: list[Callable[["Space", Session], None]] = []     # `write memory` of a space
        self.file_listeners: list[Callable[[str, Session], None]] = []         # a file command's line
        self.command_listeners: list[Callable[[Session], None]] = []           # a command typed, any space
        self._build(self)

    def file_changed(self, line: str, session: Session) -> None:
        for listener in self.file_listeners:
            listener(line, session)

    def start(self) -> None:
        super().start()
        self.started = True

    def management_space(self) -> Space:
        """Where Telnet and SSH sessions land: the admin context in multiple mode."""
        from vpix.features.contexts import Contexts

        if not self.multiple:
            return self
        return self.feature(Contexts).admin_space() or self

    def set_context_mode(self, multiple: bool) -> None:
        """`mode`: kept in flash, apart from every configuration; the next boot follows it."""
        self.unit.flash.write_private(CONTEXT_MODE, b"multiple" if multiple else b"single")

    # startup-config lives in the hidden area of flash

    def read_startup(self) -> str | None:
        data = self.unit.flash.read_private(STARTUP)
        return data.decode(errors="replace") if data is not None else None

    def write_startup(self, lines: list[str]) -> int:
        data = config.as_file(lines)
        self.unit.flash.write_private(STARTUP, data)
        return len(data)

    def erase_startup(self) -> None:
        self.unit.flash.delete_private(STARTUP)
