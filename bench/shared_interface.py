"""What classifying costs: datagrams through the admin context when its outside interface is
its own, next to the same traffic when it shares that interface with a second context (so
every packet is classified by destination address), and with `mac-address auto` (classified
by destination MAC).

The unit of tests/traffic.py in multiple mode (PIX-515E, 7.2(1)), in virtual time: the server
sends datagrams to a static of the admin context, which passes them to the pc. Printed: the
wall-clock cost per datagram and datagrams per second, for each case.

Run: python bench/shared_interface.py [datagrams]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_contexts import multiple  # noqa: E402
from traffic import Net  # noqa: E402

from vpix.image import format as image_format  # noqa: E402

from options import count, machine_load

BATCH = 200
ADMIN = ("static (inside,outside) 172.16.1.150 192.168.1.50 netmask 255.255.255.255",
         "access-list in extended permit udp any host 172.16.1.150", "access-group in in interface outside")
SECOND = ("interface Ethernet0", "nameif outside", "security-level 0", "ip address 172.16.1.2 255.255.0.0")


def image(root: Path) -> dict[str, Path]:
    path = root / image_format.default_name(image_format.Version.parse("7.2(1)"), "pix")
    image_format.build(path, "7.2(1)", "pix", size_mb=0.25)
    return {"pix-7.2(1)": path}


def trial(case: str, datagrams: int) -> float:
    """Wall-clock seconds per datagram delivered."""
    root = Path(tempfile.mkdtemp())
    net = Net(root, image(root))
    multiple(net)
    net.term.cmd("changeto context admin")
    net.term.configure(*ADMIN)
    net.term.cmd("changeto system")
    if case != "own interface":
        net.term.configure("context ctx1", "allocate-interface Ethernet0", "config-url flash:/ctx1.cfg",
                           *(("exit", "mac-address auto") if case == "mac-address auto" else ()))
        net.term.cmd("changeto context ctx1")
        net.term.configure(*SECOND)
    delivered = []
    net.pc.stack.udp_bind(9, lambda data, source, port: delivered.append(data))
    net.server.stack.udp_send(40000, "172.16.1.150", 9, b"warm")
    net.run(1)
    delivered.clear()
    started = time.perf_counter()
    for sent in range(0, datagrams, BATCH):
        for _ in range(BATCH):
            net.server.stack.udp_send(40000, "172.16.1.150", 9, b"x" * 64)
        net.run(0.01)
    elapsed = time.perf_counter() - started
    assert len(delivered) == datagrams, (case, len(delivered))
    return elapsed / datagrams


def main() -> None:
    _, datagrams = count(20000, 2000)
    print(f"{datagrams} datagrams server -> admin context static -> pc, wall clock:")
    base = None
    for case in ("own interface", "shared, by address", "mac-address auto"):
        cost = trial(case, datagrams)
        base = base or cost
        print(f"  {case:<20} {cost * 1e6:7.1f} us/datagram  {1 / cost:9.0f} datagrams/s  "
              f"({cost / base:.2f}x the unit's own interface)")
    print(machine_load())


if __name__ == "__main__":
    main()
