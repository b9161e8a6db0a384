"""What the show commands of kept features say on a unit that runs none of them: no security
associations, NTP servers configured but never reached."""

from __future__ import annotations

from vpix.cli.registry import command
from vpix.cli.session import Ctx
from vpix.features import PLATFORM, SINGLE
from vpix.features.kept import KeptConfig

_HELP = {"crypto": "Show crypto information", "isakmp": "Show ISAKMP information",
         "ipsec": "Show IPsec information", "sa": "Show security associations",
         "ntp": "Show NTP information", "associations": "Show NTP associations", "status": "Show NTP status"}


@command("show crypto isakmp sa [detail]", priv=1, versions="7.x", spaces=frozenset({SINGLE}), help=_HELP)
def show_isakmp_sa(ctx: Ctx):
    ctx.print("There are no isakmp sas")


@command("show crypto ipsec sa [detail]", priv=1, versions="7.x", spaces=frozenset({SINGLE}), help=_HELP)
def show_ipsec_sa(ctx: Ctx):
    ctx.print("There are no ipsec sas")


@command("show ntp associations [detail]", priv=1, versions="7.x", spaces=PLATFORM, help=_HELP)
def show_ntp_associations(ctx: Ctx):
    servers = [kept.text.split()[2] for key, kept in ctx.system.feature(KeptConfig).lines.items()
               if key[:2] == ("ntp", "server")]
    ctx.print("      address         ref clock     st  when  poll reach  delay  offset    disp")
    for server in servers:
        ctx.print(f" ~{server:<16} 0.0.0.0          16     -    64    0     0.0    0.00 16000.")
    ctx.print(" * master (synced), # master (unsynced), + selected, - candidate, ~ configured")


@command("show ntp status", priv=1, versions="7.x", spaces=PLATFORM, help=_HELP)
def show_ntp_status(ctx: Ctx):
    ctx.print("Clock is unsynchronized, stratum 16, no reference clock")
    ctx.print("nominal freq is 99.9984 Hz, actual freq is 99.9984 Hz, precision is 2**6")
    ctx.print("reference time is 00000000.00000000 (00:00:00.000 UTC Mon Jan 1 1900)")
    ctx.print("clock offset is 0.0000 msec, root delay is 0.00 msec")
    ctx.print("root dispersion is 0.00 msec, peer dispersion is 0.00 msec")
