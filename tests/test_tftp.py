"""The TFTP client core against our own server, well-behaved and misbehaving, on 127.0.0.1."""

from __future__ import annotations

import hashlib
import os
import struct

import pytest
from helpers.loopnet import download, upload

from vpix.transfer import remote, tftp
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


# ---------------------------------------------------------------- writing (WRQ)


def _acks(client, packets, now=0.0):
    """Answer each DATA block with its ACK, as a server does; the blocks the client sent."""
    blocks = []
    while packets and client.outcome is None:
        data = packets[0].data
        assert struct.unpack("!H", data[:2])[0] == tftp.DATA
        blocks.append(data[4:])
        packets = client.datagram(struct.pack("!HH", tftp.ACK, struct.unpack("!H", data[2:4])[0]),
                                  ("127.0.0.1", 4000), now)
    return blocks


@pytest.mark.parametrize("size", [0, 100, 512, 1024, 1500])
def test_upload_ends_with_a_short_block(size):
    data = os.urandom(size)
    client = tftp.TftpUpload("127.0.0.1", "f", data=data)
    request = client.start(0.0)[0].data
    assert request.startswith(b"\0\2f\0octet\0") and f"tsize\0{size}\0".encode() in request
    blocks = _acks(client, client.datagram(struct.pack("!HH", tftp.ACK, 0), ("127.0.0.1", 4000), 0.0))
    assert client.outcome.code is None and b"".join(blocks) == data
    assert len(blocks[-1]) < 512 and all(len(b) == 512 for b in blocks[:-1])
    assert client.sent == size


def test_upload_takes_the_granted_block_size_and_ignores_a_repeated_ack():
    data = os.urandom(3000)
    client = tftp.TftpUpload("127.0.0.1", "f", blksize=1024, data=data)
    client.start(0.0)
    first = client.datagram(b"\0\6blksize\x001024\0tsize\x003000\0", ("127.0.0.1", 4000), 0.0)
    assert len(first[0].data) == 4 + 1024
    assert client.datagram(struct.pack("!HH", tftp.ACK, 0), ("127.0.0.1", 4000), 0.1) == []   # late ACK 0
    assert client.trace == ["<11>"]
    assert b"".join([first[0].data[4:]] + _acks(client, client.datagram(
        struct.pack("!HH", tftp.ACK, 1), ("127.0.0.1", 4000), 0.2))) == data


def test_upload_without_options_falls_back_to_512():
    client = tftp.TftpUpload("127.0.0.1", "f", blksize=1428, data=os.urandom(1000))
    client.start(0.0)
    first = client.datagram(struct.pack("!HH", tftp.ACK, 0), ("127.0.0.1", 4000), 0.0)
    assert len(first[0].data) == 4 + 512


def test_upload_resends_a_block_whose_ack_is_lost_then_gives_up():
    client = tftp.TftpUpload("127.0.0.1", "f", data=b"x" * 600, timeout_s=1.0, retries=2)
    client.start(0.0)
    block1 = client.datagram(struct.pack("!HH", tftp.ACK, 0), ("127.0.0.1", 4000), 0.0)
    assert client.timeout(1.0) == block1 and client.timeout(2.0) == block1
    assert client.timeout(3.0) == [] and client.outcome.code == tftp.TIMEOUT


async def test_upload_to_a_read_only_server_is_refused(tmp_path):
    server = TftpServer(tmp_path)
    port = await server.start()
    try:
        outcome = await upload("127.0.0.1", "x.cfg", b"hostname x\n", port=port, timeout_s=0.3)
    finally:
        server.close()
    assert outcome.server_code == 2 and remote.reason(outcome) == "Permission denied"
    assert not (tmp_path / "x.cfg").exists()
