"""`mode multiple` with conversion: the single configuration is kept as old_running.cfg and
split in two, the system configuration (the new startup-config) and the admin context's
(admin.cfg, with every interface allocated to it)."""

from __future__ import annotations

from vpix.features import CONTEXT, SYSTEM
from vpix.system import config

OLD_RUNNING = "old_running.cfg"
ADMIN = "admin"
ADMIN_FILE = "admin.cfg"


def to_multiple(system) -> list[str]:
    """Write the three files; what the device reports while it does."""
    flash = system.unit.flash
    device = system.hw.flash_device
    report = ["!", "The old running configuration file will be written to flash"]
    flash.write(OLD_RUNNING, config.as_file(system.config_text()))
    admin = [f"hostname {ADMIN}" if line.startswith("hostname ") else line
             for line in system.running_config(space=CONTEXT)]
    report += ["", "The admin context configuration will be written to flash"]
    flash.write(ADMIN_FILE, config.as_file(config.framed(admin)))
    allocations = [f"  allocate-interface {hw}" for hw in system.hw.interfaces]
    context = [f"admin-context {ADMIN}", f"context {ADMIN}", *allocations,
               f"  config-url {device}/{ADMIN_FILE}", "!"]
    system.write_startup(config.framed(system.running_config(space=SYSTEM, extra=[("context", context)])))
    report += ["", "The new running configuration file was written to flash"]
    return report
