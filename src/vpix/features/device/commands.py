"""Commands of the device feature."""

from __future__ import annotations

from datetime import datetime

from vpix.cli.registry import command
from vpix.cli.session import CommandError, Ctx
from vpix.features import PLATFORM
from vpix.features.device import HOSTNAME, PROMPT_WORDS, Device, NameEntry
from vpix.features.device.zone import BadZone, Summer, Zone
from vpix.words import month_number
from vpix.features.device.version import memory_lines, version_lines

_HELP = {
    "hostname": "Change host name",
    "prompt": "Customize the CLI prompt",
    "words": "hostname, domain, context, priority or state",
    "name": "Associate a name with an IP address",
    "names": "Enable/Disable IP address to name mapping",
    "domain-name": "Change domain name",
    "clock": "Manage the system clock",
    "set": "Set the time and date",
    "version": "Display system software and hardware status",
    "memory": "System memory utilization",
    "description": "Text description of the name",
    "hhmmss": "Current Time",
    "month": "Month of the year",
    "day": "Day of the month",
    "year": "Year",
    "newname": "Hostname for this device (up to 63 characters)",
    "address": "IP address of the host",
    "text": "Up to 200 characters",
}


def _device(ctx: Ctx) -> Device:
    return ctx.system.feature(Device)


@command("hostname <newname:WORD>", mode="config", config=True, help=_HELP)
def hostname(ctx: Ctx):
    if not HOSTNAME.match(ctx.args["newname"]):
        raise ctx.invalid("newname")
    _device(ctx).hostname = ctx.args["newname"]


@command("no hostname [<newname:WORD>]", mode="config", config=True, help=_HELP)
def no_hostname(ctx: Ctx):
    _device(ctx).hostname = "ciscoasa" if ctx.system.hw.line == "asa" else "pixfirewall"


@command("domain-name <newname:WORD>", mode="config", config=True, help=_HELP)
def domain_name(ctx: Ctx):
    _device(ctx).domain_name = ctx.args["newname"]


@command("no domain-name [<newname:WORD>]", mode="config", config=True, help=_HELP)
def no_domain_name(ctx: Ctx):
    _device(ctx).domain_name = None


@command("prompt <words:LINE>", mode="config", versions="7.x", config=True, spaces=PLATFORM, help=_HELP)
def prompt(ctx: Ctx):
    words = ctx.args["words"].split()
    for word in words:
        if word not in PROMPT_WORDS:
            raise ctx.invalid("words")
    _device(ctx).prompt = list(dict.fromkeys(words))


@command("no prompt [<words:LINE>]", mode="config", versions="7.x", config=True, spaces=PLATFORM,
          help=_HELP)
def no_prompt(ctx: Ctx):
    _device(ctx).prompt = _device(ctx).default_prompt()


@command("names", mode="config", config=True, help=_HELP)
def names(ctx: Ctx):
    _device(ctx).names_enabled = True


@command("no names", mode="config", config=True, help=_HELP)
def no_names(ctx: Ctx):
    _device(ctx).names_enabled = False


@command("name <address:IP> <name:WORD> [description <text:LINE>]", mode="config", config=True,
         help=_HELP)
def name(ctx: Ctx):
    dev = _device(ctx)
    address, alias = ctx.args["address"], ctx.args["name"]
    description = ctx.args.get("text", "")
    if description.lower().startswith("description"):
        description = description.split(None, 1)[1] if " " in description else ""
    owner = dev.resolve(alias)
    if owner != alias and owner != address:
        raise CommandError(f"ERROR: Name {alias} already exists")
    dev.add_name(NameEntry(address, alias, description))


@command("no name <address:IP> <name:WORD> [description <text:LINE>]", mode="config", config=True,
         help=_HELP)
def no_name(ctx: Ctx):
    _device(ctx).remove_name(ctx.args["address"])


# The configuration's first line names the version it was written by (and in multiple mode
# whether it is the system's or a context's).
@command("pix version <v:WORD> [<space:WORD>]", mode="config", hidden=True)
@command("asa version <v:WORD> [<space:WORD>]", mode="config", hidden=True)
def config_version(ctx: Ctx):
    ctx.system.config_version = ctx.args["v"]


# ---------------------------------------------------------------- clock


@command("clock set <hhmmss:TIME> <month:WORD> <day:INT:1-31> <year:INT:1993-2035>", spaces=PLATFORM, help=_HELP)
@command("clock set <hhmmss:TIME> <day:INT:1-31> <month:WORD> <year:INT:1993-2035>", spaces=PLATFORM, help=_HELP)
def clock_set(ctx: Ctx):
    month = month_number(ctx.args["month"])
    if month is None:
        raise ctx.invalid("month")
    parts = [int(p) for p in ctx.args["hhmmss"].split(":")] + [0]
    try:
        when = _device(ctx).zone.utc(datetime(ctx.args["year"], month, ctx.args["day"], parts[0], parts[1], parts[2]))
    except ValueError:
        raise ctx.invalid("hhmmss" if parts[0] > 23 or parts[1] > 59 or parts[2] > 59 else "day")
    ctx.system.unit.wall.set(when)


def clock_text(when: datetime) -> str:
    """21:30:04.123 UTC Tue Dec 26 2006"""
    return f"{when:%H:%M:%S}.{when.microsecond // 1000:03d} {when.tzname()} {when:%a %b} {when.day} {when.year}"


