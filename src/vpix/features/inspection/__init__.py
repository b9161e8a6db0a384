"""Application inspection settings: 7.x's modular policy framework (`class-map`, `policy-map`
with `class` and `inspect`, `policy-map type inspect dns` parameters, `service-policy`) and
6.x's `fixup protocol`. The data plane acts on FTP (vpix.dataplane.ftp): ``ftp_ports`` says
which TCP ports each interface inspects as FTP; and on `set connection conn-max`
(``conn_limits``). The other engines are kept and shown as configured; vpix inspects nothing
else yet."""

from __future__ import annotations

from dataclasses import dataclass, field

from vpix.cli.registry import command, mode
from vpix.cli.session import CommandError, Ctx
from vpix.dataplane.objects import port
from vpix.dataplane.conns import ConnLimit
from vpix.features import TRAFFIC, Feature
from vpix.features.interfaces import Interfaces
from vpix.net.packets import PROTO_TCP
from vpix.numbers import is_number

mode("config-cmap", "(config-cmap)")
mode("config-pmap", "(config-pmap)")
mode("config-pmap-c", "(config-pmap-c)", parent="config-pmap")
mode("config-pmap-p", "(config-pmap-p)", parent="config-pmap")

ENGINES = ("ctiqbe", "dns", "esmtp", "ftp", "h323", "http", "icmp", "ils", "mgcp", "netbios", "rsh", "rtsp",
           "sip", "skinny", "snmp", "sqlnet", "sunrpc", "tftp", "xdmcp")
DEFAULT_PORTS = {"ftp": 21}           # what `match default-inspection-traffic` means per engine
# 6.3's fixups as a fresh unit has them: protocol -> its ports (or, for dns, its option)
FIXUPS_6X = {"dns": "maximum-length 512", "ftp": "21", "h323 h225": "1720", "h323 ras": "1718-1719",
             "http": "80", "rsh": "514", "rtsp": "554", "sip": "5060", "sip udp": "5060", "skinny": "2000",
             "smtp": "25", "sqlnet": "1521", "tftp": "69"}


@dataclass
class ClassMap:
    name: str
    matches: list[str] = field(default_factory=list)


@dataclass
class PolicyClass:
    """What a policy does to the traffic of one class: `inspect` lines, `set connection`."""

    inspects: list[str] = field(default_factory=list)
    conn_max: int = 0                                        # 0: no limit


@dataclass
class PolicyMap:
    name: str
    kind: str | None = None                                  # "dns" for `policy-map type inspect dns`
    classes: dict[str, PolicyClass] = field(default_factory=dict)
    parameters: list[str] = field(default_factory=list)


class Inspection(Feature):
    spaces = TRAFFIC

    def __init__(self, system):
        super().__init__(system)
        self.class_maps: dict[str, ClassMap] = {}
        self.policy_maps: dict[str, PolicyMap] = {}
        self.service_policies: dict[str, str] = {}           # "global" or an interface name -> policy
        self.fixups: dict[str, list[str]] = {name: [ports] for name, ports in FIXUPS_6X.items()}  # []: off

    def render(self, full):
        if self.system.family == "6.x":
            return [("fixup", [line for name, ports in self.fixups.items() for line in
                               ([f"fixup protocol {name} {p}" for p in ports] or
                                [f"no fixup protocol {name} {FIXUPS_6X[name]}"])])]
        cmaps = [line for c in self.class_maps.values() for line in [f"class-map {c.name}"] +
                 [f" match {m}" for m in c.matches]]
        pmaps = []
        for p in self.policy_maps.values():
            pmaps.append(f"policy-map type inspect {p.kind} {p.name}" if p.kind else f"policy-map {p.name}")
            if p.kind:
                pmaps += [" parameters"] + [f"  {line}" for line in p.parameters]
            for name, actions in p.classes.items():
                pmaps += [f" class {name}"] + [f"  inspect {line}" for line in actions.inspects]
                if actions.conn_max:
                    pmaps.append(f"  set connection conn-max {actions.conn_max}")
        policies = [f"service-policy {policy} {'global' if where == 'global' else 'interface ' + where}"
                    for where, policy in self.service_policies.items()]
        return [("class-map", cmaps), ("policy-map", pmaps), ("service-policy", policies)]

    def ftp_ports(self) -> dict[str, set[int]]:
        """Interface name -> the TCP ports whose connections are inspected as FTP."""
        names = [i.nameif for i in self.system.feature(Interfaces).named()]
        if self.system.family == "6.x":
            ports = _port_set(" ".join(self.fixups["ftp"]))
            return {name: ports for name in names}
        out: dict[str, set[int]] = {name: set() for name in names}
        for where, policy_name in self.service_policies.items():
            policy = self.policy_maps.get(policy_name)
            if policy is None:
                continue
            ports = set()
            for class_name, actions in policy.classes.items():
                if any(line.split()[0] == "ftp" for line in actions.inspects):
                    ports |= self._class_ports(class_name, "ftp")
            for name in (names if where == "global" else [where]):
                out.setdefault(name, set()).update(ports)
        return out

    def conn_limits(self) -> dict[str, list[ConnLimit]]:
        """Interface name -> the connection limits on traffic arriving there (7.x)."""
        out: dict[str, list[ConnLimit]] = {}
        names = [i.nameif for i in self.system.feature(Interfaces).named()]
        for where, policy_name in self.service_policies.items():
            policy = self.policy_maps.get(policy_name)
            for class_name, actions in policy.classes.items() if policy is not None else ():
                if not actions.conn_max:
                    continue
                cmap = self.class_maps.get(class_name)
                any_traffic = cmap is not None and ["any"] in [m.split() for m in cmap.matches]
                ports = None if any_traffic else frozenset(self._class_ports(class_name))
                limit = ConnLimit((where, policy_name, class_name), PROTO_TCP, ports, actions.conn_max)
                for name in (names if where == "global" else [where]):
                    out.setdefault(name, []).append(limit)
        return out

    def _class_ports(self, name: str, engine: str | None = None) -> set[int]:
        """The TCP ports a class matches; `default-inspection-traffic` means ``engine``'s (every
        engine's when None)."""
        cmap = self.class_maps.get(name)
        ports: set[int] = set()
        for match in cmap.matches if cmap is not None else []:
            words = match.split()
            if words == ["default-inspection-traffic"]:
                ports.update(DEFAULT_PORTS.values() if engine is None else [DEFAULT_PORTS[engine]])
            elif words[:3] == ["port", "tcp", "eq"]:
                ports.add(_number(words[3]))
        return ports


