"""`vpix`: build images, create and run units, run labs, attach to a console."""

from __future__ import annotations

import asyncio
import ipaddress
import shutil
import signal
import sys
import tempfile
import time
import warnings
from pathlib import Path

import click
from cryptography.utils import CryptographyDeprecationWarning

# Newer cryptography deprecates DSA, whose types asyncssh names when imported: a warning the
# person running vpix can do nothing about, on a stderr that must say one line when it fails.
warnings.filterwarnings("ignore", category=CryptographyDeprecationWarning)

from vpix.hardware import unitdir
from vpix.hardware.catalog import catalog
from vpix.image import format as image_format
from vpix.versions import Version

class _Out:
    """rich's console, made when something is first printed (so `vpix node`, which prints with
    rich nothing, never loads it: a node's memory counts)."""

    console = None

    def __getattr__(self, name: str):
        if _Out.console is None:
            from rich.console import Console

            _Out.console = Console() if sys.stdout.isatty() else Console(width=200)  # piped: never cut addresses
        return getattr(_Out.console, name)


def _table(*columns: str):
    from rich.table import Table

    return Table(*columns)


out = _Out()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vpix")
def main() -> None:
    """vpix: a software Cisco PIX/ASA security appliance.

    Units boot images from their own flash and speak the device's CLI on a console
    port, Telnet and SSH. Start with `vpix lab up` for a ready lab.
    """


# ---------------------------------------------------------------- images


@main.group()
def image() -> None:
    """Make and inspect software image files."""


@image.command("build")
@click.option("--version", "version", required=True, help="Software version, e.g. '6.3(5)', '7.2(1)'.")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The image file to write.")
@click.option("--platform", type=click.Choice(sorted(catalog())), default=None,
              help="The platform the image is for: its hardware line, and a check that it runs it.")
@click.option("--line", type=click.Choice(["pix", "asa"]), default=None,
              help="Hardware line the image runs on (default: the platform's, else PIX for 6.x, ASA for 7.0+).")
@click.option("--size-mb", type=float, default=None,
              help="Payload size in MB (default 2 for 6.x, 5 for 7.x+), for realistic transfer times.")
@click.option("--any-version", is_flag=True, help="Allow a version outside the 6.0-8.0 releases vpix stands for.")
def image_build(version: str, output: Path, platform: str | None, line: str | None, size_mb: float | None,
                any_version: bool) -> None:
    """Build an image file of vpix's documented format (header, payload, SHA-256)."""
    try:
        parsed = Version.parse(version)
    except ValueError as err:
        raise click.BadParameter(str(err), param_hint="--version") from None
    if not any_version and not image_format.known_train(parsed):
        raise click.BadParameter(f"{version} is not a release of {', '.join(image_format.TRAINS)} "
                                 "(--any-version builds it anyway)", param_hint="--version")
    hw = catalog()[platform] if platform else None
    if hw and line and line != hw.line:
        raise click.BadParameter(f"{platform} runs {hw.line.upper()} images, not {line.upper()}", param_hint="--line")
    if hw and not hw.runs(parsed):
        raise click.BadParameter(f"{platform} runs {hw.versions}, not {version}", param_hint="--version")
    line = line or (hw.line if hw else image_format.usual_line(parsed))
    from rich.progress import Progress

    with Progress(console=out, transient=True, disable=not out.is_terminal) as progress:
        task = progress.add_task(f"building {output.name}", total=None)
        try:
            info = image_format.build(output, version, line, size_mb,
                                      on_progress=lambda done, total: progress.update(task, completed=done,
                                                                                      total=total))
        except ValueError as err:
            raise click.BadParameter(str(err)) from None
    out.print(f"[green]built[/] {output}  {line} {info.version}  {info.size} bytes")


@image.command("boothelper")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The diskette image to write (1.44 MB).")
@click.option("--version", "version", default="5.1(2)", show_default=True, help="Boothelper version.")
def image_boothelper(output: Path, version: str) -> None:
    """Make a Boothelper diskette image (insert it with `vpix unit insert`)."""
    from vpix.image import boothelper

    try:
        boothelper.build(output, version)
    except ValueError as err:
        raise click.BadParameter(str(err)) from None
    out.print(f"[green]built[/] {output}  Boothelper {version}")


