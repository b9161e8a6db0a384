"""The flash file system at the CLI (7.x): `dir`, `show flash`, `delete`, `rename`, `mkdir`,
`rmdir`, `verify /md5`, `boot system` and `show boot` (`copy` is the software feature's).

A command that changes flash tells the system the line that repeats it without questions,
which the failover mate runs (`Ctx.file_changed`)."""

from __future__ import annotations

import hashlib
import re

from vpix.cli.registry import command
from vpix.cli.session import Ask, CommandError, Ctx
from vpix.features import EVERYWHERE, PLATFORM, Feature
from vpix.flash import FlashFull
from vpix.flash.store import valid_name

_HELP = {
    "dir": "List files on a filesystem",
    "path": "flash:, disk0: or a file in it",
    "flash": "Show the flash file system",
    "delete": "Delete a file",
    "rename": "Rename a file",
    "mkdir": "Create a new directory",
    "rmdir": "Remove an existing directory",
    "copy": "Copy from one file to another",
    "verify": "Verify a file",
    "/md5": "Compute the MD5 of a file",
    "/noconfirm": "Do not prompt for confirmation",
    "more": "Display the contents of a file",
    "/ascii": "Display binary files in ASCII",
    "/binary": "Display any file in binary",
    "boot": "Set system boot parameters",
    "system": "System image file",
    "src": "Source file (flash:/name)",
    "dst": "Destination file (flash:/name)",
}


class FlashFs(Feature):
    """Owns `boot system`; the files themselves belong to the unit's flash."""
    spaces = PLATFORM

    def __init__(self, system):
        super().__init__(system)
        self.boot_images: list[str] = []

    def render(self, full):
        if self.system.family == "6.x":
            return []
        device = self.system.hw.flash_device
        return [("boot", [f"boot system {device}/{name}" for name in self.boot_images])]


def split_path(system, text: str | None) -> tuple[str, str]:
    """`flash:/a.bin`, `disk0:a.bin`, `a.bin` → (device, file name or "")."""
    device = system.hw.flash_device
    if not text or text.lower() in ("flash", "disk0"):
        return device, ""
    if ":" in text:
        given, _, rest = text.partition(":")
        if given.lower() + ":" not in ("flash:", "disk0:"):
            raise ValueError(text)
        return device, rest.lstrip("/")
    return device, text.lstrip("/")


def _file(ctx: Ctx, arg: str, must_exist: bool = True) -> str:
    device, name = _path(ctx, arg)
    if must_exist and not ctx.system.unit.flash.exists(name):
        raise CommandError(f"%Error opening {device}/{name} (No such file or directory)")
    if not must_exist and name and not valid_name(name):
        raise CommandError(f"%Error opening {device}/{name} (Invalid argument)")
    return name


def _path(ctx: Ctx, arg: str = "path") -> tuple[str, str]:
    try:
        return split_path(ctx.system, ctx.args.get(arg))
    except ValueError:
        raise ctx.invalid(arg) from None


@command("dir [<path:WORD>]", versions="7.x", help=_HELP)
def dir_(ctx: Ctx):
    """A folder's files and folders, or one file."""
    device, name = _path(ctx)
    flash = ctx.system.unit.flash
    if not name or flash.is_folder(name):
        folder, entries = name, flash.listing(name)
    else:
        folder, _, base = name.rpartition("/")
        entries = [e for e in flash.listing(folder) if e.name == base and not e.folder] \
            if flash.exists(name) else []
        if not entries:
            raise CommandError(f"ERROR: {device}/{name}: No such file or directory")
    ctx.print(f"Directory of {device}/{folder + '/' if folder else ''}")
    ctx.print("")
    for e in entries:
        kind = "drw-" if e.folder else "-rw-"
        ctx.print(f"{e.index:<6} {kind}  {e.size:<11} {e.modified:%H:%M:%S %b %d %Y}  {e.name}")
    ctx.print("")
    free = flash.free()
    ctx.print(f"{flash.capacity} bytes total ({free} bytes free/{free * 100 // flash.capacity}% free)")


@command("more [{/ascii|/binary}] <path:WORD>", versions="7.x", spaces=EVERYWHERE, help=_HELP)
def more(ctx: Ctx):
    """A file's text: a flash file, or `system:running-config` (secrets as saved, not masked)."""
    if ctx.args["path"].lower() == "system:running-config":
        ctx.print("\n".join(ctx.system.config_text()))
        return
    name = _file(ctx, "path")
    ctx.print(ctx.system.unit.flash.read(name).decode(errors="replace").rstrip("\n"))


@command("show flash", priv=1, versions="7.x", help=_HELP)
@command("show flash:", priv=1, versions="7.x", hidden=True)
@command("show disk0:", priv=1, versions="7.x", hidden=True)
def show_flash(ctx: Ctx):
    """Every file and folder, folders' contents under their paths."""
    flash = ctx.system.unit.flash
    ctx.print("-#- --length-- -----date/time------ path")
    folders = [""]
    while folders:
        folder = folders.pop(0)
        for e in flash.listing(folder):
            path = f"{folder}/{e.name}" if folder else e.name
            ctx.print(f"{e.index:>3} {e.size:<11} {e.modified:%b %d %Y %H:%M:%S} {path}")
            if e.folder:
                folders.append(path)
    ctx.print("")
    ctx.print(f"{flash.free()} bytes available ({flash.used()} bytes used)")


def _named(ctx: Ctx, question: str):
    """The device and the path the command names, or (without /noconfirm) the one the
    answer to ``question`` (the named path in its braces) gives."""
    device, name = _path(ctx)
    if not ctx.args.get("/noconfirm"):
        name = (yield Ask(question.format(name))).strip() or name
    return device, name


