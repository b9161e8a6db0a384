"""Flash at the CLI: listing, delete, rename, copy, verify /md5, boot system; atomic writes."""

from __future__ import annotations

import hashlib
import re

from vpix.image import format as image_format


def _md5(unit, name):
    return hashlib.md5(unit.flash.path(name).read_bytes()).hexdigest()


def test_verify_md5_answer_line(pix7):
    unit, term = pix7
    out = term.cmd("verify /md5 flash:/pix721.bin")
    assert out.endswith(f"Done!\nverify /md5 (flash:/pix721.bin) = {_md5(unit, 'pix721.bin')}\n")
    assert re.match(r"^!+\n", out)
    assert term.cmd("verify /md5 flash:/nothere.bin") == \
        "%Error opening flash:/nothere.bin (No such file or directory)\n"


def test_copy_rename_delete(pix7):
    unit, term = pix7
    assert term.type("copy flash:/pix721.bin flash:/backup.bin\n").endswith("Source filename [pix721.bin]? ")
    assert term.type("\n").endswith("Destination filename [backup.bin]? ")
    out = term.type("\n")
    assert "Copy in progress...C" in out and re.search(r"\d+ bytes copied in \d+\.\d{3} secs", out)
    assert _md5(unit, "backup.bin") == _md5(unit, "pix721.bin")
    term.type("rename flash:/backup.bin flash:/old.bin\n")
    term.type("\n")
    term.type("\n")
    assert unit.flash.exists("old.bin") and not unit.flash.exists("backup.bin")
    listing = term.cmd("dir")
    assert "old.bin" in listing and "pix721.bin" in listing
    assert term.type("delete flash:/old.bin\n").endswith("Delete filename [old.bin]? ")
    assert term.type("\n").endswith("Delete flash:/old.bin? [confirm]")
    term.type("\n")
    assert not unit.flash.exists("old.bin")
    assert "No such file" in term.cmd("delete /noconfirm flash:/old.bin")
    show = term.cmd("show flash")
    assert show.startswith("-#- --length-- -----date/time------ path\n")
    assert re.search(r"^\d+ bytes available \(\d+ bytes used\)$", show, re.M)


def test_copy_refuses_when_flash_is_full(pix7):
    unit, term = pix7
    big = unit.directory / "big.bin"
    image_format.build(big, "7.2(1)", "pix", size_mb=9)
    unit.flash.copy_in(big, "big.bin")
    before = sorted(e.name for e in unit.flash.entries())
    out = term.cmd("copy /noconfirm flash:/big.bin flash:/big2.bin")
    assert out == "%Error writing flash:/big2.bin (No space left on device)\n"
    assert sorted(e.name for e in unit.flash.entries()) == before
    assert not any(p.name.startswith(".tmp-") for p in unit.flash.root.iterdir())


def test_boot_system_picks_the_image_and_show_boot(pix7):
    unit, term = pix7
    other = unit.directory / "pix722.bin"
    image_format.build(other, "7.2(2)", "pix", size_mb=0.1)
    unit.flash.copy_in(other, "pix722.bin")
    term.configure("boot system flash:/pix722.bin")
    assert "boot system flash:/pix722.bin" in term.cmd("show running-config")
    assert term.cmd("show boot | include BOOT variable") == \
        "BOOT variable = \nCurrent BOOT variable = flash:/pix722.bin\n"
    term.cmd("write memory")
    unit.reload()
    term.cmd("enable"); term.cmd("")
    assert "Version 7.2(2)" in term.cmd("show version")
    assert re.search(r"Current BOOT variable = (\S+):/(\S+)", term.cmd("show boot"))[2] == "pix722.bin"
    assert "BOOT variable = flash:/pix722.bin" in term.cmd("show boot")


def test_asa_paths_use_disk0(boot):
    unit, term = boot(platform="ASA5520", image_key="asa-7.2(1)")
    term.cmd("enable"); term.cmd("")
    out = term.cmd("verify /md5 disk0:/asa721-k8.bin")
    assert "verify /md5 (disk0:/asa721-k8.bin) = " in out


def _flashfs(term):
    return term.cmd("show flashfs").splitlines()


