"""Commands of multiple context mode."""

from __future__ import annotations

from collections import Counter

from vpix.cli.registry import command
from vpix.cli.session import Ask, CommandError, Ctx, Wait
from vpix.features import CONTEXT, EVERYWHERE, PLATFORM, SYSTEM
from vpix.features.configfile import confirmed, save
from vpix.features.contexts import ContextDef, Contexts, fetch_text, licensed_contexts
from vpix.features.contexts import conversion
from vpix.features.flashfs import split_path
from vpix.features.forwarding import Forwarding, asp
from vpix.features.interfaces import Interfaces
from vpix.features.resources import Resources
from vpix.transfer.remote import is_remote

MULTIPLE = frozenset({SYSTEM, CONTEXT})

_HELP = {
    "mode": "Configure multi-context mode",
    "single": "Single mode",
    "multiple": "Multiple mode",
    "noconfirm": "Do not prompt for confirmation",
    "admin-context": "Specify admin context",
    "context": "Configure a context",
    "name": "Context name",
    "description": "Provide a description of the context",
    "text": "Up to 200 characters describing the context",
    "allocate-interface": "Allocate interface to context",
    "hw": "Physical interface",
    "mapped": "Name the context sees the interface by",
    "visible": "Show the physical interface name in the context",
    "invisible": "Show only the mapped name in the context",
    "config-url": "Configure URL for a context configuration",
    "url": "flash:/file, disk0:/file, tftp://, ftp:// or http[s]://[user:password@]host[:port]/path",
    "join-failover-group": "Configure failover group for context",
    "group": "Failover group",
    "changeto": "Change the current context",
    "system": "Change to the system execution space",
    "detail": "Show the details of the contexts",
    "count": "Show the number of active contexts",
    "mac-address": "Configure MAC addresses",
    "auto": "Give each shared context interface a MAC address of its own",
    **asp.HELP,
}


def _contexts(ctx: Ctx) -> Contexts:
    return ctx.system.root.feature(Contexts)


# ---------------------------------------------------------------- the mode itself


@command("show mode", priv=1, versions="7.x", spaces=EVERYWHERE, help=_HELP)
def show_mode(ctx: Ctx):
    ctx.print(f"Security context mode: {'multiple' if ctx.system.root.multiple else 'single'}")


@command("mode {single|multiple} [noconfirm]", mode="config", versions="7.x", spaces=PLATFORM, help=_HELP)
def change_mode(ctx: Ctx):
    system = ctx.system
    multiple = "multiple" in ctx.args
    if multiple == system.multiple:
        ctx.print(f"INFO: Security context mode is already {'multiple' if multiple else 'single'}")
        return
    if multiple and licensed_contexts(system) == 0:
        raise CommandError("ERROR: Multiple context mode is not supported by the license on this platform")
    convert = True
    if not ctx.args.get("noconfirm"):
        ctx.print("WARNING: This command will change the behavior of the device")
        ctx.print("WARNING: This command will initiate a Reboot")
        if not confirmed((yield Ask("Proceed with change mode? [confirm]"))):
            return
        if multiple:
            convert = confirmed((yield Ask("Convert the system configuration? [confirm]")))
    if multiple and convert:
        for line in conversion.to_multiple(system):
            ctx.print(line)
    system.set_context_mode(multiple)
    ctx.print(f"Security context mode: {'multiple' if multiple else 'single'}")
    system.unit.request_reload()


# ---------------------------------------------------------------- defining contexts


@command("admin-context <name:WORD>", mode="config", versions="7.x", config=True, spaces=frozenset({SYSTEM}),
         help=_HELP)
def admin_context(ctx: Ctx):
    contexts = _contexts(ctx)
    name = ctx.args["name"]
    d = contexts.defs.get(name)
    if d is not None and d.group not in (None, 1):
        raise CommandError("ERROR: The admin context must be in failover group 1")
    contexts.admin = name


@command("mac-address auto", mode="config", versions="7.2+", config=True, spaces=frozenset({SYSTEM}), help=_HELP)
def mac_address_auto(ctx: Ctx):
    _contexts(ctx).mac_auto = True
    _contexts(ctx).follow_interfaces()


@command("no mac-address auto", mode="config", versions="7.2+", config=True, spaces=frozenset({SYSTEM}),
         help=_HELP)
def no_mac_address_auto(ctx: Ctx):
    _contexts(ctx).mac_auto = False
    _contexts(ctx).follow_interfaces()


@command("context <name:WORD>", mode="config", versions="7.x", config=True, spaces=frozenset({SYSTEM}),
         help=_HELP)