@image.command("inspect")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def image_inspect(file: Path) -> None:
    """Show an image's header and verify its checksum."""
    try:
        info = image_format.inspect(file)
    except image_format.ImageError as err:
        raise click.ClickException(f"{file}: {err}") from None
    out.print(f"{file}: {info.line} {info.version} ({info.family}), built {info.built} by "
              f"{info.builder}, {info.size} bytes, checksum OK")


# ---------------------------------------------------------------- units


@main.command("platforms")
def platforms() -> None:
    """List the hardware platforms units can be."""
    table = _table("model", "line", "RAM", "flash", "interfaces", "failover", "versions")
    for p in catalog().values():
        table.add_row(p.model, p.line, f"{p.ram_mb} MB", f"{p.flash_mb} MB", str(len(p.interfaces)),
                      "yes" if p.failover else "no", p.versions)
    out.print(table)


@main.group()
def unit() -> None:
    """Create and run single units."""


@unit.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--platform", required=True, type=click.Choice(sorted(catalog())), help="Hardware model.")
@click.option("--serial", help="Serial number (a unique one is made when omitted).")
@click.option("--image", "image_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Image to put in flash (default: the platform's usual release is built).")
@click.option("--activation-key", help="Activation key stored with the unit.")
@click.option("--config", "config_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A startup-config to put in flash.")
@click.option("--break-window", type=float, default=0.0, show_default=True,
              help="Seconds the boot waits for ESC/BREAK (monitor mode).")
@click.option("--no-rsa-key", is_flag=True, help="Make no RSA key pair (SSH waits for `crypto key generate rsa`).")
@click.option("--modern-ssh", is_flag=True, help="SSH also offers today's algorithms (not the device's way).")
def unit_create(directory: Path, platform: str, serial: str | None, image_file: Path | None,
                activation_key: str | None, config_file: Path | None, break_window: float, no_rsa_key: bool,
                modern_ssh: bool) -> None:
    """Write a unit directory: unit.toml, flash/ with the image and an RSA key pair."""
    with tempfile.TemporaryDirectory() as scratch:
        if image_file is None:
            version, line = unitdir.default_image_for(platform)
            image_file = Path(scratch) / image_format.default_name(Version.parse(version), line)
            image_format.build(image_file, version, line)
        _check_runs(platform, image_file)
        try:
            ident = unitdir.create(directory, platform, serial, image_file, activation_key, break_window,
                                   startup_config=config_file.read_text() if config_file else None,
                                   rsa_key=not no_rsa_key, modern_ssh=modern_ssh)
        except (FileExistsError, ValueError) as err:
            raise click.ClickException(str(err)) from None
    out.print(f"[green]created[/] {directory}: {platform}, serial {ident.serial}")


def _check_runs(platform: str, image_file: Path) -> None:
    """An image the platform cannot boot is refused, with the command that makes one it can."""
    hw = catalog()[platform]
    try:
        info = image_format.read_header(image_file)
    except image_format.ImageError as err:
        raise click.ClickException(f"{image_file} is not a vpix image ({err})") from None
    if not hw.boots(info.line, info.version):
        what = f"a {info.line.upper()} image of {info.version}"
        raise click.ClickException(
            f"{image_file} is {what}; {platform} runs {hw.line.upper()} images of {hw.versions} "
            f"(make one: vpix image build --platform {platform} --version VERSION --output FILE)")


@unit.command("run")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--console-port", type=int, default=0, help="Console (Telnet protocol) port; 0: any.")
@click.option("--telnet-port", type=int, default=0, help="Telnet management port; 0: any.")
@click.option("--ssh-port", type=int, default=0, help="SSH management port; 0: any.")
@click.option("--gateway", "gateways", multiple=True, metavar="INTERFACE:ADDRESS[/BITS]",
              callback=lambda ctx, param, value: [_gateway_option(v) for v in value],
              help="Put a gateway to this machine's loopback at ADDRESS on the unit's INTERFACE (e.g. "
                   "Ethernet1:10.0.0.254): the unit reaches a server on 127.0.0.1:PORT at ADDRESS:PORT.")
