"""Takeover of one failover group while the other keeps forwarding (Active/Active), next to
Active/Standby failover of the same multiple-mode pair after the same fault.

The pair of tests/active_active.py (PIX-515E, 7.2(1), unit poll 1 s / hold 3 s, interface poll
1 s / hold 5 s): the admin context in failover group 1, ctx1 in group 2. Every 10 ms pc1 sends a
datagram to server1 (group 1) and pc2 one to server2 (group 2). The cable of ctx1's inside
interface is pulled on the unit where group 2 is active. Figures, in the pair's (virtual) time:
how long until pc2's datagrams pass again, and how many of pc1's were lost meanwhile.

  Active/Active: group 2 is active on the secondary, group 1 on the primary; only group 2 moves.
  Active/Standby: no failover groups; the whole unit fails over, the admin context with it.

Also printed: the wall-clock time the simulation took. Run: python bench/group_takeover.py [trials]
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from helpers.pairs import active_active_pair, join_by_seed_procedure  # noqa: E402

from vpix.image import format as image_format  # noqa: E402

from options import count, machine_load

PROBE_S = 0.01
WINDOW_S = 5.0


def image(root: Path) -> dict[str, Path]:
    path = root / image_format.default_name(image_format.Version.parse("7.2(1)"), "pix")
    image_format.build(path, "7.2(1)", "pix", size_mb=0.25)
    return {"pix-7.2(1)": path}


def trial(groups: bool) -> tuple[float, int, bool, float]:
    """(ms until group 2's traffic passes again, pc1 datagrams lost, whether the admin context
    moved too, wall-clock seconds)."""
    root = Path(tempfile.mkdtemp())
    pair = active_active_pair(root, image(root))
    pair.boot()
    join_by_seed_procedure(pair, groups=groups)
    faulty = "secondary" if groups else "primary"          # where ctx1 is active
    arrivals: dict[str, list[float]] = {"server1": [], "server2": []}
    for server in arrivals:
        pair.hosts[server].stack.udp_bind(9, lambda data, source, port, s=server:
                                          arrivals[s].append(pair.clock.monotonic()))
    started = time.perf_counter()
    fault = pair.clock.monotonic()
    pair.units[faulty].ports[4].plug(False)
    sent = 0
    while pair.clock.monotonic() - fault < WINDOW_S:
        for pc, server in (("pc1", "server1"), ("pc2", "server2")):
            pair.hosts[pc].stack.udp_send(40000, pair.hosts[server].stack.address, 9, b"probe")
        sent += 1
        pair.run(PROBE_S)
    pair.run(1)
    wall = time.perf_counter() - started
    back = [t for t in arrivals["server2"] if t > fault + PROBE_S]
    takeover = (back[0] - fault) * 1000 if back else float("inf")
    moved = pair.runtime("primary").machine.state != "Active"     # the admin context's role there
    return takeover, sent - len(arrivals["server1"]), moved, wall


def main() -> None:
    _, trials = count(5, 1)
    print(f"Group takeover after ctx1's inside cable is pulled ({trials} trials, probes every "
          f"{PROBE_S * 1000:.0f} ms, pair time)")
    print(f"{'':24}{'ctx1 back (ms)':>15}{'admin lost':>12}{'admin moved':>13}{'wall (s)':>10}")
    for name, groups in (("vpix Active/Active", True), ("vpix Active/Standby", False)):
        results = [trial(groups) for _ in range(trials)]
        takeover = statistics.median(r[0] for r in results)
        lost = max(r[1] for r in results)
        moved = "yes" if any(r[2] for r in results) else "no"
        wall = statistics.median(r[3] for r in results)
        print(f"{name:<24}{takeover:>15.0f}{lost:>12}{moved:>13}{wall:>10.2f}")
    print(machine_load())


if __name__ == "__main__":
    main()
