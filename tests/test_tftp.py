"""The TFTP client core against our own server, well-behaved and misbehaving, on 127.0.0.1."""

from __future__ import annotations

import hashlib
import os

import pytest

from vpix.transfer import tftp
from vpix.transfer.tftp_io import download
from vpix.transfer.tftp_server import Faults, TftpServer


@pytest.fixture
def served_dir(tmp_path):
    (tmp_path / "image.bin").write_bytes(os.urandom(300_000))
    (tmp_path / "exact.bin").write_bytes(os.urandom(512 * 20))   # ends with an empty block
    return tmp_path


async def _get(root, name="image.bin", faults=None, retransmit_s=1.0, **options):
    server = TftpServer(root, faults, retransmit_s=retransmit_s)
    port = await server.start()
    chunks = []
    original = tftp.TFTP_PORT
    tftp.TFTP_PORT = port
    try:
        outcome, client = await download("127.0.0.1", name, chunks.append, timeout_s=0.3, retries=3,
                                         **options)
    finally:
        tftp.TFTP_PORT = original
        server.close()
    return outcome, client, b"".join(chunks), server


@pytest.mark.parametrize("options", [{}, {"blksize": 1428}, {"blksize": 8192, "windowsize": 8},
                                     {"windowsize": 4}])
async def test_download_with_and_without_options(served_dir, options):
    for name in ("image.bin", "exact.bin"):
        outcome, client, data, server = await _get(served_dir, name, **options)
        assert outcome.code is None
        assert data == (served_dir / name).read_bytes()
        assert client.tsize == len(data)
        assert server.requests[0].get("blksize", "512") == str(options.get("blksize", 512))


async def test_missing_file_is_minus_10(served_dir):
    outcome, client, data, _ = await _get(served_dir, "nope.bin")
    assert outcome.code == tftp.FILE_NOT_FOUND and data == b""


@pytest.mark.parametrize("faults, code", [
    (Faults(drop_blocks={5}), "T"),
    (Faults(duplicate_blocks={5}), "<11>"),
    (Faults(stray_port_at=5), "<7>"),
    (Faults(runt_at=5), "<2>"),
])
async def test_non_fatal_faults_are_traced_and_survived(served_dir, faults, code):
    outcome, client, data, _ = await _get(served_dir, faults=faults)
    assert outcome.code is None
    assert data == (served_dir / "image.bin").read_bytes()
    assert code in "".join(client.trace)


async def test_lost_block_in_a_window_is_resent(served_dir):
    outcome, client, data, _ = await _get(served_dir, faults=Faults(drop_blocks={10}), blksize=1024,
                                          windowsize=8)
    assert outcome.code is None and hashlib.md5(data).digest() == \
        hashlib.md5((served_dir / "image.bin").read_bytes()).digest()
    assert "<11>" in "".join(client.trace)


@pytest.mark.parametrize("faults, code", [(Faults(bad_opcode_at=3), tftp.UNEXPECTED_OPCODE),
                                          (Faults(error_at=3), tftp.TRANSFER_ERROR),
                                          (Faults(silent=True), tftp.TIMEOUT)])
async def test_fatal_faults_stop_the_download(served_dir, faults, code):
    outcome, client, data, _ = await _get(served_dir, faults=faults)
    assert outcome.code == code


def test_wrong_server_address_is_code_3():
    client = tftp.TftpClient("127.0.0.1", "f")
    client.start(0.0)
    assert client.datagram(b"\0\3\0\1hello", ("127.0.0.2", 69), 0.1) == []
    assert client.trace == ["<3>"] and client.outcome is None
