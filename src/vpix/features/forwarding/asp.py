"""`show asp drop` and `clear asp drop` (7.x): what the data path dropped, by reason. Releases
from 7.0(8), 7.2(4) and 8.0(4) on print each reason's keyword and when the counters were last
cleared; earlier 7.x releases print the descriptions alone."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from vpix.features.device.commands import moment_text
from vpix.versions import Version

FRAME = {
    "invalid-encap": "Invalid encapsulation",
    "invalid-ip-header": "Invalid IP header",
    "invalid-ip-length": "Invalid IP Length",
    "invalid-tcp-hdr-length": "Invalid TCP Length",
    "invalid-udp-length": "Invalid UDP Length",
    "no-route": "No route to host",
    "rpf-violated": "Reverse-path verify failed",
    "acl-drop": "Flow is denied by configured rule",
    "tcp-not-syn": "First TCP packet not SYN",
    "sp-security-failed": "Slowpath security checks failed",
    "ifc-classify": "Virtual firewall classification failed",
}
FLOW = {
    "conn-limit": "Connection limit reached",
}
HELP = {"asp": "Accelerated Security Path information", "drop": "Dropped packets and connections",
        "frame": "Dropped packets", "flow": "Dropped connections"}
KEYWORDS_SINCE = {(7, 0): 8, (7, 2): 4, (8, 0): 4}      # train -> first maintenance release with keywords


def keyworded(version: Version) -> bool:
    first = KEYWORDS_SINCE.get((version.major, version.minor))
    if first is not None:
        return version.maint >= first
    return (version.major, version.minor) > (8, 0)


def kinds(args: dict) -> list[str]:
    """The sections `show|clear asp drop [frame|flow]` names: both when it names neither."""
    return [kind for kind in ("frame", "flow") if args.get(kind)] or ["frame", "flow"]


def lines(version: Version, kinds: list[str], counters: dict[str, Counter],
          cleared: dict[str, tuple[datetime, str] | None]) -> list[str]:
    """The sections asked for (``frame``, ``flow``), each reason that counted something."""
    out: list[str] = []
    for kind in kinds:
        if out:
            out.append("")
        out.append(f"{kind.capitalize()} drop:")
        names = FRAME if kind == "frame" else FLOW
        for reason, label in names.items():
            count = counters[kind][reason]
            if count:
                text = f"{label} ({reason})" if keyworded(version) else label
                out.append(f"  {text:<66}{count:>12}")
        if keyworded(version):
            out.append(f"Last clearing: {_when(cleared[kind])}")
    return out


def _when(cleared: tuple[datetime, str] | None) -> str:
    if cleared is None:
        return "Never"
    when, user = cleared
    return f"{moment_text(when)} by {user}"
