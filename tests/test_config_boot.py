"""Saving and loading configuration, reload, and what boot does with images and configs."""

import re

from vpix.image import format as image_format


def test_write_memory_and_startup_config(pix7):
    unit, term = pix7
    term.configure("hostname saved")
    out = term.cmd("write memory")
    assert re.fullmatch(r"Building configuration...\nCryptochecksum: ([0-9a-f]{8} ){4}\n\n"
                        r"\d+ bytes copied in \d+\.\d{3} secs \(\d+ bytes/sec\)\n\[OK\]\n", out)
    startup = term.cmd("show startup-config")
    assert "hostname saved" in startup
    run_sum = term.cmd("show running-config | include checksum:")
    start_sum = term.cmd("show startup-config | include checksum:")
    assert run_sum == start_sum and run_sum.startswith("Cryptochecksum:")
    term.cmd("conf t")
    term.cmd("hostname changed")
    assert term.cmd("show running-config | include checksum:") != start_sum


def test_copy_running_startup_asks_source(pix7):
    unit, term = pix7
    out = term.type("copy running-config startup-config\n")
    assert out.endswith("Source filename [running-config]? ")
    out = term.type("\n")
    assert "Cryptochecksum:" in out and "bytes copied in" in out
    assert unit.system.read_startup() is not None


def test_reload_applies_startup_config(pix7):
    unit, term = pix7
    term.cmd("conf t")
    term.cmd("hostname after")
    term.cmd("interface Ethernet0")
    term.cmd("nameif outside")
    term.cmd("ip address 10.9.9.1 255.255.255.0")
    term.cmd("end")
    term.cmd("write memory")
    before = unit.system.running_config()
    assert term.type("reload\n").endswith("Proceed with reload? [confirm]")
    out = term.type("\n")
    assert "Rebooting...." in out and out.endswith("after> ")
    assert unit.boot_count == 2
    assert unit.system.running_config() == before
    out = term.cmd("show version")
    assert "Configuration has not been modified since last system restart." in out


def test_reload_asks_to_save_modified_config(pix7):
    unit, term = pix7
    term.configure("hostname unsaved")
    assert term.type("reload\n").endswith("System config has been modified. Save? [Y]es/[N]o: ")
    assert term.type("N\n").endswith("Proceed with reload? [confirm]")
    out = term.type("n\n")
    assert out.endswith("unsaved# ") and unit.boot_count == 1


def test_write_erase(pix7):
    unit, term = pix7
    term.cmd("write memory")
    assert term.type("write erase\n").endswith("Erase configuration in flash memory? [confirm]")
    assert term.type("\n").startswith("\n[OK]")
    assert unit.system.read_startup() is None
    assert term.cmd("show startup-config") == ""


def test_last_modified_in_show_version(pix7):
    unit, term = pix7
    term.cmd("conf t")
    term.cmd("hostname x1")
    out = term.cmd("show version")
    assert re.search(r"^Configuration last modified by enable_15 at \d\d:\d\d:\d\d\.\d{3} UTC "
                     r"\w{3} \w{3} \d+ \d{4}$", out, re.M)


def test_startup_errors_are_shown_and_the_rest_applies(boot):
    unit, term = boot(config="hostname good\nfrobnicate now\nnames\n")
    history = unit.console.text()
    assert "ERROR: % Invalid input detected at '^' marker." in history
    assert unit.system.prompt_name() == "good"


def test_compatibility_warning_for_newer_config(boot):
    unit, term = boot(image_key="pix-6.2(2)", config="PIX Version 6.3(5)\nhostname fw\n")
    assert ("Configuration Compatibility Warning:\n The config is from version 6.3(5).\n"
            " but the image is version 6.2(2).\n") in unit.console.text()
    assert unit.system.prompt_name() == "fw"


def test_no_warning_for_same_or_older_config(boot):
    unit, term = boot(config="PIX Version 7.0(4)\nhostname fw\n")
    assert "Compatibility Warning" not in unit.console.text()


def test_family_personality(boot):
    unit, term = boot(image_key="pix-6.3(5)")
    term.cmd("enable"); term.cmd("")
    out = term.cmd("show version")
    assert out.startswith("\nCisco PIX Firewall Version 6.3(5)\n\nCompiled on Thu 04-Aug-05 21:40 by morlee")
    assert re.search(r"^Serial Number: \d+ \(0x[0-9a-f]+\)$", out, re.M)
    assert "Licensed Features:" in out
    assert "Type help or '?'" in term.cmd("dir")   # no file system commands on 6.x


def test_corrupt_image_stops_at_monitor(boot, tmp_path, images):
    unit, term = boot()
    # Flip one payload byte of the unit's own copy (a fresh file, not the shared one).
    path = unit.flash.path("pix721.bin")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.unlink()
    path.write_bytes(bytes(data))
    term.read()
    unit.reload()
    out = term.read()
    assert "Checksum verification on flash image failed" in out
    assert out.endswith("monitor> ")
    assert unit.state == "monitor"
    help_text = term.type("help\n")
    assert "reload" in help_text and help_text.endswith("monitor> ")
    assert "Unknown command" in term.type("frob\n")


def test_missing_image_stops_at_monitor_and_recovers_after_reload(boot):
    unit, term = boot(image_key=None)
    assert unit.state == "monitor" and "No image found in flash." in unit.console.text()
    unit.flash.copy_in(_image(unit), "pix721.bin")
    term.type("reload\n")
    unit.clock.advance(0)
    assert unit.state == "running"


def _image(unit):
    path = unit.directory.parent / "rescue.bin"
    image_format.build(path, "7.2(1)", "pix", size_mb=0.1)
    return path


def test_asa_rommon_when_no_image(boot):
    unit, term = boot(platform="ASA5520", image_key=None)
    assert unit.console.text().endswith("Boot load failed.\nrommon #0> ")


def test_image_for_other_hardware_is_refused(boot):
    unit, term = boot(platform="ASA5520", image_key="pix-7.2(1)")
    assert unit.state == "monitor"
    assert "not supported on platform ASA5520" in unit.console.text()


def test_break_window_esc_enters_monitor(boot):
    unit, term = boot(break_window=10.0)
    assert unit.state == "bios"
    term.type("\x1b")
    assert unit.state == "monitor"
    assert "Flash boot interrupted." in unit.console.text()


def test_break_window_times_out_into_boot(boot):
    unit, term = boot(break_window=10.0)
    unit.clock.advance(9.9)
    assert unit.state == "bios"
    unit.clock.advance(0.2)
    assert unit.state == "running"


def test_space_boots_immediately(boot):
    unit, term = boot(break_window=10.0)
    term.type(" ")
    assert unit.state == "running"
