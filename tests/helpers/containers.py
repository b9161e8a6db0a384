"""vpix's container image (the Dockerfile), built and run with Debian's podman as this
machine allows: no image registry (the base image is made with debootstrap from the Debian
mirror apt already uses), no Docker engine, vfs storage, chroot isolation for the build's
steps, and an OCI runtime (runc) whose rlimits and cgroups this sandbox will not let be set,
so a small wrapper leaves them out of each container's bundle.

The tests run without a network (conftest), so what needs one is prepared beforehand by
scripts/setup-tests.sh: `python tests/helpers/containers.py prepare` makes the base image and a
wheelhouse of vpix's dependencies; the test builds vpix's own wheel and the image offline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE = "localhost/vpix-test-base:bookworm"
IMAGE = "localhost/vpix:test"
WHEELS = ROOT / ".cache" / "container-wheels"
PODMAN = ["podman", "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs"]
TOOLS = ("podman", "runc", "debootstrap")

# runc, with the bundle's rlimits taken out (setting them needs CAP_SYS_RESOURCE here)
_RUNTIME = """#!/bin/sh
for arg in "$@"; do
  case "$previous" in --bundle|-b) bundle="$arg";; esac
  previous="$arg"
done
if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
  {python} -c 'import json, sys; p = sys.argv[1]; c = json.load(open(p)); c["process"].pop("rlimits", None); json.dump(c, open(p, "w"))' "$bundle/config.json"
fi
exec {runc} "$@"
"""


def missing() -> str | None:
    """Why the image cannot be built and run here, or None."""
    if os.geteuid() != 0:
        return "needs root"
    absent = [tool for tool in TOOLS if shutil.which(tool) is None]
    if absent:
        return f"{', '.join(absent)} not installed (scripts/setup-tests.sh)"
    if not WHEELS.is_dir() or podman("image", "exists", BASE, check=False).returncode != 0:
        return "the base image and wheelhouse are not prepared (scripts/setup-tests.sh)"
    return None


def podman(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*PODMAN, *args], capture_output=True, text=True, check=check, timeout=timeout)


def _mirror() -> str:
    """The Debian mirror apt uses on this machine."""
    for sources in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for line in sources.read_text().splitlines():
            if line.startswith("URIs:") and "security" not in line:
                return line.split()[1]
    for line in Path("/etc/apt/sources.list").read_text().splitlines():
        if line.startswith("deb ") and "security" not in line:
            return line.split()[1]
    raise RuntimeError("no Debian mirror in apt's sources")


def prepare() -> None:
    """What the image is built from, made while the network is there: the base image (once)
    and the wheelhouse of vpix's dependencies, with what builds a wheel."""
    if podman("image", "exists", BASE, check=False).returncode != 0:
        with tempfile.TemporaryDirectory() as root:
            subprocess.run(["debootstrap", "--variant=minbase", "--include=python3,python3-venv", "bookworm", root,
                            _mirror()], check=True, capture_output=True, timeout=900)
            tar = subprocess.Popen(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE)
            subprocess.run([*PODMAN, "import", "-", BASE], stdin=tar.stdout, check=True, capture_output=True,
                           timeout=600)
            tar.wait()
    for command in (["wheel", "-q", str(ROOT), "-w", str(WHEELS)],
                    ["download", "-q", "setuptools", "wheel", "-d", str(WHEELS)]):
        subprocess.run([sys.executable, "-m", "pip", *command], check=True, timeout=900)
    for stale in WHEELS.glob("vpix-*.whl"):           # the tests build vpix's own, from the tree of now
        stale.unlink()


def build_image() -> str:
    """The Dockerfile built on the base image from the wheelhouse and a wheel of this tree,
    reaching no index."""
    with tempfile.TemporaryDirectory() as context:
        for name in ("Dockerfile", "pyproject.toml", "README.md"):
            shutil.copy(ROOT / name, context)
        shutil.copytree(ROOT / "src", Path(context) / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        wheels = shutil.copytree(WHEELS, Path(context) / "wheels")
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index", "--find-links",
                        str(wheels), str(ROOT), "-w", str(wheels)], check=True, capture_output=True, timeout=600)
        podman("build", "--isolation", "chroot", "--build-arg", f"BASE={BASE}", "--build-arg",
               "PIP_OPTIONS=--no-index --find-links /src/wheels", "-t", IMAGE, context, timeout=900)
    return IMAGE


def runtime(directory: Path) -> Path:
    """The runc wrapper, written into ``directory``."""
    path = directory / "runc"
    path.write_text(_RUNTIME.format(python=sys.executable, runc=shutil.which("runc")))
    path.chmod(0o755)
    return path


def run_node(name: str, namespace: str, flash: Path, config: Path, runtime_path: Path, **env: str) -> None:
    """A node container in an existing network namespace (containerlab's), detached."""
    flash.mkdir(parents=True, exist_ok=True)
    variables = [arg for key, value in {"VPIX_STARTUP_CONFIG": "/config/startup-config", **env}.items()
                 for arg in ("-e", f"{key}={value}")]
    podman("run", "-d", "--name", name, "--network", f"ns:/run/netns/{namespace}", "--runtime", str(runtime_path),
           "--cap-add", "NET_ADMIN,NET_RAW", "-v", f"{flash}:/flash", "-v", f"{config}:/config/startup-config:ro",
           *variables, IMAGE)


def remove(name: str) -> None:
    podman("rm", "-f", "-t", "2", name, check=False)


if __name__ == "__main__":
    if sys.argv[1:] != ["prepare"]:
        sys.exit("usage: containers.py prepare")
    prepare()
