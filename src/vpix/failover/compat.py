"""Can these two units be a failover pair? Checked when a unit first hears its mate (sans-IO:
the runtime says what this unit is, the mate's hello what it is).

Each unit tells its mate, in its hellos, what it is: platform, interface count, software
version, license (its kind, which on a PIX must be Unrestricted on the primary, and its
encryption: DES/3DES must match) and operating mode. A difference that stops the pair is a ``Mismatch`` with
``fatal`` set: the unit that is not active fails itself and never stands by. A maintenance
release difference (7.2(1) with 7.2(2)) is allowed while the pair is upgraded and only logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from vpix.versions import Version


@dataclass(frozen=True)
class Mismatch:
    id: int
    text: str
    fatal: bool = True


def check(ours: dict, mate: dict, primary: bool = True) -> list[Mismatch]:
    """What stops (or only differs in) a pair of this unit (``primary`` or not) and its mate."""
    found = []
    if mate.get("platform") != ours["platform"]:
        found.append(Mismatch(105046, "Mate has a different chassis"))
    if mate.get("interfaces") != ours["interfaces"]:
        found.append(Mismatch(105038, "Interface count mismatch"))
    try:
        theirs = Version.parse(str(mate.get("version")))
    except ValueError:
        theirs = None
    mine = Version.parse(ours["version"])
    if theirs is None or theirs.train != mine.train:
        found.append(Mismatch(103006, f"Mate version {mate.get('version')} is not compatible with ours {mine}"))
    elif theirs != mine:
        found.append(Mismatch(103007, f"Mate version {theirs} is not identical with ours {mine}", fatal=False))
    active_active = ours.get("active_active") or mate.get("active_active")
    licenses = (ours["license"], str(mate.get("license")))
    if not licenses_pair(*(licenses if primary else licenses[::-1]), bool(active_active)) \
            or mate.get("crypto") != ours["crypto"]:
        found.append(Mismatch(105045, "Mate license not compatible"))
    if mate.get("mode") != ours["mode"]:
        found.append(Mismatch(105044, "Mate operational mode not compatible"))
    return found


PIX_LICENSES = {"R", "UR", "FO", "FO_AA"}


def licenses_pair(primary: str, secondary: str, active_active: bool = False) -> bool:
    """PIX (004): the primary runs Unrestricted, the secondary Unrestricted, Failover or
    Failover Active/Active; a Restricted unit cannot fail over at all, and a Failover
    (Active/Standby only) one cannot be half of an Active/Active pair. ASA: the same license
    on both."""
    kinds = {primary, secondary}
    if kinds <= PIX_LICENSES:
        return primary == "UR" and "R" not in kinds and not (active_active and "FO" in kinds)
    return primary == secondary
