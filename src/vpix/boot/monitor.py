"""Monitor mode (PIX `monitor>`) and ROM monitor (ASA `rommon #N>`), reached when the boot is
interrupted or no good image is in flash.

PIX monitor mode has its own tiny IP stack on the chosen interface: `address`, `server`,
`file`, `gateway`, `interface`, `ping`, `tftp`, `timeout`, `trace`, `reload`, `help`. A TFTP
download prints a dot per block (with `trace` on, the Table 11-2 codes, `A` and `T` among
them), is verified, installed to flash, and booted. The ASA's ROM monitor (``Rommon``) sets
variables (`ADDRESS=`, `SERVER=`, `GATEWAY=`, `IMAGE=`, `PORT=`), loads an image with
`tftpdnld` and boots it from memory without installing it; `erase` wipes the flash,
the hidden area with the license included.
"""

from __future__ import annotations

import os
import random
from typing import Callable

from vpix.cli.lineedit import LineEditor
from vpix.image.format import ImageError, inspect
from vpix.net.stack import IpStack
from vpix.transfer.tftp import TftpClient
from vpix.transfer.tftp_io import TftpRun
from vpix.versions import Version
from vpix.numbers import is_number

HELP = [("?", "this help message"), ("address [addr]", "set IP address"),
        ("file    [name]", "set boot file name"), ("gateway [addr]", "set IP gateway"),
        ("help", "this help message"), ("interface [num]", "select TFTP interface"),
        ("ping    <addr>", "send ICMP echo"), ("reload", "halt and reload system"),
        ("server  [addr]", "set server IP address"), ("tftp", "TFTP download"),
        ("timeout", "TFTP timeout"), ("trace", "toggle packet tracing")]
WORDS = ["address", "file", "gateway", "help", "interface", "ping", "reload", "server", "tftp",
         "timeout", "trace"]
OLDEST_TFTP_IMAGE = Version(4, 4, 0)
LOCAL_TFTP_PORT = 1758


