"""Installing software and files: `copy` between flash files, from TFTP, FTP and HTTP(S)
servers and to TFTP and FTP servers, `write net`, `configure http[s]://…`, `tftp-server`,
`ftp mode passive`. A downloaded image is verified before it replaces anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import unquote, urlsplit

from vpix.cli.registry import command
from vpix.cli.session import Ask, CommandError, Ctx, Wait
from vpix.features import CONTEXT, EVERYWHERE, PLATFORM, Feature
from vpix.features.flashfs import split_path, valid_name
from vpix.flash import FlashFull
from vpix.image.format import CHECKSUM_FAILED, MAGIC, refused_image
from vpix.transfer import http
from vpix.system import config
from vpix.features.endpoint import endpoint
from vpix.net.tcp import NoRoute
from vpix.transfer.remote import SCHEMES, WRITABLE, fetch, reason, store

MARK_BYTES = 32 * 1024          # one `!` per this much received
CONFIGS = ("running-config", "startup-config")


@dataclass
class TftpServerSetting:
    ifname: str
    address: str
    path: str


class Software(Feature):
    spaces = PLATFORM

    def __init__(self, system):
        super().__init__(system)
        self.tftp_server: TftpServerSetting | None = None
        self.ftp_passive = False

    def render(self, full):
        t = self.tftp_server
        return [("tftp", [f"tftp-server {t.ifname} {t.address} {t.path}"] if t else []),
                ("ftp", ["ftp mode passive"] if self.ftp_passive else [])]


@dataclass(frozen=True)
class Source:
    """A file on a server, as a URL names it."""

    scheme: str
    host: str
    path: str
    url: str
    via: str | None = None          # the interface `tftp-server` names, else the route's


_HELP = {
    "copy": "Copy from one file to another",
    "/noconfirm": "Do not prompt for confirmation",
    "src": "Source: flash:/file, running-config, startup-config, tftp:, tftp://, ftp://, "
           "http[s]://[user:password@]host[:port]/path",
    "dst": "Destination: flash:[/file], flash:image, flash:pdm, tftp:, tftp://, ftp://[user:password@]host/path",
    "running-config": "Copy the current operating configuration",
    "startup-config": "Copy the startup configuration",
    "write": "Write config to memory, terminal, or erase flash memory",
    "net": "Write to network TFTP server",
    "where": "[server]:[filename] of the TFTP server",
    "tftp-server": "Configure default parameters for tftp",
    "ifname": "Interface the TFTP server is on",
    "address": "IP address of the TFTP server",
    "path": "Path of the file on the server",
    "ftp": "Set FTP mode",
    "mode": "Set FTP mode",
    "passive": "Use passive mode for FTP connections",
    "url": "http[s]://[user:password@]host[:port]/path",
}


def _software(ctx: Ctx) -> Software:
    return ctx.system.feature(Software)


@command("tftp-server <ifname:WORD> <address:IP> <path:WORD>", mode="config", config=True, help=_HELP)
def tftp_server(ctx: Ctx):
    _software(ctx).tftp_server = TftpServerSetting(ctx.args["ifname"], ctx.args["address"], ctx.args["path"])


@command("no tftp-server [<ifname:WORD> <address:IP> <path:WORD>]", mode="config", config=True, help=_HELP)
def no_tftp_server(ctx: Ctx):
    _software(ctx).tftp_server = None


@command("ftp mode passive", mode="config", versions="7.x", config=True, help=_HELP)
def ftp_mode_passive(ctx: Ctx):
    _software(ctx).ftp_passive = True


@command("no ftp mode passive", mode="config", versions="7.x", config=True, help=_HELP)
def no_ftp_mode_passive(ctx: Ctx):
    _software(ctx).ftp_passive = False


@command("copy [/noconfirm] <src:WORD> <dst:WORD>", help=_HELP)
def copy(ctx: Ctx):
    source, target = ctx.args["src"], ctx.args["dst"]
    scheme = _scheme(source)
    seven = ctx.system.family == "7.x"
    if scheme in SCHEMES:
        yield from copy_download(ctx, scheme)
    elif seven and _scheme(target) in WRITABLE and (scheme in ("flash", "disk0") or source in CONFIGS):
        yield from copy_upload(ctx)
    elif seven and source in CONFIGS and _scheme(target) in ("flash", "disk0"):
        yield from copy_config_to_flash(ctx)
    elif scheme in ("flash", "disk0") and seven:
        yield from copy_flash(ctx)
    else:
        raise ctx.invalid("dst" if seven and source in CONFIGS else "src")


def _scheme(text: str) -> str:
    return text.split(":", 1)[0].lower()


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
    if not flash.exists(source):
        raise CommandError(f"%Error opening {device}/{source} (No such file or directory)")
    if ctx.args["dst"] in CONFIGS:
        started = ctx.system.unit.clock.monotonic()
        _into_config(ctx, ctx.args["dst"], flash.read(source) or b"", ctx.system.unit.clock.monotonic() - started)
        return
    if not valid_name(target):
        raise CommandError(f"%Error opening {device}/{target} (Invalid argument)")
    started = ctx.system.unit.clock.monotonic()
    try:
        with flash.open(source) as f:
            size = flash.write(target, iter(lambda: f.read(1 << 20), b""))
    except FlashFull:
        raise CommandError(f"%Error writing {device}/{target} (No space left on device)") from None
    except OSError:                 # a folder on the way is missing, or is a file
        raise CommandError(f"%Error opening {device}/{target} (No such file or directory)") from None
    ctx.print("Copy in progress...C")
    ctx.print("")
    ctx.print(_copied(size, ctx.system.unit.clock.monotonic() - started))
    ctx.file_changed(f"copy /noconfirm {device}/{source} {device}/{target}")


def copy_config_to_flash(ctx: Ctx):
    """`copy running-config|startup-config flash:/NAME` (pyntc's checkpoint)."""
    system = ctx.system
    source = ctx.args["src"]
    try:
        _, target = split_path(system, ctx.args["dst"])
    except ValueError:
        raise ctx.invalid("dst") from None
    if not ctx.args.get("/noconfirm"):
        yield Ask(f"\nSource filename [{source}]? ")
        target = (yield Ask(f"\nDestination filename [{target}]? ")).strip() or target
    device = system.hw.flash_device
    if not valid_name(target) or system.unit.flash.is_folder(target):
        raise CommandError(f"%Error opening {device}/{target} (Invalid argument)")
    started = ctx.system.unit.clock.monotonic()
    data, said = _upload_data(ctx, source)
    for line in said:
        ctx.print(line)
    try:
        size = system.unit.flash.write(target, data)
    except FlashFull:
        raise CommandError(f"%Error writing {device}/{target} (No space left on device)") from None
    except OSError:
        raise CommandError(f"%Error opening {device}/{target} (No such file or directory)") from None
    ctx.print("")
    ctx.print(_copied(size, ctx.system.unit.clock.monotonic() - started))
    ctx.file_changed(f"copy /noconfirm {source} {device}/{target}")


def _into_config(ctx: Ctx, which: str, data: bytes, elapsed: float) -> None:
    """A copied file becomes the startup configuration, or is merged into the running one."""
    text = data.decode("latin-1")
    if which == "startup-config":
        ctx.system.write_startup(text.splitlines())
    else:
        for error in ctx.system.apply_config(text):
            ctx.print(error)
    ctx.print("")
    ctx.print(_copied(len(data), elapsed))


def _copied(size: int, elapsed: float) -> str:
    elapsed = max(elapsed, 0.001)
    return f"{size} bytes copied in {elapsed:.3f} secs ({int(size / elapsed)} bytes/sec)"


# ---------------------------------------------------------------- from a server


def copy_download(ctx: Ctx, scheme: str):
    """`copy tftp flash` (asking), `copy tftp://…|ftp://…|http[s]://… flash[:name|image|pdm]`,
    6.x `copy tftp: flash` (the `tftp-server` shorthand)."""
    system = ctx.system
    six = system.family == "6.x"
    source = yield from _source(ctx, scheme)
    target = _target(ctx, source.path)
    if six:
        ctx.print(f"copying {source.url} to flash:{'pdm' if target == 'pdm.bin' else 'image'}")
        if not (yield Ask("[yes|no|again]? ")).strip().lower().startswith("y"):
            return
    elif not ctx.args.get("/noconfirm") and not _named_target(ctx):
        target = (yield Ask(f"\nDestination filename [{target}]? ")).strip() or target
    if not six and target in CONFIGS:
        yield from _download_config(ctx, source, target)
        return
    try:
        out = system.unit.flash.create(target)
    except OSError:
        raise ctx.invalid("dst") from None
    if not six:
        ctx.emit(f"Accessing {source.url}...")
    started = ctx.system.unit.clock.monotonic()
    failure = yield _download(ctx, source, out)
    if failure is not None:
        out.abort()
        raise CommandError(_failure_text(six, source, target, system.hw.flash_device, failure))
    _install(ctx, out, target, ctx.system.unit.clock.monotonic() - started)
    if not six:
        ctx.file_changed(f"copy /noconfirm {source.url} {system.hw.flash_device}/{target}")


class _Gathered:
    """A download kept in memory, for a configuration rather than a flash file."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.written = 0

    def write(self, chunk: bytes) -> None:
        self.parts.append(chunk)
        self.written += len(chunk)


def _download_config(ctx: Ctx, source: Source, target: str):
    """`copy tftp://…|ftp://…|http[s]://… startup-config|running-config`."""
    ctx.emit(f"Accessing {source.url}...")
    started = ctx.system.unit.clock.monotonic()
    gathered = _Gathered()
    failure = yield _download(ctx, source, gathered)
    if failure is not None:
        raise CommandError(_failure_text(False, source, target, ctx.system.hw.flash_device, failure))
    _into_config(ctx, target, b"".join(gathered.parts), ctx.system.unit.clock.monotonic() - started)


def _source(ctx: Ctx, scheme: str):
    """The source a copy names, asking for what a bare `tftp`/`ftp` leaves out."""
    text = ctx.args["src"]
    if "//" in text:
        parts = urlsplit(text)
        return Source(scheme, parts.hostname or "", unquote(parts.path.lstrip("/")), text)
    six = ctx.system.family == "6.x"
    setting = _software(ctx).tftp_server if scheme == "tftp" else None
    if text.lower() == "tftp:" and setting:
        path = setting.path.lstrip("/")
        return Source(scheme, setting.address, path, f"tftp://{setting.address}/{path}", setting.ifname)
    if scheme not in ("tftp", "ftp"):
        raise ctx.invalid("src")
    default_host = setting.address if setting else ("127.0.0.1" if six else "")
    default_file = setting.path.lstrip("/") if setting else ("cdisk" if six else "")
    lead = "" if six else "\n"
    host = (yield Ask(f"{lead}Address or name of remote host [{default_host}]? ")).strip() or default_host
    label = "Source file name" if six else "Source filename"
    path = (yield Ask(f"{lead}{label} [{default_file}]? ")).strip() or default_file
    via = setting.ifname if setting and host == setting.address else None
    return Source(scheme, host, path, f"{scheme}://{host}/{path}", via)


def _named_target(ctx: Ctx) -> bool:
    return split_path(ctx.system, ctx.args["dst"])[1] not in ("", "image", "pdm")


def _target(ctx: Ctx, path: str) -> str:
    """The flash file a download goes to: named, or the source's name; 6.x has one image."""
    try:
        _, name = split_path(ctx.system, ctx.args["dst"])
    except ValueError:
        raise ctx.invalid("dst") from None
    if ctx.system.family == "6.x" or name in ("image", "pdm"):
        return "pdm.bin" if name == "pdm" else "image.bin"
    if ctx.args["dst"] in CONFIGS:
        return ctx.args["dst"]
    return name or path.rsplit("/", 1)[-1]


def _download(ctx: Ctx, source: Source, out) -> Wait:
    """The transfer as a Wait: `!` marks as data arrives; ends with None or what went wrong."""
    passive = _software(ctx).ftp_passive
    mark = _marker(ctx)

    def begin(net, done):
        finish = _once(done)

        def on_data(chunk: bytes) -> None:
            try:
                out.write(chunk)
            except FlashFull as full:          # the transfer ends here, with this reason
                finish(full)
                transfer.cancel()
                return
            mark(out.written)

        transfer = fetch(net, source.url, on_data, finish, passive=passive, via=source.via)
        return transfer

    return _transfer(ctx, begin)


def _once(done: Callable[[object], None]) -> Callable[[object], None]:
    """``done`` the first time only: a transfer cut short by a full flash ends once."""
    called = []

    def once(result) -> None:
        if not called:
            called.append(result)
            done(result)
    return once


def _transfer(ctx: Ctx, begin, system=None) -> Wait:
    """A transfer from the endpoint of the session's space (or of ``system``) as a Wait that
    Esc stops: ``begin(endpoint, done)`` starts it and gives what ``cancel()`` stops."""
    running = []

    def start(done) -> None:
        try:
            net = endpoint(system or ctx.system)
        except LookupError:
            done(NoRoute("no admin context"))
            return
        running.append(begin(net, done))

    return Wait(start, cancel=lambda: running and running[0].cancel())


def _marker(ctx: Ctx) -> Callable[[int], None]:
    """Told how many bytes have gone so far, prints a `!` for each MARK_BYTES more."""
    marks = [0]

    def mark(total: int) -> None:
        due = total // MARK_BYTES
        if due > marks[0]:
            ctx.emit("!" * (due - marks[0]))
            marks[0] = due

    return mark


def _failure_text(six: bool, source: Source, target: str, device: str, failure) -> str:
    if isinstance(failure, FlashFull):
        return f"\n%Error writing {device}/{target} (No space left on device)"
    if six:
        return f"\nError: {reason(failure)} ({source.url})\nImage not installed"
    return f"\n%Error opening {source.url} ({reason(failure)})"


def _install(ctx: Ctx, out, target: str, elapsed: float) -> None:
    """Verify an image before it replaces anything, then commit the file."""
    system = ctx.system
    six = system.family == "6.x"
    size = out.written
    out.file.flush()
    with open(out.tmp, "rb") as f:
        is_image = f.read(len(MAGIC)) == MAGIC
    problem = refused_image(system.hw, out.tmp)
    if problem is not None:
        out.abort()
        if six:
            said = "Checksum verification on flash image failed" if problem == CHECKSUM_FAILED else problem
            raise CommandError(f"\n{said}\nImage not installed")
        raise CommandError(f"\n%Error verifying {system.hw.flash_device}/{target} ({problem})")
    marks = "!" * max(1, size // (4 * MARK_BYTES))
    ctx.print("")
    if six:
        ctx.print(f"Received {size} bytes")
        ctx.print("Erasing current image")
        ctx.print(f"Writing {size} bytes of image")
        ctx.print(marks)
        out.commit()
        if is_image and target == "image.bin":
            for entry in system.unit.flash.entries():       # 6.x flash holds one image
                if entry.name != target and entry.name.endswith(".bin"):
                    system.unit.flash.delete(entry.name)
        ctx.print("Image installed" if is_image else "Installed")
        return
    ctx.print(f"Writing file {system.hw.flash_device}/{target}...")
    ctx.print(marks)
    out.commit()
    ctx.print(_copied(size, elapsed))


# ---------------------------------------------------------------- to a server


def copy_upload(ctx: Ctx):
    """`copy flash:/file|running-config|startup-config tftp:|tftp://…|ftp://…`."""
    name = ctx.args["src"]
    if name not in CONFIGS:
        name = _flash_name(ctx)
    if not ctx.args.get("/noconfirm"):
        name = (yield Ask(f"\nSource filename [{name}]? ")).strip() or name
    url = yield from _destination(ctx, ctx.args["dst"], name.rsplit("/", 1)[-1])
    data, said = _upload_data(ctx, name)
    for line in said:
        ctx.print(line)
    yield from _upload(ctx, url, data)


@command("copy [/noconfirm] {running-config|startup-config} <dst:WORD>", spaces=frozenset({CONTEXT}), help=_HELP)
def copy_context_config(ctx: Ctx):
    """In a context (which has no flash of its own): its configuration to a server."""
    if _scheme(ctx.args["dst"]) not in WRITABLE:
        raise ctx.invalid("dst")
    ctx.args["src"] = "running-config" if ctx.args.get("running-config") else "startup-config"
    yield from copy_upload(ctx)


def _flash_name(ctx: Ctx) -> str:
    try:
        return split_path(ctx.system, ctx.args["src"])[1]
    except ValueError:
        raise ctx.invalid("src") from None


def _destination(ctx: Ctx, text: str, default_file: str):
    """The URL a copy writes to, asking (unless /noconfirm) for the host and file name,
    with what the command gave as the answers' defaults."""
    scheme = _scheme(text)
    parts = urlsplit(text) if "//" in text else None
    host = parts.hostname or "" if parts else ""
    path = unquote(parts.path.lstrip("/")) if parts else ""
    path = path or default_file
    if not ctx.args.get("/noconfirm") or not host:
        host = (yield Ask(f"\nAddress or name of remote host [{host}]? ")).strip() or host
        path = (yield Ask(f"\nDestination filename [{path}]? ")).strip() or path
    if not host or not path:
        raise CommandError(f"%Error parsing {text} (Invalid argument)")
    if parts and parts.hostname == host and unquote(parts.path.lstrip("/")) == path:
        return text                        # as given, with its port, user and password
    return f"{scheme}://{host}/{path}"


def _upload_data(ctx: Ctx, name: str) -> tuple[bytes, list[str]]:
    """What a copy sends of ``name``, and what the device says before it sends it."""
    system = ctx.system
    if name == "running-config":
        return config.as_file(system.config_text()), [f"Cryptochecksum: {config.checksum_words(system.checksum())} "]
    if name == "startup-config":
        text = system.read_startup()
        if text is None:
            raise CommandError("%Error opening startup-config (No such file or directory)")
        return text.encode(), []
    try:
        device, name = split_path(system, name)
    except ValueError:                   # answered with another file system's name
        raise CommandError(f"%Error opening {name} (No such file or directory)") from None
    flash = system.unit.flash
    if not flash.exists(name) or flash.is_folder(name):
        raise CommandError(f"%Error opening {device}/{name} (No such file or directory)")
    with flash.open(name) as f:
        return f.read(), []


def _upload(ctx: Ctx, url: str, data: bytes):
    """Send ``data``: `!` marks as the server takes it, then the count, or the server's refusal."""
    started = ctx.system.unit.clock.monotonic()
    yield from stored(ctx, url, data, passive=_software(ctx).ftp_passive, on_sent=_marker(ctx), lead="\n")
    if len(data) < MARK_BYTES:
        ctx.emit("!")
    ctx.print("")
    ctx.print(_copied(len(data), ctx.system.unit.clock.monotonic() - started))


@command("write net [<where:WORD>]", spaces=EVERYWHERE, help=_HELP)
def write_net(ctx: Ctx):
    """The running configuration to a TFTP server: `[server]:[filename]`, the `tftp-server`
    setting for what it leaves out, asking for what neither gives."""
    where = ctx.args.get("where", "")
    host, _, path = where.partition(":") if ":" in where else ("", "", where)
    setting = _software(ctx).tftp_server
    host = host or (setting.address if setting else "")
    path = (path or (setting.path if setting else "")).lstrip("/")
    if not host:
        host = (yield Ask("Address or name of remote host []? ")).strip()
    if not path:
        path = (yield Ask("Destination filename []? ")).strip().lstrip("/")
    if not host or not path:
        raise CommandError(f"%Error parsing {where or 'tftp:'} (Invalid argument)")
    data, said = _upload_data(ctx, "running-config")
    ctx.print("Building configuration...")
    for line in said:
        ctx.print(line)
    via = setting.ifname if setting and host == setting.address else None
    yield from stored(ctx, f"tftp://{host}/{path}", data, via=via)
    ctx.print("[OK]")


def stored(ctx: Ctx, url: str, data: bytes, *, passive: bool = False,
           on_sent: Callable[[int], None] = lambda sent: None, lead: str = "", via: str | None = None,
           system=None):
    """Put ``data`` where ``url`` names (the transfer as a Wait, from ``system``'s endpoint if
    given); the device's refusal, after ``lead``, when the scheme or the server will not take it."""
    if urlsplit(url).scheme.lower() not in WRITABLE:
        raise CommandError(f"{lead}%Error opening {url} (Operation not supported)")
    failure = yield _transfer(ctx, lambda net, done: store(net, url, data, done, passive=passive,
                                                            on_sent=on_sent, via=via), system)
    if failure is not None:
        raise CommandError(f"{lead}%Error opening {url} ({reason(failure)})")


# ---------------------------------------------------------------- configure http[s]://


@command("configure <url:WORD>", help=_HELP)
def configure_url(ctx: Ctx):
    url = ctx.args["url"]
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise ctx.invalid("url")
    received: list[bytes] = []
    failure = yield _transfer(ctx, lambda net, done: fetch(net, url, received.append, done))
    if failure is not None:
        said = f"{failure.status} {failure.reason}" if isinstance(failure, http.HttpError) else reason(failure)
        raise CommandError(f"%Error opening {url} ({said})")
    for answer in ctx.system.apply_config(b"".join(received).decode("latin-1")):
        ctx.print(answer)
