"""Monitor mode as the seed prints it: address, server, file, ping, tftp over a segment to a
lab host, the trace codes, installing to flash and booting what was installed."""

from __future__ import annotations

import pytest

from conftest import Terminal, make_unit, tftp_host
from helpers.monitor import run

from vpix.transfer.tftp_server import Faults


@pytest.fixture
def lab(tmp_path, images):
    """A PIX-515E interrupted into monitor mode, its inside port on a segment with a TFTP host."""

    def build(faults=None, image_key="pix-6.3(5)"):
        unit = make_unit(tmp_path, images, image_key=image_key, break_window=5.0)
        term = Terminal(unit)
        root = tmp_path / "tftpboot"
        host = tftp_host(unit, root, "192.168.1.2", {"pix634.bin": ("6.3(4)", "pix", 0.2),
                                                     "pix43.bin": ("4.3(1)", "pix", 0.05)}, faults)
        (root / "garbage.bin").write_bytes(b"\x00" * 3000)
        unit.power_on()
        term.type("\x1b")
        assert unit.state == "monitor"
        return unit, term, host, root

    return build


def test_monitor_banner_and_settings(lab):
    unit, term, host, _ = lab()
    text = unit.console.text()
    assert "Flash boot interrupted.\n0: i8255X @ PCI(bus:0 dev:13 irq:11)\n" in text
    assert f"Using 1: i82558 @ PCI(bus:0 dev:14 irq:10), MAC: {unit.identity.macs[1]}\nUse ? for help.\n" in text
    assert run(unit, term, "addr 192.168.1.1") == "addr 192.168.1.1\naddress 192.168.1.1\nmonitor> "
    assert run(unit, term, "serv 192.168.1.2").endswith("server 192.168.1.2\nmonitor> ")
    assert run(unit, term, "file pix634.bin").endswith("file pix634.bin\nmonitor> ")
    help_text = run(unit, term, "?")
    for word in ("address", "file", "gateway", "interface", "ping", "reload", "server", "tftp", "trace"):
        assert f"\n{word}" in help_text


def test_ping_the_server(lab):
    unit, term, host, _ = lab()
    run(unit, term, "address 192.168.1.1")
    out = run(unit, term, "ping 192.168.1.2")
    assert "ICMP Echoes to 192.168.1.2, timeout is 4 seconds:\n!!!!!\nSuccess rate is 100 percent (5/5)" in out
    out = run(unit, term, "ping 192.168.1.99")
    assert "\n.....\nSuccess rate is 0 percent (0/5)" in out


def test_tftp_installs_and_boots(lab):
    unit, term, host, root = lab()
    for line in ("address 192.168.1.1", "server 192.168.1.2", "file pix634.bin"):
        run(unit, term, line)
    out = run(unit, term, "tftp")
    size = (root / "pix634.bin").stat().st_size
    assert out.startswith("tftp\ntftp pix634.bin@192.168.1.2....")
    assert f"\nReceived {size} bytes\n\nPIX admin loader (3.0) #0: Mon Aug 7 10:43:02 PDT 1999\n" in out
    assert "Flash version 6.3.4, Install version 6.3.4\n\nInstalling to flash\n" in out
    assert unit.state == "running"
    assert "Cisco PIX Firewall Version 6.3(4)" in unit.console.text()
    assert [e.name for e in unit.flash.entries()] == ["image.bin"]


def test_trace_shows_codes_among_the_dots(lab):
    unit, term, host, _ = lab(Faults(duplicate_blocks={3}, drop_blocks={6}, stray_port_at=9))
    for line in ("address 192.168.1.1", "server 192.168.1.2", "file pix634.bin", "trace"):
        run(unit, term, line)
    out = run(unit, term, "tftp")
    assert "A" in out and "<11>" in out and "T" in out and "<7>" in out
    assert unit.state == "running"


@pytest.mark.parametrize("code", [2, 4, 5, 6, 8])
def test_raw_packet_codes_from_a_misbehaving_host(lab, code):
    unit, term, host, _ = lab()
    host.raw_faults = {5: code}
    for line in ("address 192.168.1.1", "server 192.168.1.2", "file pix634.bin", "trace"):
        run(unit, term, line)
    out = run(unit, term, "tftp")
    assert f"<{code}>" in out
    assert unit.state == "running"                # a bad packet is reported, not fatal


