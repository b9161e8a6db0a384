"""The device itself: host and domain name, names, the clock, `show version`, `show memory`."""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass

from vpix.clock import Alarm, Readings
from vpix.features import CONTEXT, Feature
from vpix.features.device.zone import Zone


@dataclass
class NameEntry:
    address: str
    name: str
    description: str = ""


PROMPT_WORDS = ("hostname", "domain", "context", "priority", "state")
CPU_SAMPLE, CPU_WINDOW = 5, 300              # `show cpu usage`: 5 seconds, 1 and 5 minutes


class Device(Feature):
    def __init__(self, system):
        super().__init__(system)
        asa = system.hw.line == "asa"
        self.hostname = system.context_name or ("ciscoasa" if asa else "pixfirewall")
        if system.family == "6.x":
            self.domain_name = "ciscopix.com"
        else:
            self.domain_name = "default.domain.invalid" if asa else None
        self.names_enabled = system.family == "7.x"
        self.names: dict[str, NameEntry] = {}      # by address, in the order entered
        self._addresses: dict[str, str] = {}       # name -> address
        self.named_numbers: dict[int, str] = {}    # address as a number -> its name (access lists write it)
        self.prompt = self.default_prompt()
        self.zone = Zone()                          # the system's; contexts show the system's time
        self.cpu = Readings(CPU_WINDOW, CPU_SAMPLE)  # processor time the process has spent
        self._sampler = None

    def default_prompt(self) -> list[str]:
        """Multiple mode names the context too."""
        return ["hostname", "context"] if self.system.root.multiple else ["hostname"]

    def render(self, full):
        # 7.x starts with names on, so turning it off must be written to survive a reload.
        default = self.system.family == "7.x"
        names = ["names"] if self.names_enabled else (["no names"] if default else [])
        for entry in self.names.values():
            desc = f" description {entry.description}" if entry.description else ""
            names.append(f"name {entry.address} {entry.name}{desc}")
        return [
            ("hostname", [f"hostname {self.hostname}"]),
            ("domain-name", [f"domain-name {self.domain_name}"] if self.domain_name else []),
            ("names", names),
            ("clock", self.zone.lines() if self.system.space != CONTEXT else []),
            ("prompt", [f"prompt {' '.join(self.prompt)}"] if self.prompt != self.default_prompt() or full else []),
        ]

    def start(self) -> None:
        if self.system is self.system.root:          # one processor: the system samples it
            self._sampler = Alarm(self.system.unit.clock, self._sample)
            self._sample()

    def adopt(self, old: "Device") -> None:
        self.cpu, self._sampler = old.cpu, old._sampler

    def stop(self) -> None:
        if self._sampler is not None:
            self._sampler.cancel()

    def _sample(self) -> None:
        """What the process has spent of its processor, every 5 s of the unit's clock."""
        self.cpu.add(self.system.unit.clock.monotonic(), (time.process_time(),))
        self._sampler.after(CPU_SAMPLE)

    def cpu_usage(self, seconds: int) -> int:
        """Percent of the last ``seconds`` the processor was busy running the unit's process."""
        busy = self.cpu.per_second(seconds)
        return 0 if busy is None else min(100, round(busy[0] * 100))

    def prompt_part(self, word: str) -> str | None:
        if word == "hostname":
            return self.hostname
        if word == "domain":
            return self.domain_name
        return None

    def add_name(self, entry: NameEntry) -> None:
        self.remove_name(entry.address)
        self.names[entry.address] = entry
        self._addresses[entry.name] = entry.address
        self.named_numbers[_number(entry.address)] = entry.name

    def remove_name(self, address: str) -> None:
        entry = self.names.pop(address, None)
        if entry is not None:
            self._addresses.pop(entry.name, None)
            self.named_numbers.pop(_number(address), None)

    def resolve(self, text: str) -> str:
        """A `name` standing for an address, or the text itself."""
        return self._addresses.get(text, text)


def _number(address: str) -> int:
    """A dotted quad the grammar has checked, as a number (without ipaddress's cost: thousands
    of names load at boot)."""
    return int.from_bytes(socket.inet_aton(address), "big")


HOSTNAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")

from vpix.features.device import commands  # noqa: E402,F401
