"""The running-config as a whole: slot order per version family, blocks, checksum."""

from __future__ import annotations

import hashlib

# Where each feature's lines stand, as the device writes its configuration.
SLOTS = {
    "6.x": ["interfaces", "nameif", "enable", "passwd", "hostname", "domain-name", "fixup", "names",
            "object-group", "access-list", "pager", "logging", "mtu", "ip-address", "failover", "pdm", "arp", "nat",
            "access-group", "route", "timeout", "aaa-server", "aaa", "username", "http", "snmp",
            "floodguard", "telnet", "ssh", "console", "tftp", "terminal", "banner"],
    "7.x": ["hostname", "domain-name", "enable", "names", "banner", "mac-address", "interfaces", "class", "passwd", "boot", "ftp",
            "clock", "dns", "same-security-traffic", "object-group", "time-range", "access-list", "pager", "logging",
            "mtu", "ip-local-pool", "ip-verify", "failover", "monitor", "icmp", "asdm", "arp", "nat-control", "nat",
            "access-group", "router", "route", "timeout", "dap", "aaa-server", "username", "aaa", "privilege",
            "http", "snmp", "sysopt", "service", "crypto", "telnet", "ssh", "console", "management-access", "dhcpd",
            "threat-detection", "ntp", "ssl", "tftp", "webvpn", "group-policy", "tunnel-group", "auth-prompt",
            "terminal", "class-map", "policy-map", "service-policy", "context", "prompt"],
}


# Words `show running-config` takes that no configuration command starts with
SECTIONS = frozenset({"interface", "names"})


def order(family: str, sections: list[tuple[str, list[str]]]) -> list[str]:
    rank = {slot: i for i, slot in enumerate(SLOTS[family])}
    ordered = sorted(sections, key=lambda s: rank.get(s[0], len(rank)))
    return [line for _, lines in ordered for line in lines]


def checksum(body: list[str]) -> str:
    return hashlib.md5("\n".join(body).encode()).hexdigest()


def checksum_words(digest: str) -> str:
    """A checksum as `Cryptochecksum:` shows it, in four groups of eight."""
    return " ".join(digest[i:i + 8] for i in range(0, 32, 8))


def framed(body: list[str], shown: list[str] | None = None) -> list[str]:
    """Header, body (or what is shown of it), checksum of the body, end: a configuration file."""
    return [": Saved", ":"] + (body if shown is None else shown) + [f"Cryptochecksum:{checksum(body)}", ": end"]


def as_file(lines: list[str]) -> bytes:
    """Configuration lines as a file holds them."""
    return "".join(line + "\n" for line in lines).encode()


def blocks(lines: list[str]) -> list[list[str]]:
    """Top-level commands with their indented sub-commands."""
    out: list[list[str]] = []
    for line in lines:
        if line.startswith(" ") and out:
            out[-1].append(line)
        else:
            out.append([line])
    return out


def select(lines: list[str], words: str) -> list[str]:
    """`show running-config WORDS`: the blocks whose command starts with WORDS."""
    want = words.lower().split()
    chosen = []
    for block in blocks(lines):
        head = block[0].lower().split()
        if head[:1] == ["no"]:
            head = head[1:]
        if head[: len(want)] == want or (want == ["names"] and head[:1] == ["name"]):
            chosen.extend(block)
    return chosen
