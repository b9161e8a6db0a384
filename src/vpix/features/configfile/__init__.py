"""The configuration as files: show/write/copy running and startup configuration, `reload`."""

from __future__ import annotations


from vpix.cli.registry import COMMANDS, command
from vpix.cli.session import Ask, CommandError, Ctx
from vpix.features import PLATFORM
from vpix.features.device.commands import clock_text
from vpix.features.software import stored
from vpix.flash import FlashFull
from vpix.system import config as cfg
from vpix.transfer.remote import is_remote

_HELP = {
    "running-config": "Show the current operating configuration",
    "startup-config": "Show the startup configuration",
    "all": "Show all configuration, including defaults",
    "words": "Configuration command(s) to show",
    "write": "Write config to memory, terminal, or erase flash memory",
    "memory": "Save active configuration to the flash",
    "terminal": "Display the current active configuration",
    "erase": "Clear flash memory configuration",
    "copy": "Copy from one file to another",
    "reload": "Halt and reload system",
    "noconfirm": "Reload without asking for confirmation",
    "configure": "Show the configuration stored in flash memory",
    "errors": "Show the errors the startup configuration gave when it was loaded",
}


def save(ctx: Ctx, space=None):
    """Write the running-config of the session's space (or ``space``) to where its startup
    configuration is kept, flash or a TFTP or FTP server; returns the device's report of it."""
    system = space or ctx.system
    started = ctx.system.unit.clock.monotonic()
    text = system.config_text()
    if system.version.major >= 8:
        text.insert(1, f": Written by {ctx.session.username} at {clock_text(system.now())}")
    url = getattr(system, "url", None)
    if is_remote(url):
        data = cfg.as_file(text)
        yield from stored(ctx, url, data, system=system.root)   # config-urls go by the admin context
        size = len(data)
    else:
        try:
            size = system.write_startup(text)
        except FlashFull:
            raise CommandError(f"%Error writing {url or 'startup-config'} (No space left on device)") from None
        except OSError:                     # a config-url flash cannot hold, or a folder that is gone
            raise CommandError(f"%Error opening {url or 'startup-config'} (Invalid argument)") from None
    elapsed = max(ctx.system.unit.clock.monotonic() - started, 0.001)
    for listener in list(system.root.save_listeners):
        listener(system, ctx.session)
    words = cfg.checksum_words(system.checksum())
    if system.family == "6.x":
        return [f"Cryptochecksum: {words} "]
    return [f"Cryptochecksum: {words} ", "",
            f"{size} bytes copied in {elapsed:.3f} secs ({int(size / elapsed)} bytes/sec)"]


@command("show running-config [all] [<words:LINE>]", help=_HELP)
def show_running_config(ctx: Ctx):
    full = bool(ctx.args.get("all"))
    if "words" in ctx.args:
        first = ctx.args["words"].split()[0].lower()
        tree = COMMANDS.tree(ctx.system.version, "config", 15, ctx.system.space)
        if not any(word.startswith(first) for word in tree.keywords) and first not in cfg.SECTIONS:
            raise ctx.invalid("words")
        chosen = cfg.select(ctx.system.mask(ctx.system.running_config(full)), ctx.args["words"])
        if chosen:
            ctx.print("\n".join(chosen))
        return
    ctx.print("\n".join(ctx.system.config_text(full, masked=True)))


@command("write terminal", help=_HELP)
def write_terminal(ctx: Ctx):
    ctx.print("Building configuration...")
    ctx.print("\n".join(ctx.system.config_text(masked=True)))


@command("show startup-config", versions="7.x", help=_HELP)
@command("show configure", versions="6.x", help=_HELP)
def show_startup_config(ctx: Ctx):
    text = ctx.system.read_startup()
    if text:
        ctx.print("\n".join(ctx.system.mask(text.rstrip("\n").split("\n"))))


SHOWN_OF_A_LINE = 24          # `*** Output from config line 18, "  limit-resource Mac-add..."`


@command("show startup-config errors", versions="7.x", help=_HELP)
def show_startup_errors(ctx: Ctx):
    """What the startup-config's lines said when this boot applied them, each followed by the
    line that said it."""
    for answer in ctx.system.root.startup_answers:
        line = answer.line if len(answer.line) <= SHOWN_OF_A_LINE else answer.line[:SHOWN_OF_A_LINE] + "..."
        ctx.print(answer.output)
        ctx.print(f'*** Output from config line {answer.number}, "{line}"')


@command("write memory", help=_HELP)
def write_memory(ctx: Ctx):
    ctx.print("Building configuration...")
    for line in (yield from save(ctx)):
        ctx.print(line)
    ctx.print("[OK]")


@command("copy running-config startup-config", versions="7.x", help=_HELP)
def copy_run_start(ctx: Ctx):
    yield Ask("\nSource filename [running-config]? ")
    for line in (yield from save(ctx)):
        ctx.print(line)


@command("copy startup-config running-config", versions="7.x", help=_HELP)
def copy_start_run(ctx: Ctx):
    yield Ask("\nDestination filename [running-config]? ")
    text = ctx.system.read_startup()
    if text is None:
        raise CommandError("ERROR: startup-config not found")
    for error in ctx.system.apply_config(text):
        ctx.print(error)


@command("write erase", help=_HELP)
def write_erase(ctx: Ctx):
    question = ("Erase PIX configuration in flash memory? [confirm]" if ctx.system.family == "6.x"
                else "Erase configuration in flash memory? [confirm]")
    answer = yield Ask(question)
    if not confirmed(answer):
        return
    ctx.system.erase_startup()
    ctx.print("[OK]")


def confirmed(answer: str) -> bool:
    """`[confirm]`: Return or y confirms, anything else declines."""
    return answer.strip().lower() in ("", "y", "yes")


@command("reload [noconfirm]", spaces=PLATFORM, help=_HELP)
def reload(ctx: Ctx):
    system = ctx.system
    if not ctx.args.get("noconfirm"):
        if system.family == "7.x" and _unsaved(system):
            answer = yield Ask("System config has been modified. Save? [Y]es/[N]o: ")
            if answer.strip().lower().startswith("y"):
                for line in (yield from save(ctx)):
                    ctx.print(line)
        answer = yield Ask("Proceed with reload? [confirm]")
        if not confirmed(answer):
            return
    system.unit.request_reload()


def _unsaved(system) -> bool:
    saved = system.read_startup()
    return saved is None or f"Cryptochecksum:{system.checksum()}" not in saved
