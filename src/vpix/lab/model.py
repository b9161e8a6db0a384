"""The lab file format (see examples/lab.yaml for a documented example)."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from vpix.hardware.catalog import catalog
from vpix.versions import Version


class StationSpec(BaseModel):
    """What a connection on a unit's Telnet or SSH port counts as: a management station at
    ``address`` on the interface named ``interface`` (its nameif)."""

    model_config = ConfigDict(extra="forbid")

    interface: str
    address: str

    @field_validator("address")
    @classmethod
    def _ipv4(cls, value: str) -> str:
        ipaddress.IPv4Address(value)
        return value


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
    rsa_key: bool = True                 # made at creation, as `crypto key generate rsa` would; SSH needs it
    modern_ssh: bool = False             # SSH also offers today's algorithms (the device's only, by default)
    config: str | None = None            # startup-config written when the unit is created
    station: StationSpec | None = None   # the Telnet and SSH ports' station (default: 127.0.0.1, any interface)

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


class HostSpec(BaseModel):
    """A host on a segment: emulated (answers ARP and ping; optionally serves TFTP, keeps a
    syslog) or, with ``namespace``, a real Linux network namespace on a TAP device (needs
    root; "auto": when run as root); or, with ``relay``, the way to this machine's loopback."""

    model_config = ConfigDict(extra="forbid")

    address: str
    mask: str = "255.255.255.0"
    gateway: str | None = None
    tftp_root: str | None = None         # a directory served over TFTP, relative to the workdir
    images: list[str] = Field(default_factory=list)   # more image versions to put in tftp_root
    syslog: str | None = None            # a file (relative to the workdir) the syslog messages go to
    namespace: bool | Literal["auto"] = False
    relay: bool = False                  # relays TCP and UDP to its address onto 127.0.0.1

    @model_validator(mode="after")
    def _one_kind(self) -> "HostSpec":
        served = self.tftp_root or self.syslog or self.images
        if self.namespace is True and served:
            raise ValueError("a namespace host runs its own servers; tftp_root, images and syslog are "
                             "for emulated hosts")
        if self.relay and (served or self.namespace or self.gateway):
            raise ValueError("a relay is a relay only: no gateway, namespace, tftp_root, images or syslog")
        if self.images and not self.tftp_root:
            raise ValueError("images go in a tftp_root")
        for version in self.images:
            Version.parse(version)
        return self

    def in_namespace(self) -> bool:
        """A real host: asked for, or "auto" and this process may make one."""
        if self.namespace == "auto":
            return os.geteuid() == 0 and os.path.exists("/dev/net/tun")
        return self.namespace

    @field_validator("address", "mask", "gateway")
    @classmethod
    def _ipv4(cls, value: str | None) -> str | None:
        if value is not None:
            ipaddress.IPv4Address(value)
        return value


class Lab(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "lab"
    host: str = "127.0.0.1"
    workdir: str | None = None           # where unit directories live; default ~/.vpix/labs/NAME
    units: dict[str, UnitSpec] = Field(default_factory=dict)
    hosts: dict[str, HostSpec] = Field(default_factory=dict)
    # members: UNIT:INTERFACE, HOST, tap:DEVICE, raw:IFNAME or udp:LOCAL_PORT:REMOTE_ADDRESS:REMOTE_PORT
    segments: dict[str, list[str]] = Field(default_factory=dict)
    # serial failover cables between PIX units: [PRIMARY_END_UNIT, SECONDARY_END_UNIT]
    cables: list[tuple[str, str]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _cables_join_pix_units(self) -> "Lab":
        ends = [unit for cable in self.cables for unit in cable]
        for unit in ends:
            spec = self.units.get(unit)
            if spec is None or catalog()[spec.platform].line != "pix":
                raise ValueError(f"cable: {unit} is not a PIX unit of this lab")
        if len(set(ends)) != len(ends):
            raise ValueError("cable: a unit has one failover cable port")
        return self

    @model_validator(mode="after")
    def _namespace_hosts_on_one_segment(self) -> "Lab":
        for name, spec in self.hosts.items():
            count = sum(members.count(name) for members in self.segments.values())
            if spec.namespace is not False and count != 1:
                raise ValueError(f"host {name}: a namespace host is on exactly one segment")
        return self

    @model_validator(mode="after")
    def _members_exist(self) -> "Lab":
        for segment, members in self.segments.items():
            for member in members:
                kind, _, rest = member.partition(":")
                if kind in ("tap", "raw"):
                    if not 0 < len(rest) < 16:
                        raise ValueError(f"segment {segment}: an interface name is 1 to 15 characters")
                    continue
                if kind == "udp":
                    try:
                        udp_tunnel(rest)
                    except ValueError:
                        raise ValueError(f"segment {segment}: {member} is not "
                                         "udp:LOCAL_PORT:REMOTE_ADDRESS:REMOTE_PORT") from None
                    continue
                unit, _, interface = member.partition(":")
                if interface:
                    spec = self.units.get(unit)
                    if spec is None or interface not in catalog()[spec.platform].interfaces:
                        raise ValueError(f"segment {segment}: no interface {member}")
                elif member not in self.hosts:
                    raise ValueError(f"segment {segment}: no host {member}")
        return self

    def directory(self) -> Path:
        if self.workdir:
            return Path(self.workdir).expanduser()
        return Path.home() / ".vpix" / "labs" / self.name


def udp_tunnel(spec: str) -> tuple[int, tuple[str, int]]:
    """``LOCAL_PORT:REMOTE_ADDRESS:REMOTE_PORT`` → (local port, (remote address, remote port))."""
    local, address, remote = spec.split(":")
    ipaddress.IPv4Address(address)
    ports = int(local), int(remote)
    if not all(0 < p < 65536 for p in ports):
        raise ValueError(spec)
    return ports[0], (address, ports[1])


class LabFileError(Exception):
    """A lab file that can't be read, or says something a lab can't be."""


def load(path: Path | None) -> Lab:
    if path is None:
        from importlib import resources
        text = resources.files("vpix.lab").joinpath("default.yaml").read_text()
        return Lab.model_validate(yaml.safe_load(text) or {})
    try:
        data = yaml.safe_load(path.read_text())
        return Lab.model_validate(data or {})
    except OSError as err:
        raise LabFileError(f"{path}: {err.strerror or err}") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise LabFileError(f"{path}:{where} not YAML ({getattr(err, 'problem', None) or err})") from None
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "the file"
        raise LabFileError(f"{path}: {field}: {first['msg']}") from None
