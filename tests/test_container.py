"""The container image (the Dockerfile) as containerlab would use it: built here with podman,
two containers in namespaces wired as containerlab wires a pair of nodes, a failover pair
forming across them and the secondary taking over when the primary's container is killed;
`podman logs` shows the boot sequence. (What podman needs here: helpers/containers.py.)"""

from __future__ import annotations

import asyncio

import pytest

from helpers import containers, nodes
from helpers.real_hosts import NEEDS

pytestmark = [NEEDS, pytest.mark.skipif(containers.missing() is not None, reason=str(containers.missing()))]


@pytest.fixture(scope="module")
def image():
    return containers.build_image()


async def test_a_failover_pair_of_containers_forms_and_takes_over(image, tmp_path):
    names = [f"vpix-test-{n}-{tmp_path.name[-12:]}" for n in (1, 2)]
    runtime = containers.runtime(tmp_path)
    with nodes.pair_namespaces("vpixc") as namespaces:
        try:
            for n, (name, namespace, config) in enumerate(zip(names, namespaces, (nodes.PRIMARY, nodes.SECONDARY)), 1):
                (tmp_path / f"node{n}.cfg").write_text(config)
                containers.run_node(name, namespace, tmp_path / f"flash{n}", tmp_path / f"node{n}.cfg", runtime,
                                    VPIX_PLATFORM="PIX-515E", VPIX_VERSION="7.2(1)", CLAB_INTFS="4")

            async def kill() -> None:
                await asyncio.to_thread(containers.podman, "kill", names[0])

            await nodes.formed_then_taken_over(kill)
            logs = containers.podman("logs", names[1]).stdout
            assert "Cisco PIX Security Appliance Software Version 7.2(1)" in logs
            assert "Traceback" not in logs
        finally:
            for name in names:
                containers.remove(name)
