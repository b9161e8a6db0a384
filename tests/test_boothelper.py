"""Boothelper: download, the 5.1 rule, install, activation key, the 30-second window."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from helpers.monitor import run

from conftest import Terminal, make_unit, tftp_host
from vpix.features.license import Licensing, grants, keys
from vpix.tools.cli import main
from vpix.unit import FLOPPY


@pytest.fixture
def floppy_unit(tmp_path, images):
    unit = make_unit(tmp_path, images, image_key="pix-6.3(5)")
    result = CliRunner().invoke(main, ["image", "boothelper", "--output", str(tmp_path / "bh512.bin")])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(main, ["unit", "insert", str(unit.directory), str(tmp_path / "bh512.bin")]).exit_code == 0
    term = Terminal(unit)
    tftp_host(unit, tmp_path / "tftpboot", "192.168.1.2", {"pix634.bin": ("6.3(4)", "pix", 0.2),
                                                            "pix50.bin": ("5.0(3)", "pix", 0.05)})
    unit.power_on()
    for line in ("address 192.168.1.1", "server 192.168.1.2"):
        run(unit, term, line)
    return unit, term


def test_boots_to_pixboothelper(floppy_unit):
    unit, term = floppy_unit
    assert "Boothelper 5.1(2)" in unit.console.text()
    assert unit.console.text().endswith("server 192.168.1.2\npixboothelper> ")


def test_download_install_key_and_remove_the_diskette(floppy_unit):
    unit, term = floppy_unit
    run(unit, term, "file pix634.bin")
    out = run(unit, term, "tftp")
    assert "Received" in out and out.endswith("Do you wish to copy the image pix634.bin to flash? [yn] ")
    assert run(unit, term, "y").endswith("Enter the activation key: ")
    assert "The activation key is not valid." in run(unit, term, "0x1 0x2")
    key = keys.encode(unit.identity.serial, grants.grant("PIX-515E-R"))
    out = run(unit, term, key)
    assert "Please remove the Boothelper diskette now. The unit will reboot in 30 seconds." in out
    (unit.directory / FLOPPY).unlink()                 # a. remove it and press reset
    unit.reset()
    assert unit.state == "running"
    assert "Cisco PIX Firewall Version 6.3(4)" in unit.console.text()
    assert unit.system.feature(Licensing).running.kind == "R"
    boots = unit.boot_count
    unit.clock.advance(120)                           # the Boothelper's 30 s ended with its boot
    assert unit.boot_count == boots and unit.state == "running"


def _installed(unit, term):
    run(unit, term, "file pix634.bin")
    run(unit, term, "tftp")
    run(unit, term, "y")
    run(unit, term, keys.encode(unit.identity.serial, grants.factory("PIX-515E")))


def test_reload_with_the_diskette_in_boots_it_again(floppy_unit):
    unit, term = floppy_unit
    _installed(unit, term)
    run(unit, term, "reload")                          # b. reload with the diskette in
    unit.clock.advance(0)
    assert unit.state == "monitor" and unit.console.text().endswith("pixboothelper> ")


def test_after_the_interval_it_boots_the_diskette(floppy_unit):
    unit, term = floppy_unit
    _installed(unit, term)
    boots = unit.console.text().count("Boothelper 5.1(2)")
    unit.clock.advance(30.5)                           # c. the interval passes
    assert unit.console.text().count("Boothelper 5.1(2)") == boots + 1


def test_images_before_5_1_fail_the_checksum_and_reboot(floppy_unit):
    unit, term = floppy_unit
    run(unit, term, "file pix50.bin")
    out = run(unit, term, "tftp")
    assert "Checksum verification on flash image failed" in out
    unit.clock.advance(0)
    assert unit.flash.exists("pix635.bin")             # nothing installed