def unit_run(directory: Path, host: str, console_port: int, telnet_port: int, ssh_port: int,
             gateways: list) -> None:
    """Boot a unit and serve it until SIGINT or SIGTERM."""
    from vpix.mgmt.host import Ports, UnitHost

    async def run() -> None:
        served = UnitHost(directory, host, Ports(console_port, telnet_port, ssh_port))
        _plug_gateways(served.create(), gateways)
        await served.start()
        _print_ports({directory.name: served}, host, lambda name: f"vpix console {directory}")
        try:
            await _until_signalled({directory.name: served})
        finally:
            await served.stop()

    _serve(run)


@main.command("node")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("/flash"),
              envvar="VPIX_WORKDIR", show_default=True, help="The unit's directory (a volume: flash survives).")
@click.option("--hostname", envvar="HOSTNAME", default="asa", help="Hostname of a node configured by vpix.")
@click.option("--platform", envvar="VPIX_PLATFORM", default="ASA5520", show_default=True)
@click.option("--version", "version", envvar="VPIX_VERSION", default=None, help="Image version (the platform's usual).")
@click.option("--serial", envvar="VPIX_SERIAL", default=None)
@click.option("--activation-key", envvar="VPIX_ACTIVATION_KEY", default=None)
@click.option("--config", "config", envvar="VPIX_STARTUP_CONFIG", default=None,
              type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Startup configuration (first start).")
@click.option("--links", envvar="CLAB_INTFS", type=int, default=0, show_default=True,
              help="Data links (eth1…) to wait for, as containerlab's CLAB_INTFS says.")
@click.option("--cable", type=click.Choice(["primary", "secondary"]), envvar="VPIX_CABLE", default=None,
              help="This node's end of a PIX serial failover cable to another node.")
@click.option("--cable-link", envvar="VPIX_CABLE_LINK", default=None, metavar="ethN",
              help="The link (one of the links) the serial cable runs over.")
def node(workdir: Path, hostname: str, platform: str, version: str | None, serial: str | None,
         activation_key: str | None, config: Path | None, links: int, cable: str | None,
         cable_link: str | None) -> None:
    """Run one unit as a containerlab node: eth0 management (SSH on port 22), eth1… data
    interfaces, console on 127.0.0.1:5000. Needs CAP_NET_ADMIN and CAP_NET_RAW."""
    from vpix.node import NodeSpec, start

    if bool(cable) != bool(cable_link):
        raise click.UsageError("--cable and --cable-link go together")
    spec = NodeSpec(workdir, hostname, platform, version, serial, activation_key, config, links, cable, cable_link)

    async def run() -> None:
        try:
            served = await start(spec)
        except TimeoutError as err:
            raise click.ClickException(str(err)) from None
        try:
            await _until_signalled({workdir.name or "node": served})
        finally:
            await served.stop()

    _serve(run)


def _gateway_option(text: str) -> tuple[str, ipaddress.IPv4Interface]:
    interface, _, address = text.partition(":")
    try:
        return interface, ipaddress.IPv4Interface(address if "/" in address else f"{address}/24")
    except ValueError:
        raise click.BadParameter(f"{text} is not INTERFACE:ADDRESS[/BITS]") from None


def _plug_gateways(unit, gateways: list) -> None:
    """Each gateway on a segment of its own with the unit's interface."""
    from vpix.net.fabric import Segment
    from vpix.net.gateway import Gateway
    from vpix.net.packets import mac_bytes

    names = unit.identity.hw.interfaces
    for n, (interface, address) in enumerate(gateways):
        if interface not in names:
            raise click.ClickException(f"{unit.name} has no interface {interface} (it has {', '.join(names)})")
        segment = Segment(f"gateway-{interface}", unit.clock)
        segment.attach(unit.ports[names.index(interface)])
        gateway = Gateway(f"gateway-{interface}", mac_bytes(f"0050.56fe.{n:04x}"), str(address.ip), unit.clock,
                          str(address.netmask))
        gateway.plug(segment)


def _serve(run) -> None:
    """Run a unit or a lab until signalled; what stops it from starting is one line and exit 1."""
    from vpix.hardware.unitdir import UnitBusy
    from vpix.mgmt.host import CannotListen

    try:
        asyncio.run(run())
    except (UnitBusy, CannotListen) as err:
        raise click.ClickException(str(err)) from None


@unit.command("insert")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("diskette", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def unit_insert(directory: Path, diskette: Path) -> None:
    """Put a diskette in the unit's floppy drive (read at the next boot)."""
    from vpix.unit import FLOPPY

    shutil.copyfile(diskette, directory / FLOPPY)
    out.print(f"inserted {diskette} into {directory}")


@unit.command("eject")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def unit_eject(directory: Path) -> None:
    """Take the diskette out of the unit's floppy drive."""
    from vpix.unit import FLOPPY

    (directory / FLOPPY).unlink(missing_ok=True)
    out.print(f"ejected the diskette of {directory}")


@main.command("console")
@click.argument("unit_name")
@click.option("--lab", "lab_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="UNIT is a unit of this lab (default: of the built-in default lab, unless UNIT is a directory).")
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              help="The lab's directory, when the lab file does not say.")
def console(unit_name: str, lab_file: Path | None, workdir: Path | None) -> None:
    """This terminal on UNIT's console: a unit directory, or a unit of a lab. Attaches to
    the unit when a lab or `vpix unit run` serves it, else boots it here. Ctrl-] quits;
    Esc while the boot offers it enters monitor mode."""
    from vpix.mgmt.stdio import run_console

    directory = Path(unit_name)
    if lab_file is not None or workdir is not None or not directory.is_dir():
        spec = _load_lab(lab_file, workdir)
        if unit_name not in spec.units:
            raise click.ClickException(f"{unit_name} is neither a unit directory nor a unit of lab {spec.name} "
                                       f"({', '.join(spec.units)})")
        directory = spec.directory() / unit_name
        if not directory.is_dir():
            raise click.ClickException(f"lab {spec.name} has not made {unit_name} yet (vpix lab up)")
    _serve(lambda: run_console(directory))


# ---------------------------------------------------------------- licenses


@main.group("license")
def license_group() -> None:
    """The activation-key registration service."""


@license_group.command("paks")
def license_paks() -> None:
    """List the product authorization key (PAK) codes and what each grants."""
    from vpix.features.license import grants

    table = _table("PAK code", "grants")
    for code, what in grants.paks().items():
        table.add_row(code, what)
    out.print(table)


@license_group.command("issue")
@click.option("--serial", required=True, help="The unit's serial number (`show version`).")
@click.option("--pak", required=True, help="Product authorization key code (`vpix license paks`).")
@click.option("--key", "current", help="The unit's current activation key, for add-on PAKs.")
def license_issue(serial: str, pak: str, current: str | None) -> None:
    """Register a PAK for a serial number and print the activation key."""
    from vpix.features.license import grants, keys

    try:
        base = keys.decode(serial, current) if current else None
        granted = grants.grant(pak, base)
    except (keys.InvalidKey, grants.PakError) as err:
        raise click.ClickException(str(err)) from None
    click.echo(keys.encode(serial, granted))


@license_group.command("decode")
@click.option("--serial", required=True, help="The unit's serial number.")
@click.argument("key", nargs=-1, required=True)
def license_decode(serial: str, key: tuple[str, ...]) -> None:
    """Show what KEY (four hex words) grants on the unit with this serial, or why it is invalid."""
    from vpix.features.license import keys

    try:
        granted = keys.decode(serial, " ".join(key))
    except keys.InvalidKey as err:
        raise click.ClickException(f"The activation key is not valid: {err}") from None
    table = _table("feature", "granted")
    for field, value in vars(granted).items():
        shown = ("Enabled" if value else "Disabled") if isinstance(value, bool) else str(value)
        table.add_row(field.replace("_", " "), shown)
    out.print(table)


# ---------------------------------------------------------------- labs


@main.group()
def lab() -> None:
    """Run labs: several units in one process (see examples/lab.yaml)."""


@lab.command("up")
@click.argument("lab_file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the unit directories live (overrides the lab file).")
@click.option("--any-port", is_flag=True,
              help="Listen on ports the system picks (printed) instead of the lab file's.")
def lab_up(lab_file: Path | None, workdir: Path | None, any_port: bool) -> None:
    """Create (first time) and boot every unit of LAB_FILE, or of the built-in default lab,
    print where their ports listen, and serve until SIGINT or SIGTERM."""
    from vpix.lab import runner

    spec = _load_lab(lab_file, workdir)
    if any_port:
        for unit_spec in spec.units.values():
            unit_spec.console_port = unit_spec.telnet_port = unit_spec.ssh_port = 0

    async def run() -> None:
        with _Creating(len(spec.units)) as creating:
            running = await runner.start(spec, on_created=creating.advance)
        lab_option = f" --lab {lab_file}" if lab_file else ""
        _print_ports(running.units, spec.host, lambda name: f"vpix console {name}{lab_option}")
        for name, host in spec.hosts.items():
            served = f", serving TFTP from {spec.directory() / host.tftp_root}" if host.tftp_root else ""
            out.print(f"host {name}: {host.address}{served}", highlight=False)
        if lab_file is None:
            out.print("Credentials (default lab): SSH admin/admin, Telnet password cisco, "
                      "enable password cisco")
        try:
            await _until_signalled(running.units)
        finally:
            await runner.stop(running)

    _serve(run)


def _load_lab(lab_file: Path | None, workdir: Path | None = None):
    """The lab a file describes (the default lab without one), kept in ``workdir`` if given; a
    file that can't be read or is not a lab is one line and exit 1."""
    from vpix.lab import model

    try:
        spec = model.load(lab_file)
    except model.LabFileError as err:
        raise click.ClickException(str(err)) from None
    if workdir is not None:
        spec.workdir = str(workdir)
    return spec


def _lab_options(command):
    command = click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
                           help="The lab's directory, when the lab file does not say.")(command)
    return click.option("--lab", "lab_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                        help="The lab file (default: the built-in default lab).")(command)


def _ask_lab(lab_file: Path | None, workdir: Path | None, op: str, target: str = ""):
    from vpix.lab import control

    spec = _load_lab(lab_file, workdir)
    try:
        return control.request(spec.directory(), op, target)
    except control.LabError as err:
        raise click.ClickException(str(err)) from None


@lab.command("exec", context_settings={"ignore_unknown_options": True})
@click.argument("host")
@click.argument("argv", nargs=-1, required=True, type=click.UNPROCESSED)
@_lab_options
def lab_exec(host: str, argv: tuple[str, ...], lab_file: Path | None, workdir: Path | None) -> None:
    """Run ARGV (after --) in namespace host HOST of a running lab."""
    from vpix.lab import namespaces

    spec = _load_lab(lab_file, workdir)
    if host not in spec.hosts or not spec.hosts[host].in_namespace():
        raise click.ClickException(f"{host} is not a namespace host of lab {spec.name}")
    try:
        namespaces.run_in(namespaces.namespace_name(spec.name, host), list(argv))
    except LookupError:
        raise click.ClickException(f"lab {spec.name} is not running (no namespace for {host})") from None
    except OSError as err:
        raise click.ClickException(f"{argv[0]}: {err.strerror}") from None


@lab.command("power-off")
@click.argument("unit")
@_lab_options
def lab_power_off(unit: str, lab_file: Path | None, workdir: Path | None) -> None:
    """Pull UNIT's power cord."""
    out.print(_ask_lab(lab_file, workdir, "power-off", unit), highlight=False)


@lab.command("power-on")
@click.argument("unit")
@_lab_options
def lab_power_on(unit: str, lab_file: Path | None, workdir: Path | None) -> None:
    """Power UNIT on (it boots)."""
    out.print(_ask_lab(lab_file, workdir, "power-on", unit), highlight=False)


@lab.command("unplug")
@click.argument("port", metavar="UNIT:INTERFACE")
@_lab_options
def lab_unplug(port: str, lab_file: Path | None, workdir: Path | None) -> None:
    """Pull the cable out of an interface (its link goes down)."""
    out.print(_ask_lab(lab_file, workdir, "unplug", port), highlight=False)


@lab.command("plug")
@click.argument("port", metavar="UNIT:INTERFACE")
@_lab_options
def lab_plug(port: str, lab_file: Path | None, workdir: Path | None) -> None:
    """Put the cable back into an interface."""
    out.print(_ask_lab(lab_file, workdir, "plug", port), highlight=False)


@lab.command("cable")
@click.argument("action", type=click.Choice(["unplug", "plug"]))
@click.argument("unit")
@_lab_options
def lab_cable(action: str, unit: str, lab_file: Path | None, workdir: Path | None) -> None:
    """Pull (or put back) UNIT's end of the serial failover cable."""
    out.print(_ask_lab(lab_file, workdir, f"cable-{action}", unit), highlight=False)


@lab.command("status")
@_lab_options
def lab_status(lab_file: Path | None, workdir: Path | None) -> None:
    """A table of every unit: power, failover role and state, the mate as seen, links."""
    table = _table("unit", "platform", "state", "role", "failover", "mate", "links")
    for row in _ask_lab(lab_file, workdir, "status"):
        table.add_row(row["unit"], row["platform"], row["state"], row["role"], row["failover"], row["mate"],
                      row["links"])
    out.print(table)


def _print_ports(hosts: dict, host: str, console_command) -> None:
    """The table of units and their ports, then the lines to copy to reach each."""
    table = _table("unit", "platform", "image", "console", "telnet", "ssh")
    for name, served in hosts.items():
        system = served.unit.system
        image = f"{system.image_name} ({system.version})" if system else served.unit.state
        table.add_row(name, served.unit.identity.platform, image, f"127.0.0.1:{served.ports.console}",
                      f"{host}:{served.ports.telnet}", f"{host}:{served.ports.ssh}")
    out.print(table)
    from vpix.mgmt.ssh import client_command

    for name, served in hosts.items():
        ssh = client_command(served.unit, served.ports.ssh, host)
        out.print(f"{name}:  {console_command(name)}    {ssh + '    ' if ssh else ''}"
                  f"telnet {host} {served.ports.telnet}", highlight=False)


class _Creating:
    """A progress bar while a lab makes its units (an RSA host key each takes a moment)."""

    def __init__(self, total: int):
        from rich.progress import Progress

        self.progress = Progress(console=out, transient=True) if total > 1 and out.is_terminal else None
        self.total = total

    def __enter__(self) -> "_Creating":
        if self.progress is not None:
            self.progress.start()
            self.task = self.progress.add_task("creating units", total=self.total)
        return self

    def advance(self, name: str) -> None:
        if self.progress is not None:
            self.progress.advance(self.task)

    def __exit__(self, *exc) -> None:
        if self.progress is not None:
            self.progress.stop()


async def _until_signalled(units: dict) -> None:
    """Serve until SIGINT or SIGTERM, saying on a line of its own each time a unit's failover
    role or state changes."""
    from vpix.lab.control import unit_status

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    out.print("Serving; Ctrl-C stops.", highlight=False)
    seen: dict[str, tuple] = {}
    while True:                                  # a last look once signalled: no change goes unsaid
        for name, served in units.items():
            row = unit_status(name, served.unit)
            now = (row["state"], row["role"], row["failover"])
            if name in seen and now != seen[name]:
                out.print(f"{time.strftime('%H:%M:%S')} {name}: {_said(seen[name])} -> {_said(now)}",
                          highlight=False)
            seen[name] = now
        if stop.is_set():
            return
        try:
            await asyncio.wait_for(stop.wait(), 0.5)
        except asyncio.TimeoutError:
            pass


def _said(state: tuple) -> str:
    power, role, failover = state
    return f"{role} {failover}".strip() if power == "running" and role else power
