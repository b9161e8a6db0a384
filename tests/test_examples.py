"""The example files load as they are: each unit configuration of examples/containerlab on the
platform and version its topology gives it, without an error at boot; each topology wires
its vpix nodes' links within the interfaces the platform has."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "containerlab"
TOPOLOGIES = sorted(EXAMPLES.glob("*.clab.yml"))


def _vpix_nodes(topology: Path) -> dict[str, dict]:
    topo = yaml.safe_load(topology.read_text())["topology"]
    defaults = topo.get("defaults", {}).get("env", {})
    return {name: {**defaults, **node.get("env", {}), "binds": node.get("binds", [])}
            for name, node in topo["nodes"].items() if str(node.get("image", "")).startswith("vpix")}


@pytest.mark.parametrize("topology", TOPOLOGIES, ids=lambda path: path.name)
def test_each_vpix_node_boots_its_configuration_without_an_error(topology, boot):
    from vpix.hardware import unitdir

    for name, node in _vpix_nodes(topology).items():
        config = next(bind.split(":")[0] for bind in node["binds"] if bind.endswith(":/config/startup-config:ro"))
        assert node["VPIX_PLATFORM"] == "ASA5520" and node["VPIX_VERSION"] == "7.2(1)"
        unit, term = boot(platform="ASA5520", image_key="asa-7.2(1)", config=(EXAMPLES / config).read_text(),
                          name=name)
        term.cmd("enable")
        term.cmd("cisco" if "enable password" in (EXAMPLES / config).read_text() else "")
        assert term.cmd("show startup-config errors") == "", (name, config)
        assert len(unitdir.platform("ASA5520").interfaces) == 5


@pytest.mark.parametrize("topology", TOPOLOGIES, ids=lambda path: path.name)
def test_the_links_use_the_interfaces_a_node_has(topology):
    topo = yaml.safe_load(topology.read_text())["topology"]
    vpix = _vpix_nodes(topology)
    for link in topo["links"]:
        ends = link.get("endpoints") or [f"{link['endpoint']['node']}:{link['endpoint']['interface']}"]
        for end in ends:
            node, interface = end.split(":")
            if node in vpix:
                assert interface in {f"eth{n}" for n in range(5)}, (topology.name, end)   # eth0 + four data links
