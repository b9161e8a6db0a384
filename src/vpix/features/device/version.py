"""`show version` and `show memory`, rendered from the live unit, in each family's layout."""

from __future__ import annotations

from vpix.features.interfaces import Interfaces
from vpix.features.license import Licensing


def uptime_text(seconds: float) -> str:
    """2 days 3 hours · 1 hour 2 mins · 5 mins 12 secs · 40 secs"""
    s = int(seconds)
    days, hours, mins, secs = s // 86400, s // 3600 % 24, s // 60 % 60, s % 60

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if days:
        return f"{unit(days, 'day')} {unit(hours, 'hour')}"
    if hours:
        return f"{unit(hours, 'hour')} {unit(mins, 'min')}"
    if mins:
        return f"{unit(mins, 'min')} {unit(secs, 'sec')}"
    return unit(secs, "sec")


def last_change(system) -> str:
    if system.last_change is None:
        return "Configuration has not been modified since last system restart."
    from vpix.features.device.commands import clock_text
    from vpix.features.device import Device

    who, when = system.last_change
    return f"Configuration last modified by {who} at {clock_text(system.root.feature(Device).zone.local(when))}"


def version_lines(system) -> list[str]:
    if system.family == "6.x":
        return _six(system)
    hw = system.hw
    image = system.image
    title = ("Cisco Adaptive Security Appliance Software" if hw.line == "asa"
             else "Cisco PIX Security Appliance Software")
    host = system.prompt_name()
    lines = ["", f"{title} Version {system.version}", "",
             f"Compiled on {image.built} by {image.builder}",
             f'System image file is "{system.image_path}"',
             'Config file at boot was "startup-config"', "",
             f"{host} up {uptime_text(system.uptime())}", *_cluster(system), "",
             f"Hardware:   {hw.model}, {system.unit.identity.ram_mb} MB RAM, CPU {hw.cpu}"]
    if hw.line == "asa":
        lines += [f"Internal ATA Compact Flash, {hw.flash_mb}MB",
                  f"BIOS Flash {hw.bios_flash}, 2048KB", "",
                  "Encryption hardware device : Cisco ASA-55x0 on-board accelerator (revision 0x0)",
                  "                             Boot microcode   : CN1000-MC-BOOT-2.00",
                  "                             SSL/IKE microcode: CNLite-MC-SSLm-PLUS-2.01",
                  "                             IPSec microcode  : CNlite-MC-IPSECm-MAIN-2.04"]
    else:
        lines += [f"Flash {hw.flash_chip}, {hw.flash_mb}MB", f"BIOS Flash {hw.bios_flash}, 32KB"]
    lines.append("")
    for iface in system.feature(Interfaces).all:
        irq = 9 + iface.index % 3 if hw.line == "asa" else 10 + iface.index % 2
        lines.append(f"{iface.index:>2}: Ext: {iface.hw_id:<20}: address is {iface.mac}, irq {irq}")
    lines.append("")
    lines += system.feature(Licensing).feature_lines()
    lic = system.feature(Licensing)
    lines += ["", f"Serial Number: {system.unit.identity.serial}",
              f"Running Activation Key: {lic.key_words(lic.running_key)}"]
    if hw.line == "asa":
        lines.append("Configuration register is 0x1")
    lines.append(last_change(system))
    return lines


def _cluster(system) -> list[str]:
    """With failover on, the time the unit has been in its failover cluster: since it booted,
    as it joins the cluster when its configuration loads."""
    from vpix.features.failover import FailoverConfig

    if not system.root.feature(FailoverConfig).enabled:
        return []
    return [f"failover cluster up {uptime_text(system.uptime())}"]


def _six(system) -> list[str]:
    hw = system.hw
    image = system.image
    lines = ["", f"Cisco PIX Firewall Version {system.version}", "",
             f"Compiled on {image.built} by {image.builder}", "",
             f"{system.prompt_name()} up {uptime_text(system.uptime())}", "",
             f"Hardware:   {hw.model}, {system.unit.identity.ram_mb} MB RAM, CPU {hw.cpu}",
             f"Flash {hw.flash_chip}, {hw.flash_mb}MB",
             f"BIOS Flash {hw.bios_flash}, 32KB", ""]
    for iface in system.feature(Interfaces).all:
        lines.append(f"{iface.index}: {iface.name6}: address is {iface.mac}, irq {10 + iface.index % 2}")
    lines += system.feature(Licensing).feature_lines()
    lic = system.feature(Licensing)
    lines += ["", lic.serial_line(), f"Running Activation Key: {lic.key_words(lic.running_key)}"]
    lines.append(last_change(system))
    return lines


def memory_lines(system) -> list[str]:
    """Memory in use grows with the configuration, as on the device."""
    total = system.unit.identity.ram_mb * 1024 * 1024
    config_bytes = sum(len(line) + 1 for line in system.running_config())
    used = min(int(total * 0.42) + config_bytes * 64, total)
    free = total - used
    if system.family == "6.x":
        return [f"{total} bytes total, {free} bytes free"]
    pct = lambda n: round(n * 100 / total)  # noqa: E731
    return [f"Free memory:        {free:>10} bytes ({pct(free)}%)",
            f"Used memory:        {used:>10} bytes ({pct(used)}%)",
            "-------------     ----------------",
            f"Total memory:       {total:>10} bytes (100%)"]