def _sure(ctx: Ctx, device: str, name: str):
    """/noconfirm, or the answer to `Delete …? [confirm]`."""
    if ctx.args.get("/noconfirm"):
        return True
    return (yield Ask(f"\nDelete {device}/{name}? [confirm]")).strip().lower() in ("", "y", "yes")


@command("delete [/noconfirm] <path:WORD>", versions="7.x", help=_HELP)
def delete(ctx: Ctx):
    device, name = yield from _named(ctx, "\nDelete filename [{}]? ")
    flash = ctx.system.unit.flash
    if flash.is_folder(name):
        raise CommandError(f"%Error deleting {device}/{name} (Is a directory)")
    if not flash.exists(name):
        raise CommandError(f"%Error deleting {device}/{name} (No such file or directory)")
    if not (yield from _sure(ctx, device, name)):
        return
    flash.delete(name)
    ctx.file_changed(f"delete /noconfirm {device}/{name}")


@command("rename [/noconfirm] <src:WORD> <dst:WORD>", versions="7.x", help=_HELP)
def rename(ctx: Ctx):
    source = _path(ctx, "src")[1]
    target = _file(ctx, "dst", must_exist=False)
    if not ctx.args.get("/noconfirm"):
        source = (yield Ask(f"Source filename [{source}]? ")).strip() or source
        target = (yield Ask(f"Destination filename [{target}]? ")).strip() or target
    device = ctx.system.hw.flash_device
    flash = ctx.system.unit.flash
    if not (flash.exists(source) or flash.is_folder(source)):
        raise CommandError(f"%Error renaming {device}/{source} (No such file or directory)")
    if not valid_name(target) or flash.is_folder(target):
        raise CommandError(f"%Error renaming {device}/{source} to {device}/{target} (Invalid argument)")
    try:
        flash.rename(source, target)
    except OSError:
        raise CommandError(f"%Error renaming {device}/{source} to {device}/{target} "
                           "(No such file or directory)") from None
    ctx.file_changed(f"rename /noconfirm {device}/{source} {device}/{target}")


@command("mkdir [/noconfirm] <path:WORD>", versions="7.x", help=_HELP)
def mkdir(ctx: Ctx):
    device, name = yield from _named(ctx, "\nCreate directory filename [{}]? ")
    reason = None
    try:
        ctx.system.unit.flash.mkdir(name)
    except FileExistsError:
        reason = "File exists"
    except (FileNotFoundError, NotADirectoryError):
        reason = "No such file or directory" if valid_name(name) else "Invalid argument"
    except FlashFull:
        reason = "No space left on device"
    if reason:
        raise CommandError(f"%Error Creating dir {device}/{name} ({reason})")
    ctx.print(f"Created dir {device}/{name}")
    ctx.file_changed(f"mkdir /noconfirm {device}/{name}")


@command("rmdir [/noconfirm] <path:WORD>", versions="7.x", help=_HELP)
def rmdir(ctx: Ctx):
    device, name = yield from _named(ctx, "\nRemove directory filename [{}]? ")
    flash = ctx.system.unit.flash
    if not flash.is_folder(name):
        reason = "Not a directory" if flash.exists(name) else "No such file or directory"
        raise CommandError(f"%Error Removing dir {device}/{name} ({reason})")
    if not (yield from _sure(ctx, device, name)):
        return
    try:
        flash.rmdir(name)
    except OSError:
        raise CommandError(f"%Error Removing dir {device}/{name} (Directory not empty)") from None
    ctx.print(f"Removed dir {device}/{name}")
    ctx.file_changed(f"rmdir /noconfirm {device}/{name}")


@command("verify /md5 <path:WORD>", versions="7.x", help=_HELP)
def verify_md5(ctx: Ctx):
    name = _file(ctx, "path")
    digest = hashlib.md5()
    marks = 0
    with ctx.system.unit.flash.open(name) as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            digest.update(chunk)
            marks += 1
    bangs = "!" * max(1, marks // 4)
    for i in range(0, len(bangs), 79):
        ctx.print(bangs[i:i + 79])
    ctx.print("Done!")
    ctx.print(f"verify /md5 ({ctx.system.hw.flash_device}/{name}) = {digest.hexdigest()}")


@command("boot system <path:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
def boot_system(ctx: Ctx):
    name = _file(ctx, "path", must_exist=False)
    images = ctx.system.feature(FlashFs).boot_images
    if name in images:
        return
    if len(images) >= 4:
        raise CommandError("ERROR: Cannot have more than 4 boot system entries")
    images.append(name)


@command("no boot system <path:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
def no_boot_system(ctx: Ctx):
    name = _file(ctx, "path", must_exist=False)
    images = ctx.system.feature(FlashFs).boot_images
    if name in images:
        images.remove(name)


@command("show boot", priv=1, versions="7.x", help=_HELP)
def show_boot(ctx: Ctx):
    device = ctx.system.hw.flash_device
    at_boot = ";".join(f"{device}/{n}" for n in ctx.system.unit.boot_preference())
    current = ";".join(f"{device}/{n}" for n in ctx.system.feature(FlashFs).boot_images)
    ctx.print(f"BOOT variable = {at_boot}")
    ctx.print(f"Current BOOT variable = {current}")
    ctx.print("CONFIG_FILE variable = ")
    ctx.print("Current CONFIG_FILE variable = ")


_BOOT_LINE = re.compile(r"^boot system (?:flash|disk0):/?(\S+)\s*$", re.M)


def boot_images_in(config_text: str) -> list[str]:
    """The `boot system` images a saved configuration names, in order."""
    return _BOOT_LINE.findall(config_text)
from vpix.features.flashfs import table  # noqa: E402,F401  (PIX OS flash file system table)
