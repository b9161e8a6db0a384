"""One emulated appliance: its hardware identity, flash, console line, power and boot.

The unit is sans-IO too: time comes from an injected clock, console bytes come in through
``console.input`` and go out to whatever is attached. A boot is quick and synchronous
except for the optional break-in window, which is a timer.
"""

from __future__ import annotations

import logging
from collections import deque
from pathlib import Path
from typing import Callable

from vpix.boot import banner
from vpix.boot.boothelper import Boothelper
from vpix.boot.monitor import Monitor, Rommon
from vpix.clock import Alarm, Clock, Scope, WallClock
from vpix.flash import Flash
from vpix.hardware import unitdir
from vpix.image import boothelper
from vpix.image.format import ImageError, ImageInfo, inspect, read_header
from vpix.net.fabric import Port, deaf
from vpix.net.packets import mac_bytes
from vpix.versions import Version

log = logging.getLogger(__name__)

BREAK_KEYS = ("\x1b", "\x00")        # ESC, or a BREAK a terminal server turns into NUL
CONSOLE_HISTORY = 64 * 1024
FLOPPY = "floppy.img"                # the diskette in the unit's drive, if any
MEMORY_IMAGE = ""                    # the image name of a system ROMMON booted from memory


class ConsoleLine:
    """The serial console: whatever the unit prints goes to every attached terminal."""

    def __init__(self) -> None:
        self.listeners: list[Callable[[str], None]] = []
        self.history: deque[str] = deque()
        self._history_size = 0
        self.input: Callable[[str], None] = lambda data: None

    def write(self, text: str) -> None:
        if not text:
            return
        self.history.append(text)
        self._history_size += len(text)
        while self._history_size > CONSOLE_HISTORY and len(self.history) > 1:
            self._history_size -= len(self.history.popleft())
        for listener in list(self.listeners):
            listener(text)

    def lines(self, text: list[str]) -> None:
        self.write("".join(line + "\n" for line in text))

    def text(self) -> str:
        return "".join(self.history)