def moment_text(when: datetime) -> str:
    """21:30:04 UTC Dec 26 2006: a moment as `show failover`, `show asp drop` and `show crypto
    key` write it."""
    return f"{when:%H:%M:%S} {when.tzname()} {when:%b} {when.day} {when.year}"


@command("show clock [detail]", priv=1, help=_HELP)
def show_clock(ctx: Ctx):
    ctx.print(clock_text(ctx.system.now()))


@command("show version", priv=1, help=_HELP)
def show_version(ctx: Ctx):
    ctx.print("\n".join(version_lines(ctx.system)))


@command("show memory [detail]", priv=1, help=_HELP)
def show_memory(ctx: Ctx):
    ctx.print("\n".join(memory_lines(ctx.system)))


@command("show inventory", priv=1, versions="7.x", help={**_HELP, "inventory": "Show the physical inventory"})
def show_inventory(ctx: Ctx):
    hw = ctx.system.hw
    description = (f"ASA {hw.model[3:]} Adaptive Security Appliance" if hw.line == "asa"
                   else f"{hw.model} Security Appliance")
    ctx.print(f'Name: "Chassis", DESCR: "{description}"')
    ctx.print(f"PID: {hw.model:<18}, VID: {'V01':<8}, SN: {ctx.system.unit.identity.serial}")
    ctx.print("")


@command("show names", priv=1, help={**_HELP, "names": "Show the names mapped to IP addresses"})
def show_names(ctx: Ctx):
    for entry in _device(ctx).names.values():
        ctx.print(f"name {entry.address} {entry.name}" + (f" description {entry.description}" if entry.description else ""))


@command("show module [all] [details]", priv=1, versions="7.x", help={**_HELP, "module": "Show module information"})
def show_module(ctx: Ctx):
    hw, unit = ctx.system.hw, ctx.system.unit
    card = (f"ASA {hw.model[3:]} Adaptive Security Appliance" if hw.line == "asa" else f"{hw.model} Security Appliance")
    macs = unit.identity.macs
    ctx.print("Mod Card Type                                    Model              Serial No. ")
    ctx.print("--- -------------------------------------------- ------------------ -----------")
    ctx.print(f"  0 {card:<44} {hw.model:<18} {unit.identity.serial}")
    ctx.print("Mod MAC Address Range                 Hw Version   Fw Version   Sw Version     ")
    ctx.print("--- --------------------------------- ------------ ------------ ---------------")
    ctx.print(f"  0 {macs[0]} to {macs[-1]}  {'1.0':<12} {'1.0(10)0':<12} {ctx.system.version}")
    ctx.print("Mod Status             ")
    ctx.print("--- ------------------ ")
    ctx.print("  0 Up Sys             ")


@command("clock timezone <zone:WORD> <hours:WORD> [<minutes:INT:0-59>]", mode="config", config=True, spaces=PLATFORM,
         help={**_HELP, "timezone": "Configure time zone", "zone": "Name of time zone",
               "hours": "Hours offset from UTC", "minutes": "Minutes offset from UTC"})
def clock_timezone(ctx: Ctx):
    hours = ctx.args["hours"]
    digits = hours[1:] if hours.startswith("-") else hours
    if not digits.isdigit() or int(digits) > 23 or len(ctx.args["zone"]) > 5:
        raise ctx.invalid("hours" if len(ctx.args["zone"]) <= 5 else "zone")
    sign = -1 if hours.startswith("-") else 1
    zone = _device(ctx).zone
    _device(ctx).zone = Zone(ctx.args["zone"], sign * (int(digits) * 60 + ctx.args.get("minutes", 0)), zone.summer)


@command("no clock timezone [<rest:LINE>]", mode="config", config=True, spaces=PLATFORM, help=_HELP)
def no_clock_timezone(ctx: Ctx):
    _device(ctx).zone = Zone(summer=_device(ctx).zone.summer)


@command("clock summer-time <zone:WORD> <rest:LINE>", mode="config", config=True, spaces=PLATFORM,
         help={**_HELP, "summer-time": "Configure summer (daylight savings) time",
               "rest": "recurring [week day month hh:mm week day month hh:mm [offset]]"})
def clock_summer_time(ctx: Ctx):
    try:
        summer = Summer.parse(ctx.args["zone"], ctx.args["rest"].split())
    except BadZone:
        raise ctx.invalid("rest") from None
    zone = _device(ctx).zone
    _device(ctx).zone = Zone(zone.name, zone.minutes, summer)


@command("no clock summer-time [<rest:LINE>]", mode="config", config=True, spaces=PLATFORM, help=_HELP)
def no_clock_summer_time(ctx: Ctx):
    zone = _device(ctx).zone
    _device(ctx).zone = Zone(zone.name, zone.minutes)


@command("show cpu usage", priv=1, versions="7.x", help={**_HELP, "cpu": "Display CPU usage", "usage": "CPU usage"})
def show_cpu_usage(ctx: Ctx):
    device = ctx.system.root.feature(Device)
    ctx.print(f"CPU utilization for 5 seconds = {device.cpu_usage(5)}%; 1 minute: {device.cpu_usage(60)}%; "
              f"5 minutes: {device.cpu_usage(300)}%")
