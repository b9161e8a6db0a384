"""The failover wire format and its messages (sans-IO): what goes in IP protocol 105 packets
(LAN) or cable frames.

    offset  size  field
    0       2     magic b"FO"
    2       1     format version (2)
    3       1     flags: bit 0 = encrypted with the `failover key`
    4       1     message type (see TYPES)
    5       4     the sending endpoint's epoch (random per endpoint and boot: its sequence space)
    9       4     sequence number
    13      4     the sender's boot id (random per boot of the unit)
    17      4     the receiver's boot id as the sender knows it (0: not yet)
    21      2     body length N
    23      N     body: UTF-8 JSON of the message's fields (those not at their default); with a
                  key, AES-GCM ciphertext + tag (nonce = epoch ‖ seq ‖ 0)

With a key the header is authenticated as associated data. A receiver drops, and counts,
messages that are malformed, truncated, of an unknown type, fail authentication, or
repeat a sequence number it already has from that epoch. Every message but the ones that
find the mate (OPEN) must name the receiver's boot id of now: a frame captured before either
unit rebooted belongs to a pairing that no longer exists, and is dropped as replayed. An OPEN
message from a boot not yet confirmed is not believed: its boot id is only where the next
messages go, and the mate is believed once it answers with this boot's id.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import struct
from dataclasses import dataclass, field
from typing import Any, Callable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PROTO_FAILOVER = 105             # the IP protocol LAN failover messages travel in
MAGIC = b"FO"
VERSION = 3
HEADER = struct.Struct("!2sBBBIIIIH")
DECRYPTION_FAILURE = ("Failover message decryption failure. Please make sure both units have the same "
                      "failover shared key and crypto license or system is not out of memory")


class Dropped(ValueError):
    """A message the receiver throws away; ``reason`` is the counter it goes to."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# ---------------------------------------------------------------- the messages

@dataclass(frozen=True)
class Hello:
    """Every poll, from each machine: the unit's (group 0) or a failover group's. On the
    failover link the unit's hello also says what the unit is and holds; on a monitored
    interface a hello carries only the first two fields."""

    primary: bool
    state: str
    failed_interfaces: int = 0
    active_for: float = 0.0             # seconds in the active role, 0 when not active
    up_for: float = 0.0                 # seconds since failover started on the unit (its boot)
    group: int = 0
    active_time: float = 0.0             # the seconds this machine has been active, in all
    version: str = ""
    macs: tuple[str, ...] = ()
    interfaces: dict[str, str] = field(default_factory=dict)   # monitored interface -> its status
    identity: dict[str, Any] = field(default_factory=dict)     # what failover/compat.py compares
    cfg: int = 0                         # the replicated changes made on the sender while active
    partial: bool = False                # its configuration is a bulk sync cut short
    synced: tuple[int, int] | None = None    # (active mate's epoch, its version) the sender holds


@dataclass(frozen=True)
class LanTest:
    """On a monitored interface: answer at once (the sender cannot hear the failover link)."""

    primary: bool
    state: str


@dataclass(frozen=True)
class Order:
    """Asks the mate's machine (group 0: the unit's) to go "active" or "standby"."""

    role: str
    reason: str
    group: int = 0


@dataclass(frozen=True)
class Config:
    """Configuration lines for a space (the system: no context) where it stands by: a
    replicated command with the commands of the mode it was entered in (``version`` its
    number), a chunk of a bulk sync, or (``replace``) a context's configuration anew."""

    lines: tuple[str, ...]
    context: str = ""
    replace: bool = False
    version: int = 0


@dataclass(frozen=True)
class SyncStart:
    version: int


@dataclass(frozen=True)
class SyncEnd:
    pass


@dataclass(frozen=True)
class WantConfig:
    """A standby asks for the whole configuration."""


@dataclass(frozen=True)
class Save:
    """`write memory` was entered where the space is active: save it here too."""

    context: str = ""


@dataclass(frozen=True)
class Exec:
    id: int
    line: str