def _number(word: str) -> int:
    return port(word) or 0


def _port_set(text: str) -> set[int]:
    ports = set()
    for part in text.split():
        low, _, high = part.partition("-")
        ports.update(range(int(low), int(high or low) + 1))
    return ports


_HELP = {"class-map": "Configure MPF Class Map", "policy-map": "Configure MPF Policy Map",
         "service-policy": "Configure MPF service policy", "name": "Name of the map",
         "match": "Configure classification criteria", "class": "Policy criteria",
         "inspect": "Protocol inspection services", "engine": "The protocol to inspect",
         "global": "Apply the policy to all interfaces", "interface": "Apply the policy to one interface",
         "if": "Name of the interface", "type": "Specifies the type of policy-map", "rest": "Options",
         "parameters": "Specify parameters for this policy", "message-length": "Configure DNS message length",
         "fixup": "Configure fixup protocol", "protocol": "The protocol", "dns": "Configure DNS parameters",
         "maximum": "Maximum length", "length": "Length in bytes", "set": "Set connection values",
         "connection": "Configure connection parameters", "conn-max": "Maximum number of simultaneous connections",
         "n": "Number of connections (0: no limit)"}


def _inspection(ctx: Ctx) -> Inspection:
    return ctx.system.feature(Inspection)


def _check_name(ctx: Ctx) -> str:
    name = ctx.args["name"]
    if len(name) > 40:
        raise ctx.invalid("name")
    return name


