"""Upgrading a PIX 6.x failover pair the three ways of 000_ebdf5b94b3029702.txt: from the CLI
(`copy tftp flash` on both, then power-cycle both in close succession), from monitor mode,
and with Boothelper (one diskette, moved from the primary to the standby)."""

from __future__ import annotations

from click.testing import CliRunner

from helpers.pairs import pix6_pair
from helpers.monitor import run

from vpix.image import format as image_format
from vpix.net.host import Host
from vpix.net.packets import mac_bytes
from vpix.tools.cli import main
from vpix.unit import FLOPPY
from vpix.versions import Version

NEW = Version.parse("6.3(4)")


def _versions(pair):
    return [unit.system.version for unit in pair.units.values()]


def _healthy(pair):
    """Active / Standby, every monitored interface Normal on both consoles."""
    assert pair.machine("primary").state == "Active" and pair.machine("secondary").state == "Standby Ready"
    for role in ("primary", "secondary"):
        out = pair.enable(role).cmd("show failover")
        assert "Failover On\nCable status: Normal\n" in out
        assert "Waiting" not in out and "Failed" not in out


def _copy_tftp_flash(pair, role):
    """`copy tftp flash` from the TFTP host on the inside segment, in virtual time."""
    term = pair.enable(role)
    said = "".join(term.type(line) for line in ("copy tftp flash\n", "10.10.10.5\n", "pix634.bin\n", "y\n"))
    while pair.units[role].console_session.busy:
        pair.clock.advance(0.1)
    said += term.read()
    assert "Image installed" in said, said


def test_upgrade_from_the_cli(tmp_path, images):
    pair = pix6_pair(tmp_path, images, image="pix-6.2(2)")
    _tftp_host(pair, tmp_path / "tftpboot")
    pair.boot()
    for role in ("primary", "secondary"):
        _copy_tftp_flash(pair, role)
    for unit in pair.units.values():                    # in close succession
        unit.reset()
    pair.clock.advance(60)
    assert _versions(pair) == [NEW, NEW]
    _healthy(pair)


def test_a_secondary_power_cycled_too_late_runs_another_version(tmp_path, images):
    pair = pix6_pair(tmp_path, images, image="pix-6.2(2)")
    _tftp_host(pair, tmp_path / "tftpboot")
    pair.boot()
    for role in ("primary", "secondary"):
        _copy_tftp_flash(pair, role)
    pair.units["primary"].reset()
    pair.clock.advance(60)
    assert pair.units["primary"].system.version == NEW
    assert "Mate version 6.2(2) is not compatible with ours 6.3(4)" in pair.log("primary")
    assert pair.machine("primary").state == "Failed"
    pair.units["secondary"].reset()                     # the remedy: the secondary boots the new image too
    pair.clock.advance(60)                              # (the failed primary retried and went active
    _healthy(pair)                                      # while its mate was off)


def _tftp_host(pair, root):
    """A TFTP server on the inside segment, where monitor mode and Boothelper look."""
    host = Host("tftp", mac_bytes("0050.5600.0005"), "10.10.10.5", pair.clock)
    host.plug(pair.segments["inside"])
    root.mkdir(exist_ok=True)
    image_format.build(root / "pix634.bin", str(NEW), "pix", size_mb=0.2)
    host.serve_tftp(root)


def _install(unit, term, address):
    for line in (f"address {address}", "server 10.10.10.5", "file pix634.bin"):
        run(unit, term, line)
    return run(unit, term, "tftp")


def test_upgrade_from_monitor_mode(tmp_path, images):
    pair = pix6_pair(tmp_path, images, image="pix-6.2(2)", break_window=5.0)
    _tftp_host(pair, tmp_path / "tftpboot")
    pair.boot()
    for unit, term in zip(pair.units.values(), pair.terms.values()):      # 2. both into monitor mode
        unit.reset()
        term.type("\x1b")
        assert unit.state == "monitor"
    primary, secondary = pair.units["primary"], pair.units["secondary"]
    assert "Installing to flash" in _install(primary, pair.terms["primary"], "10.10.10.1")     # 3.
    pair.clock.advance(30)
    assert primary.system.version == NEW and pair.machine("primary").state == "Active"
    assert "Other host: Secondary - Standby (Failed)" in pair.enable("primary").cmd("show failover")
    _install(secondary, pair.terms["secondary"], "10.10.10.2")                               # 4.
    pair.clock.advance(60)                                                                   # 5.
    assert _versions(pair) == [NEW, NEW]
    assert "Sync Completed" in pair.log("secondary")
    _healthy(pair)


def test_upgrade_with_boothelper(tmp_path, images):
    pair = pix6_pair(tmp_path, images, image="pix-6.2(2)")
    _tftp_host(pair, tmp_path / "tftpboot")
    diskette = tmp_path / "bh512.bin"
    assert CliRunner().invoke(main, ["image", "boothelper", "--output", str(diskette)]).exit_code == 0
    pair.boot()
    primary, secondary = pair.units["primary"], pair.units["secondary"]
    keys = {role: unit.flash.read_private("activation-key").decode().strip() for role, unit in pair.units.items()}

    def helped(role, address):
        """Boothelper on ``role``: download, install, the unit's own key; then the diskette moves on."""
        unit, term = pair.units[role], pair.terms[role]
        assert unit.state == "monitor" and unit.console.text().endswith("pixboothelper> ")
        assert _install(unit, term, address).endswith("Do you wish to copy the image pix634.bin to flash? [yn] ")
        run(unit, term, "y")
        assert "Please remove the Boothelper diskette now." in run(unit, term, keys[role])
        (unit.directory / FLOPPY).unlink()

    CliRunner().invoke(main, ["unit", "insert", str(primary.directory), str(diskette)])
    primary.reset()                                               # 2. diskette in, reboot
    helped("primary", "10.10.10.1")                               # 3. y, then a. move the diskette
    CliRunner().invoke(main, ["unit", "insert", str(secondary.directory), str(diskette)])
    pair.clock.advance(31)                                        # b. the primary shows its banner...
    assert primary.system.version == NEW
    secondary.reset()                                             # ... reset the standby
    pair.clock.advance(15)
    assert pair.machine("primary").state == "Active"              # c.
    assert "This host: Primary - Active" in pair.enable("primary").cmd("show failover")
    helped("secondary", "10.10.10.2")
    pair.clock.advance(31 + 60)                                   # 4. the standby boots and syncs
    assert _versions(pair) == [NEW, NEW]
    assert "Sync Started" in pair.log("primary") and "Sync Completed" in pair.log("primary")
    _healthy(pair)
