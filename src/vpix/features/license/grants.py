"""What licenses grant: the bundles a product authorization key (PAK) buys per platform,
the add-ons, and the registration service that turns a PAK and a serial into a key."""

from __future__ import annotations

from dataclasses import dataclass, replace

from vpix.hardware.catalog import catalog

UNLIMITED = "Unlimited"
KINDS = ("R", "UR", "FO", "FO_AA", "Base", "Security Plus", "VPN Plus", "VPN Premium")


@dataclass(frozen=True)
class License:
    kind: str
    failover: str                  # Disabled, Active/Standby, Active/Active
    vpn_des: bool = True
    vpn_3des: bool = False
    physical_interfaces: int | str = UNLIMITED
    vlans: int = 0
    cut_through: bool = True
    guards: bool = True
    url_filtering: bool = True
    inside_hosts: int | str = UNLIMITED
    contexts: int = 0
    vpn_peers: int | str = UNLIMITED

    @property
    def description(self) -> str:
        names = {"R": "Restricted (R)", "UR": "Unrestricted (UR)", "FO": "Failover Only (FO)",
                 "FO_AA": "Failover Only Active/Active (FO_AA)"}
        return names.get(self.kind, self.kind)


def _pix(r_phys, r_vlans, ur_phys, ur_vlans) -> dict[str, License]:
    ur = License("UR", "Active/Active", physical_interfaces=ur_phys, vlans=ur_vlans, contexts=2)
    return {"R": License("R", "Disabled", physical_interfaces=r_phys, vlans=r_vlans, vpn_peers=2000),
            "UR": ur, "FO": replace(ur, kind="FO", failover="Active/Standby"),
            "FO_AA": replace(ur, kind="FO_AA")}


# Bundles per platform; the first is what a unit falls back to without a valid key.
BUNDLES: dict[str, dict[str, License]] = {
    "PIX-501": {"10": License("R", "Disabled", physical_interfaces=2, vlans=2, inside_hosts=10,
                              vpn_peers=10),
                "50": License("R", "Disabled", physical_interfaces=2, vlans=2, inside_hosts=50,
                              vpn_peers=10),
                "UL": License("R", "Disabled", physical_interfaces=2, vlans=2, vpn_peers=10)},
    "PIX-506E": {"R": License("R", "Disabled", physical_interfaces=2, vlans=2, vpn_peers=25)},
    "PIX-515E": _pix(3, 10, 6, 25),
    "PIX-525": _pix(6, 25, 10, 100),
    "PIX-535": _pix(8, 50, 14, 150),
    "ASA5505": {"Base": License("Base", "Disabled", physical_interfaces=8, vlans=3, inside_hosts=10,
                                cut_through=False, guards=False, vpn_peers=10),
                "Security Plus": License("Security Plus", "Active/Standby", physical_interfaces=8,
                                         vlans=20, inside_hosts=10, cut_through=False, guards=False,
                                         vpn_peers=25)},
    "ASA5510": {"Base": License("Base", "Disabled", vlans=50, cut_through=False, guards=False,
                                vpn_peers=250),
                "Security Plus": License("Security Plus", "Active/Active", vlans=100, contexts=2,
                                         cut_through=False, guards=False, vpn_peers=250)},
    "ASA5520": {"VPN Plus": License("VPN Plus", "Active/Active", vlans=150, contexts=2,
                                    cut_through=False, guards=False, vpn_peers=750)},
    "ASA5540": {"VPN Premium": License("VPN Premium", "Active/Active", vlans=200, contexts=2,
                                       cut_through=False, guards=False, vpn_peers=5000)},
}

ADDONS = {
    "3DES-AES": "VPN-3DES-AES encryption",
    "CTX-5": "5 security contexts",
    "CTX-10": "10 security contexts",
    "CTX-20": "20 security contexts",
    "CTX-50": "50 security contexts",
}


class PakError(ValueError):
    """A product authorization key the service does not know, or cannot apply."""


def pak_code(model: str, bundle: str) -> str:
    return f"{model}-{bundle.replace(' ', '-').upper()}"


def paks() -> dict[str, str]:
    """Every PAK code the registration service takes, with what it grants."""
    out = {}
    for model, bundles in BUNDLES.items():
        for name, lic in bundles.items():
            out[pak_code(model, name)] = f"{model} {lic.description} license"
    for code, what in ADDONS.items():
        out[code] = f"add-on: {what} (needs the unit's current key)"
    return out


def factory(model: str) -> License:
    """What a new unit ships with: its usual bundle with strong encryption."""
    return replace(BUNDLES[model][_catalog_bundle(model)], vpn_3des=True)


def fallback(model: str) -> License:
    """What a unit runs without a valid key."""
    return next(iter(BUNDLES[model].values()))


def _catalog_bundle(model: str) -> str:
    wanted = catalog()[model].license
    return wanted if wanted in BUNDLES[model] else next(iter(BUNDLES[model]))


def grant(pak: str, base: License | None = None) -> License:
    """The license a PAK code buys, on top of ``base`` for add-ons."""
    code = pak.strip().upper()
    if code in ADDONS:
        if base is None:
            raise PakError(f"{code} is an add-on: give the unit's current activation key")
        if code == "3DES-AES":
            return replace(base, vpn_3des=True)
        if base.failover != "Active/Active" and base.kind not in ("UR", "FO_AA"):
            raise PakError(f"{code} needs a license with security contexts (UR, FO_AA)")
        return replace(base, contexts=int(code.split("-")[1]))
    for model, bundles in BUNDLES.items():
        for name, lic in bundles.items():
            if pak_code(model, name) == code:
                return lic
    raise PakError(f"unknown product authorization key {pak!r} (see `vpix license paks`)")
