"""Licenses: the running and flash activation keys, `activation-key`, `show activation-key`,
and the licensed-features blocks `show version` prints. Keys: keys.py; grants: grants.py."""

from __future__ import annotations

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.features import PLATFORM, Feature
from vpix.features.license import grants, keys
from vpix.features.license.grants import UNLIMITED, License
from vpix.numbers import is_number

KEY_FILE = "activation-key"
STANDALONE_REBOOT = 24 * 3600       # an FO/FO_AA unit out of failover duty reboots this often

NOT_VALID = "The activation key is not valid."
SAME_AS_RUNNING = "The activation key you entered is the same as the Running key."
IMAGES_DIFFER = "The Flash image and the Running image differ."


class Licensing(Feature):
    spaces = PLATFORM

    def __init__(self, system):
        super().__init__(system)
        self.serial = system.unit.identity.serial
        self.running_key = self.flash_key()
        granted = self.decode(self.running_key)
        self.valid = granted is not None
        self.running = granted or grants.fallback(system.hw.model)

    def start(self) -> None:
        """Failover-only licenses are for failover pairs: a unit that is not in one reloads
        every 24 hours. The warning comes at boot when failover is not even configured."""
        if self.running.kind not in ("FO", "FO_AA"):
            return
        unit = self.system.unit
        failover = self._failover()
        if failover is None or not failover.enabled:
            unit.console.write(f"*** WARNING: This unit has a {self.running.description} license and is not "
                               "part of a failover pair.\n*** It will reload every 24 hours until it is "
                               "returned to failover duty.\n")
        unit.clock.call_later(STANDALONE_REBOOT, self._daily)

    def _daily(self) -> None:
        if not self.system.running():
            return
        if self.in_failover():
            self.system.unit.clock.call_later(STANDALONE_REBOOT, self._daily)
        else:
            self.system.unit.reload()

    def in_failover(self) -> bool:
        """Failover is on and the mate is heard."""
        failover = self._failover()
        return failover is not None and failover.runtime is not None and failover.runtime.machine.mate_heard

    def _failover(self):
        from vpix.features.failover import FailoverConfig

        return self.system.feature_if_any(FailoverConfig)

    # ------------------------------------------------------------ keys

    def flash_key(self) -> str | None:
        data = self.system.unit.flash.read_private(KEY_FILE)
        return data.decode(errors="replace").strip() if data else None

    def decode(self, key: str | None) -> License | None:
        if not key:
            return None
        try:
            return keys.decode(self.serial, key)
        except keys.InvalidKey:
            return None

    def serial_line(self) -> str:
        if is_number(self.serial):
            return f"Serial Number: {self.serial} (0x{int(self.serial):x})"
        return f"Serial Number: {self.serial}"

    # ------------------------------------------------------------ rendering

    def key_block(self, lic: License) -> list[str]:
        """The 6.x feature list under an activation key (the seed's Examples 11-1 to 11-3)."""
        rows = [("Failover", _on(lic.failover != "Disabled")), ("VPN-DES", _on(lic.vpn_des)),
                ("VPN-3DES", _on(lic.vpn_3des)), ("Maximum Interfaces", lic.physical_interfaces),
                ("Cut-through Proxy", _on(lic.cut_through)), ("Guards", _on(lic.guards)),
                ("Websense", _on(lic.url_filtering)), ("Throughput", UNLIMITED),
                ("ISAKMP peers", lic.vpn_peers)]
        return ["Licensed Features:"] + [f"{k}:\t{v}" for k, v in rows]

    def feature_lines(self, lic: License | None = None) -> list[str]:
        """`Licensed features` block of `show version` (the running license unless given)."""
        head = []
        if lic is None and not self.valid:
            head = ["The Running Activation Key is not valid, using default settings:", ""]
        lic, hw = lic or self.running, self.system.hw
        if self.system.family == "6.x":
            rows = [("Failover", _on(lic.failover != "Disabled")),
                    ("VPN-DES", _on(lic.vpn_des)), ("VPN-3DES-AES", _on(lic.vpn_3des)),
                    ("Maximum Physical Interfaces", lic.physical_interfaces),
                    ("Maximum Interfaces", lic.vlans),
                    ("Cut-through Proxy", _on(lic.cut_through)), ("Guards", _on(lic.guards)),
                    ("URL-filtering", _on(lic.url_filtering)), ("Inside Hosts", lic.inside_hosts),
                    ("Throughput", UNLIMITED), ("IKE peers", lic.vpn_peers)]
            lines = ["Licensed Features:"] + [f"{k + ':':<29}{v}" for k, v in rows]
            return head + lines + ["", f"This PIX has {_article(lic.description)} license."]
        rows = [("Maximum Physical Interfaces", lic.physical_interfaces), ("Maximum VLANs", lic.vlans),
                ("Inside Hosts", lic.inside_hosts), ("Failover", lic.failover),
                ("VPN-DES", _on(lic.vpn_des)), ("VPN-3DES-AES", _on(lic.vpn_3des))]
        if hw.line == "pix":
            rows += [("Cut-through Proxy", _on(lic.cut_through)), ("Guards", _on(lic.guards)),
                     ("URL Filtering", _on(lic.url_filtering))]
        rows += [("Security Contexts", lic.contexts), ("GTP/GPRS", "Disabled"),
                 ("VPN Peers", lic.vpn_peers)]
        if hw.line == "asa":
            rows.append(("WebVPN Peers", 2))
        lines = ["Licensed features for this platform:"] + [f"{k:<28}: {v}" for k, v in rows]
        what = f"an {hw.model[:3]} {hw.model[3:]} {lic.kind}" if hw.line == "asa" \
            else _article(lic.description)
        return head + lines + ["", f"This platform has {what} license."]

    def key_words(self, key: str | None) -> str:
        try:
            return keys.format_key(keys.parse_words((key or "").split()))
        except keys.InvalidKey:
            return key or "N/A"