@command("class-map <name:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
def class_map(ctx: Ctx):
    name = _check_name(ctx)
    ctx.session.enter("config-cmap", _inspection(ctx).class_maps.setdefault(name, ClassMap(name)))


@command("no class-map <name:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
def no_class_map(ctx: Ctx):
    _inspection(ctx).class_maps.pop(ctx.args["name"], None)


@command("match <rest:LINE>", mode="config-cmap", versions="7.x", config=True, help=_HELP)
def match(ctx: Ctx):
    words = ctx.args["rest"].lower().split()
    port = words[:3] in (["port", "tcp", "eq"], ["port", "udp", "eq"]) and len(words) == 4 and \
        0 < _number(words[3]) < 65536
    if words not in (["default-inspection-traffic"], ["any"]) and not port:
        raise ctx.invalid("rest")
    matches = ctx.session.target.matches
    if " ".join(words) not in matches:
        matches.append(" ".join(words))


@command("policy-map <name:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
@command("policy-map type inspect {dns} <name:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
def policy_map(ctx: Ctx):
    name = _check_name(ctx)
    kind = "dns" if ctx.args.get("dns") else None
    ctx.session.enter("config-pmap", _inspection(ctx).policy_maps.setdefault(name, PolicyMap(name, kind)))


@command("no policy-map <name:WORD>", mode="config", versions="7.x", config=True, help=_HELP)
def no_policy_map(ctx: Ctx):
    inspection = _inspection(ctx)
    if ctx.args["name"] in inspection.service_policies.values():
        raise CommandError(f"ERROR: Policy map {ctx.args['name']} is being used")
    inspection.policy_maps.pop(ctx.args["name"], None)


@command("class <name:WORD>", mode="config-pmap", versions="7.x", config=True, help=_HELP)
def policy_class(ctx: Ctx):
    policy: PolicyMap = ctx.session.target
    name = ctx.args["name"]
    if policy.kind or name not in _inspection(ctx).class_maps:
        raise CommandError(f"ERROR: class-map {name} does not exist")
    ctx.session.enter("config-pmap-c", policy.classes.setdefault(name, PolicyClass()))


@command("parameters", mode="config-pmap", versions="7.x", config=True, help=_HELP)
def parameters(ctx: Ctx):
    policy: PolicyMap = ctx.session.target
    if not policy.kind:
        raise ctx.invalid("parameters")
    ctx.session.enter("config-pmap-p", policy.parameters)


@command("message-length maximum <length:INT:512-65535>", mode="config-pmap-p", versions="7.x", config=True,
         help=_HELP)
def message_length(ctx: Ctx):
    ctx.session.target[:] = [f"message-length maximum {ctx.args['length']}"]


def _inspect_line(ctx: Ctx) -> str:
    words = ctx.args["rest"].split()
    if words[0].lower() not in ENGINES:
        raise ctx.invalid("rest")
    return " ".join([words[0].lower()] + words[1:])


@command("inspect <rest:LINE>", mode="config-pmap-c", versions="7.x", config=True, help=_HELP)
def inspect(ctx: Ctx):
    line, inspects = _inspect_line(ctx), ctx.session.target.inspects
    if line.split()[0] == "dns" and len(line.split()) > 1 and line.split()[1] not in _inspection(ctx).policy_maps:
        raise CommandError(f"ERROR: policy-map {line.split()[1]} does not exist")
    inspects[:] = [i for i in inspects if i.split()[:1] != line.split()[:1] or i.split()[0] == "h323"] + [line]


@command("no inspect <rest:LINE>", mode="config-pmap-c", versions="7.x", config=True, help=_HELP)
def no_inspect(ctx: Ctx):
    line, inspects = _inspect_line(ctx), ctx.session.target.inspects
    inspects[:] = [i for i in inspects if i != line and i.split() != line.split()[:1]]


@command("set connection conn-max <n:INT:0-65535>", mode="config-pmap-c", versions="7.x", config=True,
         help=_HELP)
def set_connection(ctx: Ctx):
    ctx.session.target.conn_max = ctx.args["n"]


@command("no set connection conn-max [<n:INT:0-65535>]", mode="config-pmap-c", versions="7.x", config=True,
         help=_HELP)
def no_set_connection(ctx: Ctx):
    ctx.session.target.conn_max = 0


def _where(ctx: Ctx) -> str:
    if "if" in ctx.args:
        if ctx.system.feature(Interfaces).by_name(ctx.args["if"]) is None:
            raise CommandError(f"ERROR: interface name \"{ctx.args['if']}\" is not configured")
        return ctx.args["if"]
    return "global"


@command("service-policy <name:WORD> {global|interface <if:WORD>}", mode="config", versions="7.x", config=True,
         help=_HELP)
def service_policy(ctx: Ctx):
    inspection, where = _inspection(ctx), _where(ctx)
    if ctx.args["name"] not in inspection.policy_maps:
        raise CommandError(f"ERROR: policy-map {ctx.args['name']} does not exist")
    if where in inspection.service_policies and inspection.service_policies[where] != ctx.args["name"]:
        raise CommandError("ERROR: Policy map " + inspection.service_policies[where] + " is already configured as a "
                           "service policy")
    inspection.service_policies[where] = ctx.args["name"]


@command("no service-policy <name:WORD> {global|interface <if:WORD>}", mode="config", versions="7.x", config=True,
         help=_HELP)
def no_service_policy(ctx: Ctx):
    inspection, where = _inspection(ctx), _where(ctx)
    if inspection.service_policies.get(where) == ctx.args["name"]:
        del inspection.service_policies[where]


def _fixup(ctx: Ctx) -> tuple[str, str]:
    """(protocol, its ports or option) as `fixup protocol` names them; one port (range) per line."""
    words = ctx.args["rest"].lower().split()
    for name in sorted(FIXUPS_6X, key=lambda n: -len(n.split())):
        size = len(name.split())
        if words[:size] == name.split():
            rest = " ".join(words[size:])
            if name == "dns":
                valid = not rest or (words[size:size + 1] == ["maximum-length"] and len(words) == size + 2 and
                                     is_number(words[-1]))
            else:
                valid = not rest or (len(words) == size + 1 and is_number(rest.replace("-", "", 1)))
            if not valid:
                raise ctx.invalid("rest")
            return name, rest
    raise ctx.invalid("rest")


@command("fixup protocol <rest:LINE>", mode="config", versions="6.x", config=True, help=_HELP)
def fixup(ctx: Ctx):
    name, ports = _fixup(ctx)
    ports, fixups = ports or FIXUPS_6X[name], _inspection(ctx).fixups
    if name == "dns":
        fixups[name] = [ports]
    elif ports not in fixups[name]:
        fixups[name].append(ports)


@command("no fixup protocol <rest:LINE>", mode="config", versions="6.x", config=True, help=_HELP)
def no_fixup(ctx: Ctx):
    name, ports = _fixup(ctx)
    fixups = _inspection(ctx).fixups
    fixups[name] = [p for p in fixups[name] if ports and p != ports and name != "dns"]