def test_flashfs_table_and_downgrade_to_5_1(pix6, tmp_path):
    unit, term = pix6
    header, *files = _flashfs(term)
    assert header == "flash file system: version:3 magic:0x12345679"
    image_size = unit.flash.path(unit.boot_image()).stat().st_size
    assert files[0] == f"  file 0: origin:{0:>9} length:{image_size:>9}"
    assert len(files) == 5 and files[2].endswith(f"length:{0:>9}")
    term.configure("flash downgrade 5.1")
    assert _flashfs(term)[0] == "flash file system: version:2 magic:0x12345679"
    # the 5.1 image reads that layout and leaves it; back on 6.3 the table is rebuilt
    image_format.build(tmp_path / "pix511.bin", "5.1(1)", "pix", size_mb=0.1)
    unit.flash.delete(unit.boot_image())
    unit.flash.copy_in(tmp_path / "pix511.bin", "image.bin")
    unit.reload()
    unit.clock.advance(0)
    term.cmd("enable")
    term.cmd("")
    assert "Version 5.1(1)" in term.cmd("show version")
    assert _flashfs(term)[0] == "flash file system: version:2 magic:0x12345679"


def test_flashfs_downgrade_4x_clears_and_6x_rebuilds(pix6):
    unit, term = pix6
    term.configure("flashfs downgrade 4.x")
    assert _flashfs(term) == ["flash file system: version:0 magic:0x0"]
    unit.reload()
    unit.clock.advance(0)
    term.cmd("enable")
    term.cmd("")
    assert _flashfs(term)[0] == "flash file system: version:3 magic:0x12345679"
    term.configure("clear flashfs")
    assert _flashfs(term) == ["flash file system: version:0 magic:0x0"]


def test_flashfs_downgrade_refused_over_a_damaged_image(pix6):
    unit, term = pix6
    before = _flashfs(term)
    name = unit.boot_image()                  # flash shares the image's bytes: damage a copy
    damaged = bytearray(unit.flash.path(name).read_bytes())
    damaged[4096:4160] = b"\xff" * 64
    unit.flash.write(name, bytes(damaged))
    assert "not usable" in term.configure("flash downgrade 5.0")
    assert _flashfs(term) == before
    assert term.configure("flash downgrade 5.2") == "Usage:\tflash downgrade {4.2|5.0|5.1}\n"
    assert _flashfs(term) == before


def test_mkdir_rmdir_and_files_in_folders(pix7):
    unit, term = pix7
    assert term.type("mkdir flash:/logs\n").endswith("Create directory filename [logs]? ")
    assert term.type("\n").startswith("\nCreated dir flash:/logs\n")
    assert term.cmd("mkdir /noconfirm flash:/logs") == "%Error Creating dir flash:/logs (File exists)\n"
    assert term.cmd("mkdir /noconfirm flash:/no/such") == \
        "%Error Creating dir flash:/no/such (No such file or directory)\n"
    assert term.cmd("mkdir /noconfirm flash:/.hidden") == "%Error Creating dir flash:/.hidden (Invalid argument)\n"
    term.cmd("copy /noconfirm flash:/pix721.bin flash:/logs/saved.bin")
    assert _md5(unit, "logs/saved.bin") == _md5(unit, "pix721.bin")
    assert re.search(r"^\d+\s+drw-  4096\s+.*  logs$", term.cmd("dir"), re.M)
    listing = term.cmd("dir flash:/logs")
    assert listing.startswith("Directory of flash:/logs/\n\n") and re.search(r"-rw-  \d+ .*  saved\.bin$", listing, re.M)
    assert re.search(r"^\s*\d+ \d+\s+.* logs/saved\.bin$", term.cmd("show flash"), re.M)
    assert term.cmd("delete /noconfirm flash:/logs") == "%Error deleting flash:/logs (Is a directory)\n"
    assert term.cmd("rmdir /noconfirm flash:/logs") == "%Error Removing dir flash:/logs (Directory not empty)\n"
    assert term.cmd("rmdir /noconfirm flash:/pix721.bin") == \
        "%Error Removing dir flash:/pix721.bin (Not a directory)\n"
    term.cmd("delete /noconfirm flash:/logs/saved.bin")
    used = unit.flash.used()
    assert term.type("rmdir flash:/logs\n").endswith("Remove directory filename [logs]? ")
    assert term.type("\n").endswith("Delete flash:/logs? [confirm]")
    assert term.type("\n").startswith("\nRemoved dir flash:/logs\n")
    assert not unit.flash.is_folder("logs") and unit.flash.used() == used - 4096
