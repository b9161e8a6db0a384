"""The license a unit runs with and how `show version` lists it.

Until activation keys are decoded (the licenses issue), a unit runs the license its
platform ships with (``license`` in the platform catalog).
"""

from __future__ import annotations

from dataclasses import dataclass

from vpix.features import Feature

UNLIMITED = "Unlimited"


@dataclass(frozen=True)
class License:
    kind: str                      # R, UR, FO, FO_AA, Base, Security Plus, VPN Plus, VPN Premium
    failover: str                  # Disabled, Active/Standby, Active/Active
    vpn_des: bool = True
    vpn_3des: bool = True
    physical_interfaces: int | str = UNLIMITED
    vlans: int = 0
    cut_through: bool = True
    guards: bool = True
    url_filtering: bool = True
    inside_hosts: int | str = UNLIMITED
    contexts: int = 0
    vpn_peers: int | str = UNLIMITED
    webvpn_peers: int = 2

    @property
    def description(self) -> str:
        names = {"R": "Restricted (R)", "UR": "Unrestricted (UR)", "FO": "Failover (FO)",
                 "FO_AA": "Failover Active/Active (FO_AA)"}
        return names.get(self.kind, self.kind)


# (platform, license) -> what it grants; the 6.x/7.x PIX and ASA data sheets' figures.
DEFAULTS: dict[tuple[str, str], License] = {
    ("PIX-501", "R"): License("R", "Disabled", physical_interfaces=2, vlans=2, inside_hosts=10,
                              contexts=0, vpn_peers=10),
    ("PIX-506E", "R"): License("R", "Disabled", physical_interfaces=2, vlans=2, vpn_peers=25),
    ("PIX-515E", "R"): License("R", "Disabled", physical_interfaces=3, vlans=10, vpn_peers=2000),
    ("PIX-515E", "UR"): License("UR", "Active/Active", physical_interfaces=6, vlans=25, contexts=2),
    ("PIX-525", "UR"): License("UR", "Active/Active", physical_interfaces=10, vlans=100, contexts=2),
    ("PIX-535", "UR"): License("UR", "Active/Active", physical_interfaces=14, vlans=150, contexts=2),
    ("ASA5505", "Base"): License("Base", "Disabled", cut_through=False, guards=False,
                                 physical_interfaces=8, vlans=3, inside_hosts=10, vpn_peers=10),
    ("ASA5510", "Security Plus"): License("Security Plus", "Active/Standby", vlans=100, contexts=2,
                                          vpn_peers=250),
    ("ASA5520", "VPN Plus"): License("VPN Plus", "Active/Active", vlans=150, contexts=2, vpn_peers=750),
    ("ASA5540", "VPN Premium"): License("VPN Premium", "Active/Active", vlans=200, contexts=2,
                                       vpn_peers=5000),
}


class Licensing(Feature):
    def __init__(self, system):
        super().__init__(system)
        hw = system.hw
        self.running = DEFAULTS[(hw.model, hw.license)]

    def feature_lines(self) -> list[str]:
        """`Licensed features` block of `show version`, in the family's layout."""
        lic, hw = self.running, self.system.hw
        if self.system.family == "6.x":
            rows = [("Failover", _on(lic.failover != "Disabled")),
                    ("VPN-DES", _on(lic.vpn_des)), ("VPN-3DES-AES", _on(lic.vpn_3des)),
                    ("Maximum Physical Interfaces", lic.physical_interfaces),
                    ("Maximum Interfaces", lic.vlans),
                    ("Cut-through Proxy", _on(lic.cut_through)), ("Guards", _on(lic.guards)),
                    ("URL-filtering", _on(lic.url_filtering)), ("Inside Hosts", lic.inside_hosts),
                    ("Throughput", UNLIMITED), ("IKE peers", lic.vpn_peers)]
            lines = ["Licensed Features:"] + [f"{k + ':':<29}{v}" for k, v in rows]
            return lines + ["", f"This PIX has a{'n' if lic.kind == 'UR' else ''} {lic.description} license."]
        rows = [("Maximum Physical Interfaces", lic.physical_interfaces), ("Maximum VLANs", lic.vlans),
                ("Inside Hosts", lic.inside_hosts), ("Failover", lic.failover),
                ("VPN-DES", _on(lic.vpn_des)), ("VPN-3DES-AES", _on(lic.vpn_3des))]
        if hw.line == "pix":
            rows += [("Cut-through Proxy", _on(lic.cut_through)), ("Guards", _on(lic.guards)),
                     ("URL Filtering", _on(lic.url_filtering))]
        rows += [("Security Contexts", lic.contexts), ("GTP/GPRS", "Disabled"),
                 ("VPN Peers", lic.vpn_peers)]
        if hw.line == "asa":
            rows.append(("WebVPN Peers", lic.webvpn_peers))
        lines = ["Licensed features for this platform:"] + [f"{k:<28}: {v}" for k, v in rows]
        if hw.line == "asa":
            kind = f"an {hw.model[:3]} {hw.model[3:]} {lic.kind} license"
        else:
            kind = f"a{'n' if lic.kind in ('UR',) else ''} {lic.description} license"
        return lines + ["", f"This platform has {kind}."]


def _on(flag: bool) -> str:
    return "Enabled" if flag else "Disabled"
