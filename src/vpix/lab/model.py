"""The lab file format (see examples/lab.yaml for a documented example)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from vpix.hardware.catalog import catalog
from vpix.versions import Version


class UnitSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform: str = "PIX-515E"
    version: str | None = None           # image version; the platform's default when unset
    image_size_mb: float | None = None
    serial: str | None = None
    activation_key: str | None = None
    break_window: float = 0.0
    console_port: int = 0                # 0: any free port
    telnet_port: int = 0
    ssh_port: int = 0
    host_key: str = "rsa"                # rsa (as the device) or ed25519 (fast to make)
    config: str | None = None            # startup-config written when the unit is created

    @field_validator("platform")
    @classmethod
    def _known_platform(cls, value: str) -> str:
        if value not in catalog():
            raise ValueError(f"unknown platform {value!r}; known: {', '.join(catalog())}")
        return value

    @field_validator("version")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None:
            Version.parse(value)
        return value

    @field_validator("host_key")
    @classmethod
    def _key_type(cls, value: str) -> str:
        if value not in ("rsa", "ed25519"):
            raise ValueError("host_key is rsa or ed25519")
        return value


class Lab(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "lab"
    host: str = "127.0.0.1"
    workdir: str | None = None           # where unit directories live; default ~/.vpix/labs/NAME
    units: dict[str, UnitSpec] = Field(default_factory=dict)

    def directory(self) -> Path:
        if self.workdir:
            return Path(self.workdir).expanduser()
        return Path.home() / ".vpix" / "labs" / self.name


def load(path: Path | None) -> Lab:
    if path is None:
        from importlib import resources
        text = resources.files("vpix.lab").joinpath("default.yaml").read_text()
    else:
        text = path.read_text()
    return Lab.model_validate(yaml.safe_load(text) or {})