def context(ctx: Ctx):
    contexts = _contexts(ctx)
    name = ctx.args["name"]
    if name.lower() in ("system", "null") or not name[0].isalpha():
        raise ctx.invalid("name")
    d = contexts.defs.get(name)
    if d is None:
        users = [n for n in contexts.defs if n != contexts.admin]
        allowed = licensed_contexts(ctx.system)
        if name != contexts.admin and len(users) >= allowed:
            raise CommandError(f"ERROR: Cannot create context '{name}': the license allows "
                               f"{allowed} security contexts besides the admin context")
        d = contexts.create(name)
        ctx.print(f"Creating context '{name}'... Done. ({d.space.number})")
    ctx.session.enter("config-ctx", d)


@command("no context <name:WORD>", mode="config", versions="7.x", config=True, spaces=frozenset({SYSTEM}),
         help=_HELP)
def no_context(ctx: Ctx):
    contexts = _contexts(ctx)
    name = ctx.args["name"]
    if name not in contexts.defs:
        raise CommandError(f"ERROR: Context '{name}' does not exist")
    if name == contexts.admin:
        raise CommandError("ERROR: Cannot remove the admin context")
    contexts.remove(name)


def _def(ctx: Ctx) -> ContextDef:
    return ctx.session.target


@command("description <text:LINE>", mode="config-ctx", config=True, help=_HELP)
def description(ctx: Ctx):
    _def(ctx).description = ctx.args["text"][:200]


@command("no description [<text:LINE>]", mode="config-ctx", config=True, help=_HELP)
def no_description(ctx: Ctx):
    _def(ctx).description = None


@command("allocate-interface <hw:WORD> [<mapped:WORD>] [{visible|invisible}]", mode="config-ctx",
         config=True, help=_HELP)
def allocate_interface(ctx: Ctx):
    d = _def(ctx)
    physical = ctx.system.feature(Interfaces).by_hw(ctx.args["hw"])
    if physical is None:
        raise ctx.invalid("hw")
    mapped = ctx.args.get("mapped")
    if mapped in ("visible", "invisible"):
        mapped = None
    d.allocated[physical.hw_id] = mapped
    d.space.feature(Interfaces).allocate(physical, mapped)
    _contexts(ctx).follow_interfaces()


@command("no allocate-interface <hw:WORD> [<mapped:WORD>] [{visible|invisible}]", mode="config-ctx",
         config=True, help=_HELP)
def no_allocate_interface(ctx: Ctx):
    physical = ctx.system.feature(Interfaces).by_hw(ctx.args["hw"])
    if physical is None:
        raise ctx.invalid("hw")
    _release(_def(ctx), physical)
    _contexts(ctx).follow_interfaces()


def _release(d: ContextDef, physical) -> None:
    d.allocated.pop(physical.hw_id, None)
    d.space.feature(Interfaces).deallocate(physical)


@command("config-url <url:WORD>", mode="config-ctx", config=True, help=_HELP)
def config_url(ctx: Ctx):
    """Point the context at its configuration, on flash or a TFTP, FTP or HTTP(S) server,
    and load it (merging into what it runs)."""
    d, url = _def(ctx), ctx.args["url"]
    remote = is_remote(url)
    try:
        if not remote and not split_path(ctx.system, url)[1]:
            raise ValueError(url)
    except ValueError:
        raise ctx.invalid("url") from None
    d.space.url = url
    if ctx.session.transport == "failover":      # the mate sends the context's configuration
        _contexts(ctx).loaded(d)
        return
    if remote and ctx.session.transport == "config":
        _contexts(ctx).fetch(d)                  # starting up: it comes up when the file is in
        return
    text = (yield Wait(lambda done: fetch_text(ctx.system, url, done))) if remote else d.space.read_startup()
    for line in _contexts(ctx).load(d, text):
        ctx.print(line)


@command("no config-url [<url:WORD>]", mode="config-ctx", config=True, help=_HELP)
def no_config_url(ctx: Ctx):
    _def(ctx).space.url = None


@command("join-failover-group <group:INT:1-2>", mode="config-ctx", config=True, help=_HELP)
def join_failover_group(ctx: Ctx):
    from vpix.features.failover import FailoverConfig

    d, group = _def(ctx), ctx.args["group"]
    if group not in ctx.system.feature(FailoverConfig).groups:
        raise CommandError(f"ERROR: Failover group {group} is not configured")
    if d.name == _contexts(ctx).admin and group != 1:
        raise CommandError("ERROR: The admin context must be in failover group 1")
    d.group = group


@command("no join-failover-group [<group:INT:1-2>]", mode="config-ctx", config=True, help=_HELP)
def no_join_failover_group(ctx: Ctx):
    _def(ctx).group = None


# ---------------------------------------------------------------- moving between spaces


@command("changeto system", versions="7.x", spaces=MULTIPLE, help=_HELP)
def changeto_system(ctx: Ctx):
    _may_change(ctx)
    ctx.session.system = ctx.system.root
    ctx.session.to_exec()