class Monitor:
    def __init__(self, unit, sink: Callable[[str], None], reload: Callable[[], None]):
        self.unit = unit
        self.sink = sink
        self.reload = reload
        self.editor = LineEditor()
        self.editor.literal = True                   # `?` is a command here
        self.count = 0
        self.interface = 1 if len(unit.ports) > 1 else 0
        self.address: str | None = None
        self.server: str | None = None
        self.gateway: str | None = None
        self.file = "cdisk"
        self.timeout_s = 4.0
        self.tracing = False
        self.busy = False
        self.stack: IpStack | None = None
        self._question: Callable[[str], None] | None = None     # the next line answers it

    def prompt(self) -> str:
        return "monitor> "

    def start(self) -> None:
        for i, mac in enumerate(self.unit.identity.macs):
            self.sink(f"{i}: i8255X @ PCI(bus:0 dev:{13 + i} irq:{11 - i % 2})\n")
        self.sink("\n" + self._using() + "\nUse ? for help.\n" + self.prompt())

    def _using(self) -> str:
        i = self.interface
        return f"Using {i}: i82558 @ PCI(bus:0 dev:{13 + i} irq:{11 - i % 2}), MAC: {self.unit.identity.macs[i]}"

    def feed(self, data: str) -> None:
        for ch in data:
            if self.busy and self._question is None:
                return
            echo, event = self.editor.feed_char(ch)
            if echo:
                self.sink(echo)
            if event and event.kind == "line":
                self.sink("\n")
                if self._question is not None:
                    answer, self._question = self._question, None
                    answer(event.text.strip())
                    continue
                if self.execute(event.text.strip()):
                    return
                if not self.busy:
                    self.sink(self.prompt())

    # ------------------------------------------------------------ commands

    def execute(self, text: str) -> bool:
        """Run one monitor command; True when the unit leaves monitor mode."""
        if not text:
            return False
        self.count += 1
        words = text.split()
        word, args = words[0].lower(), words[1:]
        chosen = [w for w in self.words if w.startswith(word)] if word != "?" else ["help"]
        if len(chosen) != 1:
            self.sink(self.unknown(word))
            return False
        return bool(getattr(self, "_" + chosen[0])(args))

    words = WORDS
    help_rows = HELP
    progress = "."
    progress_bytes = 19_584     # a mark per this much received: 000's 626,688-byte image shows 32

    def unknown(self, word: str) -> str:
        return f"Unknown command: {word}\n"

    def _help(self, args) -> None:
        for name, text in self.help_rows:
            self.sink(f"{name:<32}{text}\n")

    def _reload(self, args) -> bool:
        self.reload()                           # the unit says Rebooting.... as it goes down
        return True

    def _setting(self, name: str, args) -> None:
        if args:
            setattr(self, name, args[0])
        self.sink(f"{name} {getattr(self, name) or ''}\n")

    def _address(self, args) -> None:
        self._setting("address", args)

    def _server(self, args) -> None:
        self._setting("server", args)

    def _gateway(self, args) -> None:
        self._setting("gateway", args)

    def _file(self, args) -> None:
        self._setting("file", args)

    def _timeout(self, args) -> None:
        if args and is_number(args[0]):
            self.timeout_s = float(args[0])
        self.sink(f"timeout {int(self.timeout_s)}\n")

    def _trace(self, args) -> None:
        self.tracing = not self.tracing
        self.sink(f"trace {'on' if self.tracing else 'off'}\n")

    def _interface(self, args) -> None:
        if args and is_number(args[0]) and int(args[0]) < len(self.unit.ports):
            self.interface = int(args[0])
            self.stack = None
        self.sink(self._using() + "\n")

    def _ip(self) -> IpStack | None:
        if self.address is None:
            self.sink("No IP address configured. Use the address command.\n")
            return None
        if self.stack is None or self.stack.address != self.address:
            self.stack = IpStack(self.unit.ports[self.interface], self.unit.boot_timers, self.address,
                                 gateway=self.gateway)          # a reset ends its transfers with the boot
        self.stack.gateway = self.gateway
        self.stack.trace = self.sink if self.tracing else None
        return self.stack

    # ------------------------------------------------------------ ping

    def _ping(self, args) -> None:
        if not args:
            self.sink("usage: ping <addr>\n")
            return
        stack = self._ip()
        if stack is None:
            return
        self.sink(f"Sending 5, 100-byte 0x{random.randrange(0x1000, 0xFFFF):x} ICMP Echoes to {args[0]}, "
                  f"timeout is {int(self.timeout_s)} seconds:\n")
        self.busy = True
        replies: list[bool] = []

        def on_reply(ok: bool) -> None:
            replies.append(ok)
            self.sink("!" if ok else ".")
            if len(replies) == 5:
                good = sum(replies)
                self.sink(f"\nSuccess rate is {good * 20} percent ({good}/5)\n")
                self._done()

        stack.ping(args[0], 5, self.timeout_s, on_reply)

    def _done(self) -> None:
        self.busy = False
        self.sink(self.prompt())

    # ------------------------------------------------------------ tftp

    def _tftp(self, args) -> None:
        if self.server is None:
            self.sink("No server address configured. Use the server command.\n")
            return
        stack = self._ip()
        if stack is None:
            return
        self.sink(f"tftp {self.file}@{self.server}")
        self.fetch(stack)

    def fetch(self, stack: IpStack) -> None:
        data = bytearray()
        client = TftpClient(self.server, self.file, timeout_s=self.timeout_s, want_tsize=False,
                            on_data=data.extend)
        shown, marked = [0], [0]

        def show_trace() -> None:
            for mark in client.trace[shown[0]:]:
                if mark != "." and self.tracing:
                    self.sink(mark)
            shown[0] = len(client.trace)
            due = len(data) // self.progress_bytes
            if due > marked[0]:
                self.sink(self.progress * (due - marked[0]))
                marked[0] = due

        self.busy = True
        TftpRun(stack, client, lambda failure: self._downloaded(client, bytes(data)), port=LOCAL_TFTP_PORT,
                on_step=show_trace)

    def ask(self, prompt: str, answer: Callable[[str], None]) -> None:
        self._question = answer
        self.busy = False
        self.sink(prompt)

    def _downloaded(self, client: TftpClient, data: bytes) -> None:
        outcome = client.outcome
        if outcome.code is not None:
            self.sink(f"\nTFTP download failed ({outcome.code}): {outcome.message or 'error'}\n")
            return self._done()
        self.sink(f"\nReceived {len(data)} bytes\n")
        scratch = self.unit.directory / ".monitor-download"
        scratch.unlink(missing_ok=True)            # a fresh file of its own, never through a link
        with os.fdopen(os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600), "wb") as f:
            f.write(data)
        try:
            info = inspect(scratch)
        except ImageError:
            scratch.unlink()
            return self._rejected()
        self.downloaded(scratch, info)

    def _rejected(self) -> None:
        self.sink("Checksum verification on flash image failed\n")
        self._done()

    def downloaded(self, scratch, info) -> None:
        """Monitor mode installs what it fetched and boots it."""
        if info.version < OLDEST_TFTP_IMAGE:
            scratch.unlink()
            self.sink(f"Image version {info.version} is older than 4.4: it cannot be installed over TFTP\n")
            return self._done()
        self.sink(f"\nPIX admin loader (3.0) #0: Mon Aug 7 10:43:02 PDT 1999\n"
                  f"Flash={self.unit.identity.hw.flash_chip}\n"
                  f"Flash version {_dotted(info.version)}, Install version {_dotted(info.version)}\n\n"
                  "Installing to flash\n")
        name = self.install(scratch, info)
        self.busy = False
        self.unit.boot_from(name)

    def install(self, scratch, info) -> str:
        """Put the downloaded image in flash (6.x flash holds one image); its file name."""
        name = "image.bin" if info.family == "6.x" else self.file.rsplit("/", 1)[-1]
        flash = self.unit.flash
        if info.family == "6.x":
            for entry in flash.entries():
                if entry.name.endswith(".bin"):
                    flash.delete(entry.name)
        flash.copy_in(scratch, name)
        scratch.unlink()
        return name