class Unit:
    def __init__(self, directory: Path, clock: Clock):
        self.directory = directory
        self.identity = unitdir.load(directory)
        self.flash = Flash(directory / "flash", self.identity.flash_mb * 1024 * 1024)
        unitdir.adopt_old_host_key(directory, self.flash)
        self.clock = clock
        self.wall = WallClock(clock)
        self.console = ConsoleLine()
        self.console.input = self._console_input
        self.ports = [Port(mac_bytes(mac)) for mac in self.identity.macs]   # one per interface
        self.state = "off"            # off, bios, monitor, running
        self.system = None
        self.monitor: Monitor | None = None
        self.console_session = None
        self.console_login = None
        self.boot_timers = Scope(clock)          # what this boot schedules; a new one each power-on
        self.boot_count = 0
        self.running_image: tuple | None = None     # (name, fingerprint) of the booted image
        self._boot_once: str | None = None          # an image monitor mode just installed
        self._console_idle = Alarm(clock, self._console_expired)
        self.on_boot: list[Callable[["Unit"], None]] = []
        self.cable = None                           # its end of a serial failover cable, if any
        # what answers on a TCP port of every interface address the unit holds (Telnet and
        # SSH, set by whoever serves the unit): port -> accept(space, connection)
        self.services: dict[int, Callable] = {}
        self._window = None

    @property
    def name(self) -> str:
        return self.directory.name

    def management_space(self):
        """Where Telnet, SSH and SCP land: the running system, or in multiple mode its admin
        context; None while nothing runs."""
        return self.system.management_space() if self.system is not None else None

    # ------------------------------------------------------------ power and boot

    def power_on(self) -> None:
        if self.state != "off":
            return
        self.boot_timers = Scope(self.clock)
        self.flash.sweep()
        self.state = "bios"
        if self.cable is not None:
            self.cable.power(True)
        self.console.lines(banner.bios(self.identity.hw, self.identity.ram_mb))
        window = self.identity.break_window
        if window > 0:
            self._window = self.clock.call_later(window, self._load)
        else:
            self._load()

    def power_off(self) -> None:
        self._shutdown()
        self.state = "off"
        if self.cable is not None:
            self.cable.power(False)

    def reset(self) -> None:
        """The reset switch: off and on again, no shutdown."""
        self.power_off()
        self.power_on()

    def request_reload(self) -> None:
        """`reload`: finish the current command, then restart."""
        self.boot_timers.call_later(0, self.reload)

    def reload(self) -> None:
        if self.system is not None and self.system.family == "7.x":
            self.console.lines(["", "***", "*** --- START GRACEFUL SHUTDOWN ---",
                                "Shutting down isakmp", "Shutting down File system", "",
                                "***", "*** --- SHUTDOWN NOW ---"])
        self.console.write("Rebooting....\n")
        self.power_off()
        self.power_on()

    def _shutdown(self) -> None:
        self.boot_timers.close()
        if self._window is not None:
            self._window.cancel()
            self._window = None
        system, self.system = self.system, None
        if system is not None:
            system.stop()
        if self.console_login is not None:
            self.console_login.close()
        self.console_session = self.console_login = None
        self.monitor = None
        for port in self.ports:                 # nothing left to answer on the wire
            port.receive = deaf
        self._console_idle.cancel()
        if system is not None:
            for session in list(system.sessions):
                session.close()

    def _interrupt(self) -> None:
        self._window.cancel()
        self._window = None
        line = self.identity.hw.line
        self.console.write("Flash boot interrupted.\n" if line == "pix" else
                           "Boot interrupted.\n")
        self._enter_monitor()

    def _load(self) -> None:
        self._window = None
        hw = self.identity.hw
        diskette = boothelper.read(self.directory / FLOPPY) if hw.line == "pix" else None
        if diskette is not None:
            self.state = "monitor"
            self.monitor = Boothelper(self, self.console.write, self.request_reload, diskette)
            self.monitor.start()
            return
        name = self.boot_image()
        self._boot_once = None
        if name is None:
            self.console.write("No image found in flash.\n" if hw.line == "pix" else
                               "Boot load failed.\n")
            self._enter_monitor()
            return
        try:
            info = inspect(self.flash.path(name))
        except ImageError:
            self.console.write("Checksum verification on flash image failed\n")
            self._enter_monitor()
            return
        if not hw.boots(info.line, info.version):
            self.console.write(f"Image {name} is not supported on platform {hw.model}\n")
            self._enter_monitor()
            return
        self.console.lines(banner.loading(hw, name, info))
        self.running_image = (name, self._fingerprint(name))
        self._start_system(name, info)

    def boot_from_memory(self, path: Path) -> None:
        """ROMMON `tftpdnld`: run a downloaded image without installing it."""
        info = inspect(path)
        path.unlink()
        self._shutdown()
        self.state = "bios"
        self.running_image = None
        self._start_system(MEMORY_IMAGE, info)

    def reset_to_flash(self) -> None:
        """ROMMON `boot`: load from flash, as at power-on after the break window."""
        self._shutdown()
        self.state = "bios"
        self._load()

    def boot_from(self, name: str) -> None:
        """Start the image monitor mode has just installed."""
        self._boot_once = name
        self._shutdown()
        self.state = "bios"
        self._load()

    def boot_image(self) -> str | None:
        """The `boot system` image when set, else the first image in flash; a damaged
        image still counts (its check fails), other files do not."""
        preferred = ([self._boot_once] if self._boot_once else []) + self.boot_preference()
        for name in preferred + [e.name for e in self.flash.entries()]:
            if not self.flash.exists(name):
                continue
            if name in preferred or name.endswith(".bin"):
                return name
            try:
                read_header(self.flash.path(name))
                return name
            except ImageError:
                continue
        return None

    def _fingerprint(self, name: str) -> tuple:
        """Changes whenever the file is replaced: every flash write is a new file."""
        st = self.flash.path(name).stat()
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def flash_image_differs(self) -> bool:
        """The image the next boot would load is not the one running."""
        name = self.boot_image()
        if name is None or self.running_image is None:
            return True
        return (name, self._fingerprint(name)) != self.running_image

    def boot_preference(self) -> list[str]:
        """Images named by `boot system` in the saved configuration, as the loader reads them."""
        from vpix.features.flashfs import boot_images_in

        data = self.flash.read_private("startup-config")
        return boot_images_in(data.decode(errors="replace")) if data else []

    def _enter_monitor(self) -> None:
        self.state = "monitor"
        kind = Monitor if self.identity.hw.line == "pix" else Rommon
        self.monitor = kind(self, self.console.write, self.request_reload)
        self.monitor.start()

    def _start_system(self, name: str, info: ImageInfo) -> None:
        from vpix.system import System

        self.boot_count += 1
        system = System(self, info, name)
        self.console.lines(banner.os_banner(self.identity.hw, info, self.identity.ram_mb))
        startup = system.read_startup()
        if startup:
            system.startup_answers = system.load(startup)
            self._compatibility(system, info)
            for answer in system.startup_answers:
                self.console.write(answer.output + "\n")
        system.apply_factory_config()
        system.last_change = None
        self.system = system
        self.state = "running"
        system.start()
        for hook in list(self.on_boot):
            hook(self)
        self._open_console()

    def _compatibility(self, system, info: ImageInfo) -> None:
        try:
            config_version = Version.parse(system.config_version or "")
        except ValueError:
            return
        if config_version > info.version:
            self.console.lines(banner.compatibility_warning(str(config_version), str(info.version)))

    def _console_logout(self) -> None:
        """Logging out of the console leaves the line waiting for the next person."""
        if self.system is None:
            return
        self.console.write("\n\n")
        self._open_console()

    def _open_console(self) -> None:
        """The console line's session; with `aaa authentication serial console LOCAL`, a login
        (Username:, Password:) first, as on the device."""
        from vpix.features.aaa import Aaa
        from vpix.features.aaa.terminal import RemoteTerminal

        system = self.system
        if self.console_login is not None:
            self.console_login.close()
        if system.feature(Aaa).uses_local("serial"):
            self.console_session = None
            self.console_login = RemoteTerminal(system, "console", self.console.write, self._console_logout)
            self.console_login.on_open = self._console_opened
            self.console_login.start()
            return
        self.console_login = None
        session = system.open_session("console", sink=self.console.write)
        session.on_close = self._console_logout
        self.console_session = session
        session.start("Type help or '?' for a list of available commands.\n")

    def _console_opened(self, session) -> None:
        self.console_session = session

    def _console_touched(self) -> None:
        """`console timeout N`: an idle console session is logged out after N minutes."""
        from vpix.features.mgmt_access import MgmtAccess

        self._console_idle.after(self.system.feature(MgmtAccess).timeouts["console"] * 60)

    def _console_expired(self) -> None:
        if self.console_session is not None:
            self.console_session.close()

    # ------------------------------------------------------------ console input

    def _console_input(self, data: str) -> None:
        if self.state == "bios":
            if self._window is not None and any(k in data for k in BREAK_KEYS):
                self._interrupt()
            elif self._window is not None and " " in data:
                self._window.cancel()
                self._load()
        elif self.state == "monitor" and self.monitor:
            self.monitor.feed(data)
        elif self.state == "running" and self.console_login is not None:
            self.console_login.feed(data)           # the login, then its session (and its idle time)
        elif self.state == "running" and self.console_session:
            self._console_touched()
            self.console_session.feed(data)

