"""Ansible's cisco.asa collection against a served ASA 8.0, over SSH (network_cli): facts,
commands, every state of asa_ogs and asa_acls each run twice (the second run must change
nothing), asa_config with a backup and save_when. The playbook is tests/data/ansible.

Ansible's paramiko offers no way to switch the device's old algorithms back on (Netmiko users
patch paramiko; Ansible runs it in processes of its own), so this unit is made with modern SSH,
the convenience `vpix` offers for it (off by default)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.served import serve

pytestmark = pytest.mark.clients

PLAYBOOK = Path(__file__).parent / "data" / "ansible" / "playbook.yml"
INVENTORY = """\
all:
  hosts:
    asa1:
      ansible_host: 127.0.0.1
      ansible_port: {port}
      ansible_user: admin
      ansible_password: admin
      ansible_become: true
      ansible_become_method: ansible.netcommon.enable
      ansible_become_password: cisco
      ansible_connection: ansible.netcommon.network_cli
      ansible_network_os: cisco.asa.asa
      ansible_network_cli_ssh_type: paramiko
"""


def test_cisco_asa_collection_changes_once_and_then_nothing(tmp_path, images):
    served = serve(tmp_path / "asa1", images["asa-8.0(4)"], "ASA5520", "asa1", modern_ssh=True)
    try:
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(INVENTORY.format(port=served.ports.ssh))
        env = {**os.environ, "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_HOME": str(tmp_path / "ansible"),
               "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp"), "ANSIBLE_NOCOLOR": "1"}
        run = subprocess.run([str(Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory),
                              "-e", f"backup_dir={tmp_path / 'backup'}", str(PLAYBOOK)],
                             env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        assert "failed=0" in run.stdout
        backup = (tmp_path / "backup" / "asa1.cfg").read_text()
        assert backup.startswith(": Saved") and "object-group network WEB" in backup
        startup = served.run(lambda: served.unit.system.read_startup())
        assert "network-object host 10.1.1.99" in startup                  # saved because modified
    finally:
        served.stop()
