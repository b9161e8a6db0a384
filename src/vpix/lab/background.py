"""Serving units from a background thread with its own event loop, for synchronous callers:
test suites driving Netmiko or scrapli, benchmarks, scripts.

    served = BackgroundUnit(Path("fw1"))
    ConnectHandler(device_type="cisco_asa", host="127.0.0.1", port=served.ports.ssh, ...)
    served.stop()
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Callable, TypeVar

from vpix.mgmt.host import Ports, UnitHost

T = TypeVar("T")


class BackgroundUnit:
    def __init__(self, directory: Path, host: str = "127.0.0.1", ports: Ports | None = None):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.host: UnitHost = self.call(UnitHost(directory, host, ports or Ports()).start())

    def call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(60)

    def run(self, fn: Callable[[], T]) -> T:
        """Run a plain function on the unit's loop (a unit is not thread-safe)."""
        async def wrapper():
            return fn()
        return self.call(wrapper())

    @property
    def unit(self):
        return self.host.unit

    @property
    def ports(self) -> Ports:
        return self.host.ports

    def stop(self) -> None:
        self.call(self.host.stop())
        self.call(_drain())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


async def _drain() -> None:
    """Let the connections the stop hung up finish, so no task dies with the loop."""
    current = asyncio.current_task()
    pending = [t for t in asyncio.all_tasks() if t is not current]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
