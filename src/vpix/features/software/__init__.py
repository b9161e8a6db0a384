"""Installing software and files: `copy` between flash files and from TFTP servers,
`tftp-server` defaults, image verification before anything is installed."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from vpix.cli.registry import command
from vpix.cli.session import Ask, CommandError, Ctx, Wait
from vpix.features import Feature
from vpix.features.flashfs import split_path
from vpix.flash import FlashFull
from vpix.image.format import MAGIC, ImageError, inspect
from vpix.transfer import tftp
from vpix.transfer.tftp_io import download

MARK_BYTES = 32 * 1024          # one `!` per this much received


@dataclass
class TftpServerSetting:
    ifname: str
    address: str
    path: str


class Software(Feature):
    def __init__(self, system):
        super().__init__(system)
        self.tftp_server: TftpServerSetting | None = None

    def render(self, full):
        t = self.tftp_server
        return [("tftp", [f"tftp-server {t.ifname} {t.address} {t.path}"] if t else [])]


_HELP = {
    "copy": "Copy from one file to another",
    "/noconfirm": "Do not prompt for confirmation",
    "src": "Source: flash:/file, tftp:, tftp://host/path",
    "dst": "Destination: flash:[/file], flash:image, flash:pdm",
    "tftp-server": "Configure default parameters for tftp",
    "ifname": "Interface the TFTP server is on",
    "address": "IP address of the TFTP server",
    "path": "Path of the file on the server",
}


@command("tftp-server <ifname:WORD> <address:IP> <path:WORD>", mode="config", config=True, help=_HELP)
def tftp_server(ctx: Ctx):
    ctx.system.feature(Software).tftp_server = TftpServerSetting(
        ctx.args["ifname"], ctx.args["address"], ctx.args["path"])


@command("no tftp-server [<ifname:WORD> <address:IP> <path:WORD>]", mode="config", config=True, help=_HELP)
def no_tftp_server(ctx: Ctx):
    ctx.system.feature(Software).tftp_server = None


@command("copy [/noconfirm] <src:WORD> <dst:WORD>", help=_HELP)
def copy(ctx: Ctx):
    source = ctx.args["src"]
    scheme = source.split(":", 1)[0].lower() if ":" in source else source.lower()
    if scheme == "tftp":
        yield from copy_tftp(ctx)
    elif scheme in ("flash", "disk0") and ctx.system.family == "7.x":
        yield from copy_flash(ctx)
    else:
        raise ctx.invalid("src")


# ---------------------------------------------------------------- flash to flash


def copy_flash(ctx: Ctx):
    system = ctx.system
    try:
        _, source = split_path(system, ctx.args["src"])
        _, target = split_path(system, ctx.args["dst"])
    except ValueError:
        raise ctx.invalid("dst") from None
    if not ctx.args.get("/noconfirm"):
        source = (yield Ask(f"\nSource filename [{source}]? ")).strip() or source
        target = (yield Ask(f"\nDestination filename [{target}]? ")).strip() or target
    flash = system.unit.flash
    device = system.hw.flash_device
    if not source or not flash.exists(source):
        raise CommandError(f"%Error opening {device}/{source} (No such file or directory)")
    started = time.perf_counter()
    try:
        with open(flash.path(source), "rb") as f:
            size = flash.write(target, iter(lambda: f.read(1 << 20), b""))
    except FlashFull:
        raise CommandError(f"%Error writing {device}/{target} (No space left on device)") from None
    elapsed = max(time.perf_counter() - started, 0.001)
    ctx.print("Copy in progress...C")
    ctx.print("")
    ctx.print(f"{size} bytes copied in {elapsed:.3f} secs ({int(size / elapsed)} bytes/sec)")


# ---------------------------------------------------------------- TFTP


def copy_tftp(ctx: Ctx):
    """`copy tftp flash` (asking), `copy tftp://host/path flash[:name]`, 6.x `copy tftp: flash`."""
    system = ctx.system
    six = system.family == "6.x"
    setting = system.feature(Software).tftp_server
    url = urlsplit(ctx.args["src"]) if "//" in ctx.args["src"] else None
    host = url.hostname if url else None
    path = url.path.lstrip("/") if url else None
    if ctx.args["src"].lower() == "tftp:" and setting:          # the `:` shorthand
        host, path = setting.address, setting.path.lstrip("/")
    if host is None or path is None:
        default_host = setting.address if setting else ("127.0.0.1" if six else "")
        default_file = setting.path.lstrip("/") if setting else ("cdisk" if six else "")
        host = (yield Ask(f"{'' if six else chr(10)}Address or name of remote host [{default_host}]? ")).strip() \
            or default_host
        prompt = "Source file name" if six else "Source filename"
        path = (yield Ask(f"{'' if six else chr(10)}{prompt} [{default_file}]? ")).strip() or default_file
    target = _target(ctx, path)
    if six:
        ctx.print(f"copying tftp://{host}/{path} to flash:{'pdm' if target == 'pdm.bin' else 'image'}")
        answer = (yield Ask("[yes|no|again]? ")).strip().lower()
        if not answer.startswith("y"):
            return
    elif not ctx.args.get("/noconfirm") and not (url and target_given(ctx)):
        target = (yield Ask(f"\nDestination filename [{target}]? ")).strip() or target
    url_text = f"tftp://{host}/{path}"
    flash = system.unit.flash
    try:
        out = flash.create(target)
    except FileNotFoundError:
        raise ctx.invalid("dst") from None
    if not six:
        ctx.emit(f"Accessing {url_text}...")
    started = time.perf_counter()
    result = yield _fetch(ctx, host, path, out)
    if isinstance(result, FlashFull):
        raise CommandError(f"\n%Error writing {system.hw.flash_device}/{target} (No space left on device)")
    outcome, client = result
    if outcome.code is not None:
        out.abort()
        raise CommandError(_tftp_error(six, url_text, outcome))
    _install(ctx, out, target, client.received, time.perf_counter() - started)


def target_given(ctx: Ctx) -> bool:
    return split_path(ctx.system, ctx.args["dst"])[1] not in ("", "image", "pdm")


def _target(ctx: Ctx, path: str) -> str:
    """The flash file a download goes to: named, or the source's name; 6.x has one image."""
    try:
        _, name = split_path(ctx.system, ctx.args["dst"])
    except ValueError:
        raise ctx.invalid("dst") from None
    if ctx.system.family == "6.x" or name in ("image", "pdm"):
        return "pdm.bin" if name == "pdm" else "image.bin"
    return name or path.rsplit("/", 1)[-1]


