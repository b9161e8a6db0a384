"""Activation keys: four 32-bit words, bound to one serial number. Sans-IO.

The first two words carry the grant, whitened with SHA-256 of the serial so that the same
grant gives different-looking keys on different units; the last two are a MAC over
serial and grant under the registration service's secret. A key for another serial, a
mistyped word or a hand-made key fails the MAC.

Grant layout (64 bits, most significant first):

    63..60  format (1)              35..30  security contexts (0-63)
    59..57  license kind            29..26  VPN peers, index into VPN_PEERS
    56..55  failover (0 no, 1 A/S, 2 A/A) 25..24 inside hosts, index into INSIDE_HOSTS
    54      VPN-DES                 23..0   zero
    53      VPN-3DES-AES
    52..47  physical interfaces (63 = Unlimited)
    46..39  VLANs / logical interfaces
    38      cut-through proxy, 37 guards, 36 URL filtering (Websense)
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import replace

from vpix.features.license.grants import KINDS, License

FORMAT = 1
# The registration service's signing secret. It is a fixture of the emulated vendor, not a
# protection of anything: it only makes hand-made keys fail as they would on the device.
_SERVICE_SECRET = b"vpix activation key service v1"
FAILOVER = ("Disabled", "Active/Standby", "Active/Active")
VPN_PEERS: tuple[int | str, ...] = (0, 2, 10, 25, 50, 250, 750, 2000, 5000, "Unlimited")
INSIDE_HOSTS: tuple[int | str, ...] = (10, 50, "Unlimited")
_WORD = re.compile(r"^(0x)?([0-9a-fA-F]{1,8})$")


class InvalidKey(ValueError):
    """Not a valid activation key for this serial number."""


def parse_words(words: list[str]) -> tuple[int, int, int, int]:
    """Four hex words, `0x` optional; raises InvalidKey for anything else."""
    if len(words) != 4:
        raise InvalidKey("an activation key is four words")
    values = []
    for word in words:
        m = _WORD.match(word)
        if not m:
            raise InvalidKey(f"not a 32-bit hex word: {word}")
        values.append(int(m[2], 16))
    return tuple(values)  # type: ignore[return-value]


def format_key(words: tuple[int, int, int, int]) -> str:
    return " ".join(f"0x{w:08x}" for w in words)


def _whitening(serial: str) -> int:
    return int.from_bytes(hashlib.sha256(b"serial:" + serial.encode()).digest()[:8], "big")


def _mac(serial: str, grant: int) -> int:
    digest = hmac.new(_SERVICE_SECRET, serial.encode() + grant.to_bytes(8, "big"), "sha256").digest()
    return int.from_bytes(digest[:8], "big")


def _index(table: tuple, value) -> int:
    try:
        return table.index(value)
    except ValueError:
        raise ValueError(f"{value!r} is not one of {table}") from None


def encode(serial: str, lic: License) -> str:
    phys = 63 if lic.physical_interfaces == "Unlimited" else int(lic.physical_interfaces)
    grant = (FORMAT << 60 | KINDS.index(lic.kind) << 57 | FAILOVER.index(lic.failover) << 55
             | lic.vpn_des << 54 | lic.vpn_3des << 53 | min(phys, 63) << 47
             | min(lic.vlans, 255) << 39 | lic.cut_through << 38 | lic.guards << 37
             | lic.url_filtering << 36 | min(lic.contexts, 63) << 30
             | _index(VPN_PEERS, lic.vpn_peers) << 26 | _index(INSIDE_HOSTS, lic.inside_hosts) << 24)
    hidden = grant ^ _whitening(serial)
    mac = _mac(serial, grant)
    return format_key((hidden >> 32, hidden & 0xFFFFFFFF, mac >> 32, mac & 0xFFFFFFFF))


def decode(serial: str, words: tuple[int, int, int, int] | str) -> License:
    """What a key grants on the unit with this serial; raises InvalidKey."""
    if isinstance(words, str):
        words = parse_words(words.split())
    hidden = words[0] << 32 | words[1]
    mac = words[2] << 32 | words[3]
    grant = hidden ^ _whitening(serial)
    if not hmac.compare_digest(mac.to_bytes(8, "big"), _mac(serial, grant).to_bytes(8, "big")):
        raise InvalidKey("the key does not belong to this serial number")
    if grant >> 60 != FORMAT or grant & 0xFFFFFF:
        raise InvalidKey("unknown key format")
    try:
        kind = KINDS[grant >> 57 & 7]
        phys = grant >> 47 & 63
        return License(
            kind=kind, failover=FAILOVER[grant >> 55 & 3], vpn_des=bool(grant >> 54 & 1),
            vpn_3des=bool(grant >> 53 & 1), physical_interfaces="Unlimited" if phys == 63 else phys,
            vlans=grant >> 39 & 255, cut_through=bool(grant >> 38 & 1), guards=bool(grant >> 37 & 1),
            url_filtering=bool(grant >> 36 & 1), contexts=grant >> 30 & 63,
            vpn_peers=VPN_PEERS[grant >> 26 & 15], inside_hosts=INSIDE_HOSTS[grant >> 24 & 3])
    except IndexError:
        raise InvalidKey("unknown key format") from None


def with_3des(lic: License) -> License:
    return replace(lic, vpn_3des=True)