def test_missing_file_corrupt_and_too_old_images_stay_in_monitor(lab):
    unit, term, host, _ = lab()
    for line in ("address 192.168.1.1", "server 192.168.1.2", "file nothere.bin"):
        run(unit, term, line)
    assert "TFTP download failed (-10)" in run(unit, term, "tftp")
    run(unit, term, "file garbage.bin")
    assert "Checksum verification on flash image failed" in run(unit, term, "tftp")
    run(unit, term, "file pix43.bin")
    assert "older than 4.4" in run(unit, term, "tftp")
    assert unit.state == "monitor" and unit.flash.exists("pix635.bin")


def test_no_answer_times_out(lab):
    unit, term, host, _ = lab(Faults(silent=True))
    for line in ("address 192.168.1.1", "server 192.168.1.2", "timeout 1"):
        run(unit, term, line)
    out = run(unit, term, "tftp")
    assert "TFTP download failed (-1)" in out and unit.state == "monitor"


@pytest.fixture
def asa_lab(tmp_path, images):
    unit = make_unit(tmp_path, images, platform="ASA5520", image_key="asa-7.2(1)", break_window=5.0)
    term = Terminal(unit)
    tftp_host(unit, tmp_path / "tftpboot", "10.0.0.2", {"asa722-k8.bin": ("7.2(2)", "asa", 0.2)})
    unit.power_on()
    term.type("\x1b")
    assert unit.state == "monitor" and unit.console.text().endswith("rommon #0> ")
    return unit, term


def test_rommon_tftpdnld_boots_from_memory(asa_lab):
    unit, term = asa_lab
    for line in ("ADDRESS=10.0.0.1", "SERVER=10.0.0.2", "IMAGE=asa722-k8.bin", "PORT=GigabitEthernet0/1"):
        assert run(unit, term, line).endswith("> ")
    out = run(unit, term, "tftpdnld")
    assert "ROMMON Variable Settings:\n  ADDRESS=10.0.0.1\n  SERVER=10.0.0.2\n" in out
    assert "tftp asa722-k8.bin@10.0.0.2 via 10.0.0.2\n!!!!" in out
    assert "Launching TFTP Image..." in out and unit.state == "running"
    term.cmd("enable"); term.cmd("")
    version = term.cmd("show version")
    assert "Version 7.2(2)" in version
    assert 'System image file is "Unknown, monitor mode tftp booted image"' in version
    assert not unit.flash.exists("asa722-k8.bin")          # not installed


def test_rommon_erase_loses_the_license(asa_lab):
    unit, term = asa_lab
    assert "Erasing disk0:" in run(unit, term, "erase")
    assert unit.flash.entries() == [] and unit.flash.read_private("activation-key") is None
    for line in ("ADDRESS=10.0.0.1", "SERVER=10.0.0.2", "IMAGE=asa722-k8.bin", "PORT=GigabitEthernet0/1"):
        run(unit, term, line)
    run(unit, term, "tftpdnld")
    term.cmd("enable"); term.cmd("")
    out = term.cmd("show version")
    assert "The Running Activation Key is not valid, using default settings:" in out


def test_a_reset_ends_a_monitor_mode_download_with_its_boot(lab):
    """Nothing of a boot goes on after a reset: the half-done transfer neither finishes nor
    installs anything."""
    from vpix.transfer.tftp_server import Faults

    unit, term, host, root = lab(Faults(silent=True))
    for line in ("address 192.168.1.1", "server 192.168.1.2", "file pix634.bin"):
        run(unit, term, line)
    term.type("tftp\n")
    unit.clock.advance(1)
    assert unit.monitor.busy
    before = [e.name for e in unit.flash.entries()]
    unit.reset()
    unit.clock.advance(600)
    assert unit.state == "running" and [e.name for e in unit.flash.entries()] == before
    assert "TFTP download failed" not in unit.console.text().split("Cisco Secure PIX Firewall BIOS")[-1]


def test_tftp_marks_progress_at_the_seeds_density_and_reload_says_rebooting_once(lab):
    """000: `tftp pix601.bin@192.168.1.2` and 32 dots for a 626,688-byte image."""
    unit, term, host, root = lab()
    (root / "pix601.bin").write_bytes(bytes(626_688))
    for line in ("address 192.168.1.1", "server 192.168.1.2", "file pix601.bin"):
        run(unit, term, line)
    out = run(unit, term, "tftp")
    assert "tftp pix601.bin@192.168.1.2" + "." * 32 + "\nReceived 626688 bytes\n" in out
    run(unit, term, "reload", seconds=1)
    assert unit.console.text().count("Rebooting....") == 1
