"""The flash file system at the CLI: `dir` (7.x)."""

from __future__ import annotations

from vpix.cli.registry import command
from vpix.cli.session import Ctx
from vpix.features import Feature

_HELP = {"dir": "List files on a filesystem", "path": "flash:, disk0: or a file in it"}


class FlashFs(Feature):
    """No configuration of its own; the flash belongs to the unit."""


def split_path(system, text: str | None) -> tuple[str, str]:
    """`flash:/a.bin`, `disk0:a.bin`, `a.bin` → (device, file name or "")."""
    device = system.hw.flash_device
    if not text:
        return device, ""
    if ":" in text:
        given, _, rest = text.partition(":")
        if given.lower() + ":" not in ("flash:", "disk0:"):
            raise ValueError(text)
        return device, rest.lstrip("/")
    return device, text.lstrip("/")


@command("dir [<path:WORD>]", versions="7.x", help=_HELP)
def dir_(ctx: Ctx):
    system = ctx.system
    try:
        device, name = split_path(system, ctx.args.get("path"))
    except ValueError:
        raise ctx.invalid("path") from None
    flash = system.unit.flash
    entries = [e for e in flash.entries() if not name or e.name == name]
    if name and not entries:
        ctx.print(f"ERROR: {device}/{name}: No such file or directory")
        return
    ctx.print(f"Directory of {device}/")
    ctx.print("")
    for e in entries:
        stamp = f"{e.modified:%H:%M:%S %b %d %Y}"
        ctx.print(f"{e.index:<6} -rw-  {e.size:<11} {stamp}  {e.name}")
    ctx.print("")
    free = flash.free()
    ctx.print(f"{flash.capacity} bytes total ({free} bytes free/{free * 100 // flash.capacity}% free)")
