"""The failover wire format: what goes in IP protocol 105 packets (LAN) or cable frames.

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
    23      N     body: UTF-8 JSON; with a key, AES-GCM ciphertext + tag (nonce = epoch ‖ seq ‖ 0)

With a key the header is authenticated as associated data. A receiver drops, and counts,
messages that are malformed, truncated, of an unknown type, fail authentication, or
repeat a sequence number it already has from that epoch. Every message but the ones that
find the mate (OPEN) must name the receiver's boot id of now: a frame captured before either
unit rebooted belongs to a pairing that no longer exists, and is dropped as replayed. An OPEN
message from a boot not yet confirmed is not believed: its boot id is only where the next
messages go, and the mate is believed once it answers with this boot's id.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PROTO_FAILOVER = 105             # the IP protocol LAN failover messages travel in
MAGIC = b"FO"
VERSION = 2
HEADER = struct.Struct("!2sBBBIIIIH")
TYPES = {1: "hello", 2: "order", 3: "config", 4: "sync-start", 5: "sync-end", 6: "state", 7: "exec",
         8: "exec-reply", 9: "reload", 10: "update", 11: "lantest", 12: "file"}
TYPE_IDS = {name: number for number, name in TYPES.items()}
OPEN = frozenset({"hello", "lantest"})   # sent before the mate's boot id is known; they only tell state
DECRYPTION_FAILURE = ("Failover message decryption failure. Please make sure both units have the same "
                      "failover shared key and crypto license or system is not out of memory")


class Dropped(ValueError):
    """A message the receiver throws away; ``reason`` is the counter it goes to."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Message:
    type: str
    body: dict
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
    body = json.dumps(message.body, separators=(",", ":")).encode()
    cipher = _cipher(key)
    flags = 1 if cipher else 0
    length = len(body) + (16 if cipher else 0)
    header = HEADER.pack(MAGIC, VERSION, flags, TYPE_IDS[message.type], message.epoch, message.seq, message.boot,
                         message.to, length)
    if cipher:
        body = cipher.encrypt(_nonce(message.epoch, message.seq), body, header)
    return header + body


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
    if not isinstance(parsed, dict):
        raise Dropped("malformed")
    return Message(TYPES[type_id], parsed, epoch, seq, boot, to)


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

    def pack(self, type: str, body: dict) -> bytes:
        self.seq = (self.seq + 1) & 0xFFFFFFFF
        return encode(Message(type, body, self.epoch, self.seq, self.pairing.mine, self.pairing.mate), self.key)

    def unpack(self, data: bytes) -> Message | None:
        """The message, or None when it is dropped (and counted)."""
        try:
            message = decode(data, self.key)
        except Dropped as err:
            self.dropped[err.reason] += 1
            return None
        bound = message.to == self.pairing.mine
        if not (bound or (message.to == 0 and message.type in OPEN)) or message.seq <= self._seen.get(message.epoch, 0):
            self.dropped["replayed"] += 1
            return None
        self._seen[message.epoch] = message.seq
        confirmed = bound or message.boot == self.pairing.mate
        self.pairing.mate = message.boot
        # A boot that does not know ours yet is answered (addressed from now on) but believed only
        # once it answers in kind: a hello captured long ago cannot pass for the mate.
        return message if confirmed else None
