"""`debug fover TOPIC`: failover events printed to the session that asked for them, as the
device prints debug output, until `no debug fover TOPIC` or `undebug all` (or the session
ends). Topics: rx and tx (messages received and sent), switch (role changes), sync (bulk
sync and replication), ifc (interface monitoring), fail (failures and mismatches)."""

from __future__ import annotations

from vpix.cli.registry import command
from vpix.cli.session import Ctx
from vpix.features.failover import FailoverConfig

TOPICS = ("fail", "ifc", "rx", "switch", "sync", "tx")
_HELP = {"debug": "Show debug information for a feature", "undebug": "Disable debugging functions",
         "fover": "Failover", "all": "Disable all debugging", **{t: f"Failover {t} events" for t in TOPICS}}
_TOPIC_SPEC = "{" + "|".join(TOPICS) + "}"


def _topic(ctx: Ctx) -> str:
    return next(t for t in TOPICS if ctx.args.get(t))


@command(f"debug fover {_TOPIC_SPEC}", versions="7.x", help=_HELP)
def debug_fover(ctx: Ctx):
    ctx.system.feature(FailoverConfig).debugging.setdefault(_topic(ctx), set()).add(ctx.session)


@command(f"no debug fover {_TOPIC_SPEC}", versions="7.x", help=_HELP)
def no_debug_fover(ctx: Ctx):
    ctx.system.feature(FailoverConfig).debugging.get(_topic(ctx), set()).discard(ctx.session)


@command("undebug all", versions="7.x", help=_HELP)
@command("no debug all", versions="7.x", help=_HELP)
def undebug_all(ctx: Ctx):
    for sessions in ctx.system.feature(FailoverConfig).debugging.values():
        sessions.discard(ctx.session)


@command("show debug", priv=1, versions="7.x", help={"debug": "Show debug information for a feature"})
def show_debug(ctx: Ctx):
    for topic, sessions in sorted(ctx.system.feature(FailoverConfig).debugging.items()):
        if ctx.session in sessions:
            ctx.print(f"debug fover status {topic}")