@command("changeto context <name:WORD>", versions="7.x", spaces=MULTIPLE, help=_HELP)
def changeto_context(ctx: Ctx):
    _may_change(ctx)
    d = _contexts(ctx).defs.get(ctx.args["name"])
    if d is None:
        raise CommandError(f"ERROR: Context '{ctx.args['name']}' does not exist")
    if not d.url:
        raise CommandError("ERROR: Context hasn't been initialized with 'config-url'")
    ctx.session.system = d.space
    ctx.session.to_exec()


def _may_change(ctx: Ctx) -> None:
    """Only who logged in to the system or the admin context reaches the other contexts."""
    home = ctx.session.home
    if home.space == CONTEXT and home.name != _contexts(ctx).admin:
        raise ctx.invalid("changeto")


# ---------------------------------------------------------------- show context


@command("show context [<name:WORD>]", versions="7.x", spaces=MULTIPLE, help=_HELP)
def show_context(ctx: Ctx):
    """7.2 and later add each context's resource class as a column."""
    contexts = _visible(ctx)
    classes = ctx.system.root.feature_if_any(Resources) is not None
    ctx.print(f"{'Context Name':<18}{'Class':<21}{'Interfaces':<21}URL" if classes
              else f"{'Context Name':<18}{'Interfaces':<30}URL")
    for d in contexts:
        mark = "*" if d.name == _contexts(ctx).admin else " "
        names = list(d.allocated) or [""]
        lead = f"{mark}{d.name:<17}" + (f"{d.member or 'default':<21}" if classes else "")
        ctx.print(f"{lead}{names[0]:<20} {d.url}" if classes else f"{lead}{names[0]:<30}{d.url}")
        for name in names[1:]:
            ctx.print(f"{'':<{len(lead)}}{name}")
    ctx.print(f"Total active Security Contexts: {len(contexts)}")


@command("show context detail [<name:WORD>]", versions="7.x", spaces=MULTIPLE, help=_HELP)
def show_context_detail(ctx: Ctx):
    admin = _contexts(ctx).admin
    for d in _visible(ctx):
        ctx.print(f'Context "{d.name}", is {"ADMIN and " if d.name == admin else ""}active')
        ctx.print(f"  Config URL: {d.url}")
        ctx.print(f"  Real Interfaces: {', '.join(d.allocated)}")
        ctx.print(f"  Mapped Interfaces: {', '.join(m or p for p, m in d.allocated.items())}")
        ctx.print(f"  Failover group: {d.failover_group}, ID: {d.space.number}")
        ctx.print("")


@command("show context count", versions="7.x", spaces=MULTIPLE, help=_HELP)
def show_context_count(ctx: Ctx):
    ctx.print(f"Total active Security Contexts: {len(_visible(ctx))}")


def _visible(ctx: Ctx) -> list[ContextDef]:
    """The system and the admin context see every context; another context only itself."""
    contexts = _contexts(ctx)
    shown = contexts.active()
    if ctx.system.space == CONTEXT and ctx.system.name != contexts.admin:
        shown = [d for d in shown if d.space is ctx.system]
    if "name" in ctx.args:
        shown = [d for d in shown if d.name == ctx.args["name"]]
    return shown


# ---------------------------------------------------------------- the device's drops


@command("show asp drop [{frame|flow}]", versions="7.x", spaces=frozenset({SYSTEM}), help=_HELP)
def show_asp_drop_system(ctx: Ctx):
    """The whole device's: every context's drops, and the packets no context could be found for
    on a shared interface."""
    drops = {"frame": Counter(), "flow": Counter()}
    for d in _contexts(ctx).active():
        for kind, counted in d.space.feature(Forwarding).pipeline.drops.items():
            drops[kind] += counted
    drops["frame"]["ifc-classify"] += sum(iface.share.unclassified for iface in ctx.system.feature(Interfaces).all
                                          if iface.share is not None)
    for line in asp.lines(ctx.system.version, asp.kinds(ctx.args), drops, {"frame": None, "flow": None}):
        ctx.print(line)


# ---------------------------------------------------------------- saving every configuration


@command("write memory all [/noconfirm]", versions="7.x", spaces=frozenset({SYSTEM}), help=_HELP)
def write_memory_all(ctx: Ctx):
    """The system configuration and every context's, each to where it is kept."""
    spaces = [ctx.system] + [d.space for d in _contexts(ctx).active()]
    ctx.print("Building configuration...")
    for i, space in enumerate(spaces):
        ctx.print(f"Saving context : {space.context_name or 'system':>16} : "
                  f"({i:03d}/{len(spaces) - 1:03d} Contexts saved) ")
        try:
            lines = yield from save(ctx, space)
        except CommandError as error:          # (a server refused a context's file)
            lines = [str(error)]
        for line in lines:
            ctx.print(line)
    ctx.print("[OK]")
