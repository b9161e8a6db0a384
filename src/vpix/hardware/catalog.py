"""The platform catalog (platforms.yaml) as typed records."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from vpix.versions import Version, VersionRange


@dataclass(frozen=True)
class Platform:
    model: str
    line: str                  # "pix" or "asa"
    ram_mb: int
    flash_mb: int
    cpu: str
    flash_chip: str
    bios_flash: str
    interfaces: tuple[str, ...]
    nic: str
    max_interfaces: int
    max_conns: int
    failover: bool
    versions: str
    license: str

    def runs(self, version: Version) -> bool:
        return version in VersionRange.parse(self.versions)

    def boots(self, line: str, version: Version) -> bool:
        """An image of this hardware line and a release the platform runs."""
        return line == self.line and self.runs(version)

    @property
    def flash_bytes(self) -> int:
        return self.flash_mb * 1024 * 1024

    @property
    def flash_device(self) -> str:
        """What `dir` calls the flash: ``flash:`` on PIX, ``disk0:`` on ASA."""
        return "disk0:" if self.line == "asa" else "flash:"


@cache
def catalog() -> dict[str, Platform]:
    data = yaml.safe_load(resources.files("vpix.hardware").joinpath("platforms.yaml").read_text())
    return {model: Platform(model=model, **{**spec, "interfaces": tuple(spec["interfaces"])})
            for model, spec in data.items()}


def platform(model: str) -> Platform:
    try:
        return catalog()[model]
    except KeyError:
        raise KeyError(f"unknown platform {model!r}; known: {', '.join(catalog())}") from None