def _fetch(ctx: Ctx, host: str, path: str, out):
    """The download as a Wait: marks as data arrives, the result when it ends."""
    loop = asyncio.get_running_loop()
    marks = [0]

    def on_data(chunk: bytes) -> None:
        out.write(chunk)
        due = out.written // MARK_BYTES
        if due > marks[0]:
            loop.call_soon_threadsafe(ctx.emit, "!" * (due - marks[0]))
            marks[0] = due

    def start(done) -> None:
        async def run():
            try:
                return await download(host, path, on_data)
            except FlashFull as err:
                out.abort()
                return err

        loop.create_task(run()).add_done_callback(lambda t: done(t.result()))

    return Wait(start)


def _tftp_error(six: bool, url: str, outcome) -> str:
    if six:
        return {tftp.FILE_NOT_FOUND: f"\nError: file {url} not found",
                tftp.TIMEOUT: f"\nError: TFTP timeout reading {url}"}.get(
            outcome.code, f"\nError: TFTP error {outcome.code} reading {url}")
    reason = {tftp.FILE_NOT_FOUND: "No such file or directory", tftp.TIMEOUT: "Timed out"}.get(
        outcome.code, f"TFTP error {outcome.code}: {outcome.message}")
    verb = "opening" if outcome.code in (tftp.FILE_NOT_FOUND, tftp.TIMEOUT) else "reading"
    return f"\n%Error {verb} {url} ({reason})"


def _install(ctx: Ctx, out, target: str, size: int, elapsed: float):
    """Verify an image before it replaces anything, then commit the file."""
    system = ctx.system
    six = system.family == "6.x"
    out.file.flush()
    is_image = out.tmp.read_bytes()[: len(MAGIC)] == MAGIC if size >= len(MAGIC) else False
    if is_image:
        try:
            inspect(out.tmp)
        except ImageError:
            out.abort()
            raise CommandError("\nChecksum verification on flash image failed\nImage not installed"
                               if six else f"\n%Error verifying {system.hw.flash_device}/{target} "
                                           "(Checksum verification failed)")
    if six:
        ctx.print("")
        ctx.print(f"Received {size} bytes")
        ctx.print("Erasing current image")
        ctx.print(f"Writing {size} bytes of image")
        ctx.print("!" * max(1, size // (4 * MARK_BYTES)))
        out.commit()
        if is_image and target == "image.bin":
            for entry in system.unit.flash.entries():       # 6.x flash holds one image
                if entry.name != target and entry.name.endswith(".bin"):
                    system.unit.flash.delete(entry.name)
        ctx.print("Image installed" if is_image else "Installed")
        return
    ctx.print("")
    ctx.print(f"Writing file {system.hw.flash_device}/{target}...")
    ctx.print("!" * max(1, size // (4 * MARK_BYTES)))
    out.commit()
    elapsed = max(elapsed, 0.001)
    ctx.print(f"{size} bytes copied in {elapsed:.3f} secs ({int(size / elapsed)} bytes/sec)")