def _dotted(version: Version) -> str:
    return f"{version.major}.{version.minor}.{version.maint}"


class Rommon(Monitor):
    """The ASA's ROM monitor: variables, `tftpdnld` (boots from memory), `erase`."""

    words = ["boot", "erase", "help", "reload", "set", "tftpdnld"]
    help_rows = [("boot", "boot an image from flash"), ("erase", "erase the flash file system"),
                 ("help", "this help message"), ("reload", "halt and reload system"),
                 ("set", "show the ROMMON variables"), ("tftpdnld", "TFTP download an image and boot it")]
    progress = "!"
    progress_bytes = 512        # ROMMON marks every block
    VARIABLES = ("ADDRESS", "SERVER", "GATEWAY", "PORT", "IMAGE")

    def __init__(self, unit, sink, reload):
        super().__init__(unit, sink, reload)
        self.port_name = unit.identity.hw.interfaces[self.interface]

    def prompt(self) -> str:
        return f"rommon #{self.count}> "

    def start(self) -> None:
        self.sink(self.prompt())

    def unknown(self, word: str) -> str:
        return f'command "{word}" not supported\n'

    def execute(self, text: str) -> bool:
        name, sep, value = text.partition("=")
        if sep and name.strip().upper() in self.VARIABLES:
            self.count += 1
            self._assign(name.strip().upper(), value.strip())
            return False
        return super().execute(text)

    def _assign(self, name: str, value: str) -> None:
        if name == "PORT":
            names = self.unit.identity.hw.interfaces
            if value not in names:
                self.sink(f"ERROR: {value} is not a valid port\n")
                return
            self.interface, self.port_name, self.stack = names.index(value), value, None
            return
        attribute = {"ADDRESS": "address", "SERVER": "server", "GATEWAY": "gateway", "IMAGE": "file"}[name]
        setattr(self, attribute, value or None)

    def _set(self, args) -> None:
        self.sink(self._variables())

    def _variables(self) -> str:
        return ("ROMMON Variable Settings:\n"
                f"  ADDRESS={self.address or '0.0.0.0'}\n  SERVER={self.server or '0.0.0.0'}\n"
                f"  GATEWAY={self.gateway or '0.0.0.0'}\n  PORT={self.port_name}\n  VLAN=untagged\n"
                f"  IMAGE={self.file if self.file != 'cdisk' else ''}\n  CONFIG=\n  LINKTIMEOUT=20\n"
                f"  PKTTIMEOUT={int(self.timeout_s)}\n  RETRY=20\n\n")

    def _tftpdnld(self, args) -> None:
        self.sink("             " + self._variables())
        if self.server is None or self.file == "cdisk":
            self.sink("ERROR: SERVER and IMAGE must be set\n")
            return
        stack = self._ip()
        if stack is None:
            return
        self.sink(f"tftp {self.file}@{self.server} via {self.gateway or self.server}\n")
        self.fetch(stack)

    def downloaded(self, scratch, info) -> None:
        """The image runs from memory; it is not installed (copy it to disk0: from the CLI)."""
        self.sink("\nLaunching TFTP Image...\n")
        self.busy = False
        self.unit.boot_from_memory(scratch)

    def _boot(self, args) -> bool:
        self.busy = False
        self.unit.reset_to_flash()
        return True

    def _erase(self, args) -> None:
        self.unit.flash.erase()
        self.sink("Erasing disk0: ... done\n")
