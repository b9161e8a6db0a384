"""Activation keys and licenses: the codec, the registration service, the device's procedures."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from vpix.features.license import grants, keys
from vpix.image import format as image_format
from vpix.tools.cli import main

ALL_GRANTS = [(model, name, lic) for model, b in grants.BUNDLES.items() for name, lic in b.items()]
serials = st.one_of(st.integers(10_000_000, 99_999_999).map(str),
                    st.from_regex(r"JMX[0-9]{4}[A-Z]{4}", fullmatch=True))


@settings(max_examples=200, deadline=None)
@given(serial=serials, index=st.integers(0, len(ALL_GRANTS) - 1), strong=st.booleans())
def test_keys_round_trip_and_bind_to_their_serial(serial, index, strong):
    lic = ALL_GRANTS[index][2]
    if strong:
        lic = keys.with_3des(lic)
    key = keys.encode(serial, lic)
    assert re.fullmatch(r"(0x[0-9a-f]{8} ){3}0x[0-9a-f]{8}", key)
    assert keys.decode(serial, key) == lic
    assert keys.decode(serial, key.replace("0x", "")) == lic   # the 0x is optional
    with pytest.raises(keys.InvalidKey):
        keys.decode(serial + "1", key)


@settings(max_examples=300, deadline=None)
@given(serial=serials, words=st.tuples(*[st.integers(0, 2**32 - 1)] * 4))
def test_random_keys_are_invalid(serial, words):
    with pytest.raises(keys.InvalidKey):
        keys.decode(serial, words)


@settings(max_examples=200, deadline=None)
@given(serial=serials, word=st.integers(0, 3), bit=st.integers(0, 31))
def test_a_mistyped_bit_makes_a_key_invalid(serial, word, bit):
    key = list(keys.parse_words(keys.encode(serial, grants.factory("PIX-515E")).split()))
    key[word] ^= 1 << bit
    with pytest.raises(keys.InvalidKey):
        keys.decode(serial, tuple(key))


def test_registration_service_cli():
    runner = CliRunner()
    paks = runner.invoke(main, ["license", "paks"]).output
    assert "PIX-515E-UR" in paks and "3DES-AES" in paks
    key = runner.invoke(main, ["license", "issue", "--serial", "80812345", "--pak", "PIX-515E-R"]).output.strip()
    assert keys.decode("80812345", key).kind == "R"
    upgraded = runner.invoke(main, ["license", "issue", "--serial", "80812345", "--pak", "3DES-AES",
                                    "--key", key]).output.strip()
    assert keys.decode("80812345", upgraded).vpn_3des
    decoded = runner.invoke(main, ["license", "decode", "--serial", "80812345", *upgraded.split()])
    assert decoded.exit_code == 0 and "vpn 3des" in decoded.output and "Enabled" in decoded.output and "True" not in decoded.output
    bad = runner.invoke(main, ["license", "decode", "--serial", "80812346", *upgraded.split()])
    assert bad.exit_code != 0 and "not valid" in bad.output
    assert runner.invoke(main, ["license", "issue", "--serial", "1", "--pak", "NOPE"]).exit_code != 0


# ---------------------------------------------------------------- on the device


def _serial(unit) -> str:
    return unit.identity.serial


def _key(unit, pak: str) -> str:
    return keys.encode(_serial(unit), grants.grant(pak))


def test_show_activation_key_same_as_running_6x(pix6):
    unit, term = pix6
    out = term.cmd("show activation-key")
    serial = _serial(unit)
    running = unit.system.feature(_licensing()).running_key
    assert out == (f"Serial Number: {serial} (0x{int(serial):x})\n\n"
                   f"Running activation key: {running}\n"
                   "Licensed Features:\nFailover:\tEnabled\nVPN-DES:\tEnabled\nVPN-3DES:\tEnabled\n"
                   "Maximum Interfaces:\t6\nCut-through Proxy:\tEnabled\nGuards:\tEnabled\n"
                   "Websense:\tEnabled\nThroughput:\tUnlimited\nISAKMP peers:\tUnlimited\n\n"
                   "The flash activation key is the SAME as the running key.\n")


def test_activation_key_success_then_reload_6x(pix6):
    unit, term = pix6
    new = _key(unit, "PIX-515E-R")
    term.cmd("conf t")
    out = term.cmd(f"activation-key {new.replace('0x', '')}")
    assert out.startswith(f"Serial Number: {_serial(unit)} (0x")
    assert f"\nFlash activation key: {new}\nLicensed Features:\nFailover:\tDisabled\n" in out
    assert out.endswith("The flash activation key has been modified.\n"
                        "The flash activation key is now DIFFERENT than the running key.\n"
                        "The flash activation key will be used when the unit is reloaded.\n")
    shown = term.cmd("show activation-key")
    assert f"Flash activation key: {new}\n" in shown
    assert shown.endswith("The flash activation key is DIFFERENT than the running key.\n"
                          "The flash activation key takes effect after the next reload.\n")
    assert "This PIX has an Unrestricted (UR) license." in term.cmd("show version")
    unit.reload()
    term.cmd("enable"); term.cmd("")
    version = term.cmd("show version")
    assert "This PIX has a Restricted (R) license." in version
    assert f"Running Activation Key: {new}" in version
    assert "Maximum Physical Interfaces: 3" in version


def test_table_11_1_messages(pix6):
    unit, term = pix6
    running = term.cmd("show activation-key").split("Running activation key: ")[1].split("\n")[0]
    assert term.cmd(f"activation-key {running}") == \
        "The activation key you entered is the same as the Running key.\n"
    assert term.cmd("activation-key 0x1 0x2 0x3 0x4") == "The activation key is not valid.\n"
    assert term.cmd("activation-key 0x1 0x2 0x3") == "The activation key is not valid.\n"
    other = keys.encode("99999999", grants.factory("PIX-515E"))
    assert term.cmd(f"activation-key {other}") == "The activation key is not valid.\n"
    _replace_image(unit, "6.3(5)")
    assert term.cmd(f"activation-key {_key(unit, 'PIX-515E-FO')}") == \
        "The Flash image and the Running image differ.\n"
    assert term.cmd("show activation-key").endswith(
        "The flash image is DIFFERENT than the running image.\n"
        "The two images must be the same in order to examine the flash activation key.\n")


def _replace_image(unit, version: str, name: str | None = None) -> None:
    """Install another image file the way a copy to flash does (a new file)."""
    current = unit.running_image[0]
    scratch = unit.directory / "new.bin"
    image_format.build(scratch, version, "pix", size_mb=0.1)
    unit.flash.delete(current)
    unit.flash.copy_in(scratch, name or current)
    scratch.unlink()


def test_upgrade_image_and_key_takes_two_reboots(boot):
    unit, term = boot(image_key="pix-6.3(5)")
    term.cmd("enable"); term.cmd("")
    old_key = unit.system.feature(_licensing()).running_key
    _replace_image(unit, "7.2(1)", "pix721.bin")     # 1. install the new image
    unit.reload()                                    # 2. reboot: the old key still works
    term.cmd("enable"); term.cmd("")
    assert "Version 7.2(1)" in term.cmd("show version")
    assert f"Running Activation Key: {old_key}" in term.cmd("show version")
    new = _key(unit, "PIX-515E-FO_AA")
    assert "has been modified" in term.cmd(f"activation-key {new}")   # 3. the new key
    unit.reload()                                    # 4. reboot again
    term.cmd("enable"); term.cmd("")
    out = term.cmd("show version")
    assert f"Running Activation Key: {new}" in out
    assert "This platform has a Failover Only Active/Active (FO_AA) license." in out


def test_downgrade_takes_one_reboot(boot):
    unit, term = boot()
    term.cmd("enable"); term.cmd("")
    new = _key(unit, "PIX-515E-UR")
    assert "has been modified" in term.cmd(f"activation-key {new}")   # verified by the running image
    _replace_image(unit, "6.3(5)", "pix635.bin")
    unit.reload()
    term.cmd("enable"); term.cmd("")
    out = term.cmd("show version")
    assert "Cisco PIX Firewall Version 6.3(5)" in out and f"Running Activation Key: {new}" in out


def _licensing():
    from vpix.features.license import Licensing
    return Licensing


def test_lost_key_falls_back_to_base_features(boot):
    unit, term = boot(platform="ASA5520", image_key="asa-7.2(1)")
    unit.flash.delete_private("activation-key")          # what a monitor-mode erase does
    unit.reload()
    term.cmd("enable"); term.cmd("")
    out = term.cmd("show version")
    assert "The Running Activation Key is not valid, using default settings:" in out
    assert "Running Activation Key: N/A" in out


def test_show_version_7x_license_block(pix7):
    unit, term = pix7
    out = term.cmd("show version")
    assert "Failover                    : Active/Active\n" in out
    assert "VPN-3DES-AES                : Enabled\n" in out
    assert "This platform has an Unrestricted (UR) license.\n" in out
    assert re.search(r"^Running Activation Key: (0x[0-9a-f]{8} ){3}0x[0-9a-f]{8}$", out, re.M)


def test_interfaces_past_the_license_cannot_be_named(boot):
    unit, term = boot()
    term.cmd("enable"); term.cmd("")
    term.cmd(f"activation-key {_key(unit, 'PIX-515E-R')}")
    unit.reload()
    term.cmd("enable"); term.cmd("")
    term.cmd("conf t")
    term.cmd("interface Ethernet2")
    assert term.cmd("nameif dmz").startswith('INFO: Security level for "dmz"')
    term.cmd("interface Ethernet3")
    assert term.cmd("nameif dmz2").startswith("ERROR: This platform is licensed for 3 physical interfaces")
    assert "nameif dmz2" not in term.cmd("show running-config")


def test_failover_only_license_standalone_reboots_every_24_hours(boot):
    unit, term = boot()
    term.cmd("enable"); term.cmd("")
    term.cmd(f"activation-key {_key(unit, 'PIX-515E-FO')}")
    unit.reload()
    assert "It will reload every 24 hours" in unit.console.text()
    boots = unit.boot_count
    unit.clock.advance(24 * 3600 - 1)
    assert unit.boot_count == boots
    unit.clock.advance(2)
    assert unit.boot_count == boots + 1
    unit.clock.advance(24 * 3600 + 1)
    assert unit.boot_count == boots + 2


def test_unrestricted_units_do_not_reboot(pix7):
    unit, term = pix7
    boots = unit.boot_count
    unit.clock.advance(3 * 24 * 3600)
    assert unit.boot_count == boots and "24 hours" not in unit.console.text()
