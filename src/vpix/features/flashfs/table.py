"""The PIX OS flash file system table (6.x): `show flashfs`, `clear flashfs`,
`flashfs downgrade 4.x|5.0|5.1` and the chapter's own spelling `flash downgrade 4.2|5.0|5.1`.

The table maps the flash sectors to the five files a PIX OS image keeps: 0 the image, 1 the
configuration, 2 the datafile (IPSec keys and certificates), 3 the downgrade record, 4 the PDM
image. Images from 5.2 on keep it in the current layout and rebuild it at boot; 5.0 and 5.1 read
only their own older layouts, and 4.x reads none, so a downgrade first rewrites or clears it.
The table lives in flash's hidden area: a line per file, ``origin length``, after a format line.
"""

from __future__ import annotations

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.features import PLATFORM, Feature
from vpix.image.format import ImageError, inspect
from vpix.versions import Version, VersionRange

TABLE = "flashfs"
SECTOR = 0x20000
MAGIC = 0x12345679
CURRENT = 3                                  # the layout 5.2 and later write
LAYOUTS = {"5.0": 1, "5.1": 2}               # what `flashfs downgrade 5.x` rewrites to
OWN_LAYOUT_FROM = Version(5, 2, 1)
PRIVATE_FILES = ("startup-config", TABLE)

_HELP = {
    "flashfs": "Clear, show or downgrade the flash file system",
    "downgrade": "Rewrite the flash file system for an earlier version",
    "flash": "Downgrade the flash file system",
    "4.x": "Clear the file system for versions 4.0 to 4.4",
    "4.2": "Clear the file system for versions 4.0 to 4.4",
    "5.0": "Rewrite the file system for version 5.0",
    "5.1": "Rewrite the file system for version 5.1",
}


class FlashTable(Feature):
    spaces = PLATFORM

    versions = VersionRange.parse("6.x")

    def start(self) -> None:
        if self.system.version >= OWN_LAYOUT_FROM:
            write_table(self.system.unit, CURRENT)


def _sizes(unit) -> list[int]:
    """Image, configuration, datafile (no IPSec keys are kept), downgrade record, PDM."""
    flash = unit.flash

    def size(name):
        return flash.path(name).stat().st_size if name and flash.exists(name) else 0

    config, record = (len(flash.read_private(name) or b"") for name in PRIVATE_FILES)
    return [size(unit.boot_image()), config, 0, record, size("pdm.bin")]


def write_table(unit, layout: int) -> None:
    """Lay the files out sector by sector, the image first, and record where they stand."""
    sizes = _sizes(unit)
    rows, origin = [], 0
    for size in sizes:
        rows.append((origin if size else 0, size))
        origin += -(-size // SECTOR) * SECTOR
    text = f"{layout}\n" + "".join(f"{o} {n}\n" for o, n in rows)
    unit.flash.write_private(TABLE, text.encode())


def read_table(flash) -> tuple[int, list[tuple[int, int]]]:
    """(layout, [(origin, length)] per file); layout 0 and no rows once cleared."""
    data = flash.read_private(TABLE)
    if not data:
        return 0, []
    first, *rows = data.decode().split("\n")
    return int(first), [tuple(map(int, row.split())) for row in rows if row]


@command("show flashfs", priv=1, versions="6.x", help=_HELP)
def show_flashfs(ctx: Ctx):
    layout, rows = read_table(ctx.system.unit.flash)
    magic = MAGIC if layout else 0
    ctx.print(f"flash file system: version:{layout} magic:0x{magic:x}")
    for number, (origin, length) in enumerate(rows):
        ctx.print(f"  file {number}: origin:{origin:>9} length:{length:>9}")


@command("clear flashfs", mode="config", versions="6.x", help=_HELP)
def clear_flashfs(ctx: Ctx):
    ctx.system.unit.flash.delete_private(TABLE)


@command("flashfs downgrade {4.x|5.0|5.1}", mode="config", versions="6.x", help=_HELP)
@command("flash downgrade {4.2|5.0|5.1}", mode="config", versions="6.x", help=_HELP)
def flashfs_downgrade(ctx: Ctx):
    unit = ctx.system.unit
    target = next(v for v in ("4.x", "4.2", "5.0", "5.1") if ctx.args.get(v))
    if target.startswith("4"):
        unit.flash.delete_private(TABLE)
        return
    if not _usable(unit):
        raise CommandError("flashfs downgrade: the flash image is not usable, the file system was not changed")
    write_table(unit, LAYOUTS[target])


def _usable(unit) -> bool:
    name = unit.boot_image()
    try:
        return name is not None and inspect(unit.flash.path(name)) is not None
    except ImageError:
        return False