def _on(flag: bool) -> str:
    return "Enabled" if flag else "Disabled"


def _article(words: str) -> str:
    return ("an " if words[0] in "AEIOU" else "a ") + words


def _lic(ctx: Ctx) -> Licensing:
    return ctx.system.feature(Licensing)


_HELP = {
    "activation-key": "Modify activation-key",
    "words": "Four hexadecimal words, 0x optional",
}


@command("activation-key <words:LINE>", help=_HELP)
def activation_key(ctx: Ctx):
    lic = _lic(ctx)
    if ctx.system.unit.flash_image_differs():
        raise CommandError(IMAGES_DIFFER)
    try:
        words = keys.parse_words(ctx.args["words"].split())
        granted = keys.decode(lic.serial, words)
    except keys.InvalidKey:
        raise CommandError(NOT_VALID) from None
    key = keys.format_key(words)
    if lic.valid and key == lic.key_words(lic.running_key):
        raise CommandError(SAME_AS_RUNNING)
    ctx.system.unit.flash.write_private(KEY_FILE, (key + "\n").encode())
    if ctx.system.family == "6.x":
        ctx.print(lic.serial_line())
        ctx.print("")
        ctx.print(f"Flash activation key: {key}")
        ctx.print("\n".join(lic.key_block(granted)))
    else:
        ctx.print("Validating activation key. This may take a few minutes...")
        ctx.print("\n".join(lic.feature_lines(granted)))
    ctx.print("")
    ctx.print("The flash activation key has been modified.")
    ctx.print("The flash activation key is now DIFFERENT than the running key.")
    ctx.print("The flash activation key will be used when the unit is reloaded.")


@command("show activation-key", priv=1, help={"activation-key": "Show activation-key"})
def show_activation_key(ctx: Ctx):
    lic = _lic(ctx)
    six = ctx.system.family == "6.x"
    ctx.print(lic.serial_line())
    if six:
        ctx.print("")
        ctx.print(f"Running activation key: {lic.key_words(lic.running_key)}")
        ctx.print("\n".join(lic.key_block(lic.running)))
    else:
        ctx.print(f"Running Activation Key: {lic.key_words(lic.running_key)}")
        ctx.print("")
        ctx.print("\n".join(lic.feature_lines()))
    ctx.print("")
    if ctx.system.unit.flash_image_differs():
        ctx.print("The flash image is DIFFERENT than the running image.")
        ctx.print("The two images must be the same in order to examine the flash activation key.")
        return
    flash_key = lic.flash_key()
    if flash_key == lic.running_key:
        ctx.print("The flash activation key is the SAME as the running key.")
        return
    flashed = lic.decode(flash_key)
    ctx.print(f"Flash activation key: {lic.key_words(flash_key)}")
    if flashed is not None:
        ctx.print("\n".join(lic.key_block(flashed) if six else lic.feature_lines(flashed)))
    ctx.print("")
    ctx.print("The flash activation key is DIFFERENT than the running key.")
    ctx.print("The flash activation key takes effect after the next reload.")