@dataclass(frozen=True)
class ExecReply:
    id: int
    output: str
    more: bool = False


@dataclass(frozen=True)
class Reload:
    """`failover reload-standby`."""


@dataclass(frozen=True)
class Update:
    """Stateful failover records of one kind (failover/stateful's kinds) for a space."""

    kind: str
    records: list = field(default_factory=list)
    context: str = ""


@dataclass(frozen=True)
class File:
    """A file command run where the system is active, to run again on the mate."""

    line: str


TYPES: dict[int, type] = {1: Hello, 2: Order, 3: Config, 4: SyncStart, 5: SyncEnd, 6: WantConfig, 7: Exec,
                          8: ExecReply, 9: Reload, 10: Update, 11: LanTest, 12: File, 13: Save}
TYPE_IDS = {kind: number for number, kind in TYPES.items()}
OPEN = (Hello, LanTest)          # sent before the mate's boot id is known; they only tell state


def _pair(value) -> tuple[int, int]:
    first, second = value
    return _integer(first), _integer(second)


def _integer(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(value)
    return value


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(value)
    return float(value)


def _typed(kind: type) -> Callable[[Any], Any]:
    def check(value):
        if not isinstance(value, kind):
            raise TypeError(value)
        return value
    return check


def _strings(value) -> tuple[str, ...]:
    return tuple(_typed(str)(item) for item in _typed(list)(value))


def _string_map(value) -> dict[str, str]:
    return {_typed(str)(k): _typed(str)(v) for k, v in _typed(dict)(value).items()}


# How a JSON value becomes a field of each annotation the messages use.
_READERS: dict[str, Callable[[Any], Any]] = {
    "bool": _typed(bool), "int": _integer, "float": _number, "str": _typed(str), "list": _typed(list),
    "tuple[str, ...]": _strings, "dict[str, str]": _string_map, "dict[str, Any]": _typed(dict),
    "tuple[int, int] | None": lambda value: None if value is None else _pair(value),
}


_REQUIRED = object()          # the default of a field that has none


@functools.cache
def _schema(kind: type) -> tuple[tuple[str, Any, Callable[[Any], Any]], ...]:
    """Each field of a message class: its name, its default, how a JSON value becomes it
    (worked out once a class; every message sent or received goes through it)."""
    return tuple((f.name, f.default_factory() if f.default_factory is not dataclasses.MISSING
                  else _REQUIRED if f.default is dataclasses.MISSING else f.default, _READERS[f.type])
                 for f in dataclasses.fields(kind))


def body_of(message) -> dict:
    """The JSON body: the fields not at their default."""
    body = {}
    for name, default, _ in _schema(type(message)):
        value = getattr(message, name)
        if value != default:
            body[name] = value
    return body


def message_of(kind: type, body) -> Any:
    """The message of a decoded body; Dropped("malformed") when a field is of the wrong type
    or a required one is missing (unknown fields are ignored)."""
    if not isinstance(body, dict):
        raise Dropped("malformed")
    values = {}
    try:
        for name, default, read in _schema(kind):
            if name in body:
                values[name] = read(body[name])
            elif default is _REQUIRED:
                raise Dropped("malformed")
    except (TypeError, ValueError):
        raise Dropped("malformed") from None
    return kind(**values)


def describe(message) -> str:
    """One line for `debug fover rx|tx`: the message and its gist."""
    if isinstance(message, Hello):
        return f"hello {'Primary' if message.primary else 'Secondary'} {message.state}"
    if isinstance(message, Order):
        return f"order {message.role} ({message.reason})"
    if isinstance(message, Config):
        return f"config {len(message.lines)} line(s)"
    return " ".join([type(message).__name__.lower()] + [f"{k}={v}" for k, v in body_of(message).items()])


# ---------------------------------------------------------------- the wire

@dataclass(frozen=True)
class Message:
    """A message as received: what it says and the header that came with it."""

    body: Any                # one of the message classes above
    epoch: int = 0
    seq: int = 0
    boot: int = 0           # the sender's boot id
    to: int = 0             # the receiver's boot id, as the sender knew it


@dataclass
class Pairing:
    """This boot's id and the mate's, as the failover link learned it: what binds a message
    to the pairing of now. One per unit boot, shared by the links that carry its messages."""

    mine: int
    mate: int = 0


def _cipher(key: str | None) -> AESGCM | None:
    if not key:
        return None
    return AESGCM(hashlib.sha256(b"vpix failover key:" + key.encode()).digest())


def _nonce(epoch: int, seq: int) -> bytes:
    return struct.pack("!II", epoch, seq) + b"\0\0\0\0"


def encode(message: Message, key: str | None = None) -> bytes:
    return frame(TYPE_IDS[type(message.body)], body_of(message.body), message.epoch, message.seq, message.boot,
                 message.to, key)


def frame(type_id: int, body, epoch: int, seq: int, boot: int, to: int, key: str | None = None) -> bytes:
    """The bytes of a message of type ``type_id`` whose body is any JSON value."""
    data = json.dumps(body, separators=(",", ":")).encode()
    cipher = _cipher(key)
    header = HEADER.pack(MAGIC, VERSION, 1 if cipher else 0, type_id, epoch, seq, boot, to,
                         len(data) + (16 if cipher else 0))
    if cipher:
        data = cipher.encrypt(_nonce(epoch, seq), data, header)
    return header + data


def decode(data: bytes, key: str | None = None) -> Message:
    if len(data) < HEADER.size:
        raise Dropped("truncated")
    magic, version, flags, type_id, epoch, seq, boot, to, length = HEADER.unpack_from(data)
    if magic != MAGIC or version != VERSION or type_id not in TYPES:
        raise Dropped("malformed")
    body = data[HEADER.size:HEADER.size + length]
    if len(body) != length:
        raise Dropped("truncated")
    cipher = _cipher(key)
    if bool(flags & 1) != bool(cipher):
        raise Dropped("decryption")
    if cipher:
        try:
            body = cipher.decrypt(_nonce(epoch, seq), body, data[:HEADER.size])
        except InvalidTag:
            raise Dropped("decryption") from None
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Dropped("malformed") from None
    return Message(message_of(TYPES[type_id], parsed), epoch, seq, boot, to)


@dataclass
class Endpoint:
    """One side of a failover link: numbers what it sends and addresses it to the mate's boot,
    checks what it receives; an accepted message tells the mate's boot id."""

    epoch: int
    key: str | None = None
    pairing: Pairing = field(default_factory=lambda: Pairing(0))
    seq: int = 0
    dropped: dict[str, int] = field(default_factory=lambda: {"truncated": 0, "malformed": 0,
                                                              "decryption": 0, "replayed": 0})
    _seen: dict[int, int] = field(default_factory=dict)      # sender epoch -> highest seq

    def pack(self, body) -> bytes:
        self.seq = (self.seq + 1) & 0xFFFFFFFF
        return encode(Message(body, self.epoch, self.seq, self.pairing.mine, self.pairing.mate), self.key)

    def unpack(self, data: bytes) -> Message | None:
        """The message, or None when it is dropped (and counted)."""
        try:
            message = decode(data, self.key)
        except Dropped as err:
            self.dropped[err.reason] += 1
            return None
        bound = message.to == self.pairing.mine
        opening = message.to == 0 and isinstance(message.body, OPEN)
        if not (bound or opening) or message.seq <= self._seen.get(message.epoch, 0):
            self.dropped["replayed"] += 1
            return None
        self._seen[message.epoch] = message.seq
        confirmed = bound or message.boot == self.pairing.mate
        self.pairing.mate = message.boot
        # A boot that does not know ours yet is answered (addressed from now on) but believed only
        # once it answers in kind: a hello captured long ago cannot pass for the mate.
        return message if confirmed else None
