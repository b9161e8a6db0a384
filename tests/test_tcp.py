"""The emulated hosts' own TCP and the FTP and HTTP apps on it, between two hosts on one
segment in virtual time: delivery in order through loss, close, reset, give-up."""

from __future__ import annotations

import random

from hypothesis import given, settings, strategies as st

from vpix.clock import VirtualClock
from helpers.emulated import ftp_get, ftp_put, http_get

from vpix.net.apps import FtpServer, HttpServer
from vpix.net.fabric import Segment
from vpix.net.host import Host
from vpix.net.packets import mac_bytes
from vpix.net.tcp import Handlers


class LossySegment(Segment):
    """Drops each frame with probability ``loss`` until ``until`` (virtual seconds)."""

    def __init__(self, clock, seed=0, loss=0.0, until=0.0):
        super().__init__("lossy", clock)
        self.random = random.Random(seed)
        self.loss, self.until = loss, until

    def carry(self, sender, frame):
        if self.clock.monotonic() < self.until and self.random.random() < self.loss:
            return
        super().carry(sender, frame)


def _hosts(segment=None):
    clock = segment.clock if segment else VirtualClock()
    segment = segment or Segment("lan", clock)
    a = Host("a", mac_bytes("0050.5600.0001"), "10.0.0.1", clock)
    b = Host("b", mac_bytes("0050.5600.0002"), "10.0.0.2", clock)
    a.plug(segment)
    b.plug(segment)
    return clock, a, b


def _echo_pair(a, b, payload):
    """b echoes back what a sends; a closes once it has all of it back."""
    seen = {"echo": [], "closed": []}
    b.tcp.listen(7, lambda conn: Handlers(data=conn.send, eof=conn.close,
                                          closed=lambda error: seen["closed"].append(("b", error))))
    handlers = Handlers(data=seen["echo"].append, closed=lambda error: seen["closed"].append(("a", error)))
    conn = a.tcp.connect("10.0.0.2", 7, handlers)
    handlers.data = lambda data: (seen["echo"].append(data),
                                  sum(map(len, seen["echo"])) == len(payload) and conn.close())
    conn.send(payload)
    if not payload:
        conn.close()
    return conn, seen


def test_a_connection_carries_data_both_ways_and_closes_in_order():
    clock, a, b = _hosts()
    payload = bytes(range(256)) * 1000
    conn, seen = _echo_pair(a, b, payload)
    clock.advance(1)
    assert b"".join(seen["echo"]) == payload
    assert sorted(seen["closed"]) == [("a", None), ("b", None)]
    clock.advance(60)
    assert not a.tcp.connections and not b.tcp.connections


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), size=st.integers(0, 40_000), loss=st.floats(0.0, 0.5))
def test_data_arrives_whole_and_in_order_through_a_lossy_segment(seed, size, loss):
    clock, a, b = _hosts(LossySegment(VirtualClock(), seed, loss, until=5.0))
    payload = random.Random(seed).randbytes(size)
    conn, seen = _echo_pair(a, b, payload)
    clock.advance(100)
    assert b"".join(seen["echo"]) == payload
    assert sorted(seen["closed"]) == [("a", None), ("b", None)]


def test_a_closed_port_refuses_with_a_reset():
    clock, a, b = _hosts()
    closed = []
    a.tcp.connect("10.0.0.2", 8080, Handlers(closed=closed.append))
    clock.advance(1)
    assert closed == ["reset"]


def test_a_peer_that_vanishes_is_given_up_after_the_retries():
    clock, a, b = _hosts()
    closed = []
    b.tcp.listen(7, lambda conn: Handlers())
    conn = a.tcp.connect("10.0.0.2", 7, Handlers(closed=closed.append))
    clock.advance(1)
    b.port.plug(False)
    conn.send(b"x" * 5000)
    clock.advance(30)
    assert closed == []                         # still retrying: 1 + 2 + 4 + 8 + 16 s
    clock.advance(60)
    assert closed == ["timed out"] and not a.tcp.connections


def test_ftp_get_and_put_in_both_modes():
    clock, a, b = _hosts()
    files = {"image.bin": random.Random(1).randbytes(100_000)}
    FtpServer(b.tcp, files)
    for passive in (True, False):
        got = []
        ftp_get(a.tcp, "10.0.0.2", "image.bin", got.append, passive=passive)
        clock.advance(2)
        assert got[0].error is None and got[0].data == files["image.bin"]
        ftp_put(a.tcp, "10.0.0.2", f"up-{passive}", b"hello" * 999, got.append, passive=passive)
        clock.advance(2)
        assert got[1].error is None and files[f"up-{passive}"] == b"hello" * 999
    missing = []
    ftp_get(a.tcp, "10.0.0.2", "nothing", missing.append)
    clock.advance(2)
    assert missing[0].error == "550 Failed to open file."


def test_an_http_download_at_a_set_rate_takes_its_time():
    clock, a, b = _hosts()
    body = random.Random(2).randbytes(300_000)
    HttpServer(b.tcp, {"big": body}, rate=100_000)
    got = []
    http_get(a.tcp, "10.0.0.2", "big", got.append)
    clock.advance(2.5)
    assert got == []
    clock.advance(1)
    assert got[0].data == body
    http_get(a.tcp, "10.0.0.2", "other", got.append)
    clock.advance(1)
    assert got[1].error == "404 Not Found"


def test_an_http_download_that_stalls_times_out():
    clock, a, b = _hosts()
    HttpServer(b.tcp, {"big": bytes(300_000)}, rate=100_000)
    got = []
    http_get(a.tcp, "10.0.0.2", "big", got.append, idle_timeout=5)
    clock.advance(1)
    b.port.plug(False)
    clock.advance(6)
    assert [outcome.error for outcome in got] == ["Timed out"]


@settings(max_examples=200, deadline=None)
@given(segments=st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 63),
                                   st.binary(max_size=40), st.sampled_from([7, 8, 49152])), max_size=20),
       junk=st.lists(st.binary(max_size=30), max_size=3))
def test_stray_and_garbled_segments_never_break_a_connection(segments, junk):
    """Random sequence numbers, flags and lengths, and bytes that are no TCP at all, thrown at a
    listener and an open connection: nothing raises, and a reset is the worst that happens."""
    from vpix.net.packets import PROTO_TCP, Tcp, ip_bytes

    clock, a, b = _hosts()
    closed = []
    b.tcp.listen(7, lambda conn: Handlers(data=conn.send))
    conn = a.tcp.connect("10.0.0.2", 7, Handlers(closed=closed.append), local_port=49152)
    clock.advance(1)
    for seq, ack, flags, payload, dport in segments:
        raw = Tcp(7, dport, seq, ack, flags, payload).encode(ip_bytes("10.0.0.2"), ip_bytes("10.0.0.1"))
        b.stack.send_ip("10.0.0.1", PROTO_TCP, raw)
    for raw in junk:
        b.stack.send_ip("10.0.0.1", PROTO_TCP, raw)
    clock.advance(1)
    conn.send(b"ping")
    clock.advance(200)
    assert closed in ([], ["reset"], ["timed out"])


class ChaoticSegment(Segment):
    """Until ``until``, each frame may be lost, sent twice, or held back a random while (so
    frames overtake each other)."""

    def __init__(self, clock, seed, until=5.0):
        super().__init__("chaotic", clock)
        self.random, self.until = random.Random(seed), until

    def carry(self, sender, frame):
        if self.clock.monotonic() >= self.until:
            return super().carry(sender, frame)
        roll = self.random.random()
        if roll < 0.1:
            return
        copies = 2 if roll > 0.9 else 1
        for _ in range(copies):
            delay = self.random.random() * 0.05
            self.clock.call_later(delay, lambda: Segment.carry(self, sender, frame))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32), size=st.integers(1, 60_000))
def test_data_arrives_whole_and_in_order_through_reordering_and_duplication(seed, size):
    clock, a, b = _hosts(ChaoticSegment(VirtualClock(), seed))
    payload = random.Random(seed).randbytes(size)
    conn, seen = _echo_pair(a, b, payload)
    clock.advance(200)
    assert b"".join(seen["echo"]) == payload
    assert sorted(seen["closed"]) == [("a", None), ("b", None)]
    clock.advance(120)                           # TIME_WAIT over: nothing is left behind
    assert not a.tcp.connections and not b.tcp.connections and not b.tcp.half_open[7]


def test_out_of_order_segments_wait_for_the_gap_and_are_not_sent_again():
    """The receiver keeps what came early and, once the gap is filled, acknowledges it all."""
    from vpix.net.packets import PROTO_TCP, Tcp, ip_bytes

    clock, a, b = _hosts()
    got = []
    b.tcp.listen(7, lambda conn: Handlers(data=got.append))
    conn = a.tcp.connect("10.0.0.2", 7, Handlers(), local_port=49152)
    clock.advance(1)
    served = next(iter(b.tcp.connections.values()))
    start = served.rcv_nxt
    for offset, piece in ((5, b"world"), (0, b"hello")):           # the later piece first
        raw = Tcp(49152, 7, start + offset, conn.rcv_nxt, 0x18, piece).encode(ip_bytes("10.0.0.1"),
                                                                           ip_bytes("10.0.0.2"))
        a.stack.send_ip("10.0.0.2", PROTO_TCP, raw)
        clock.advance(0.01)
    assert b"".join(got) == b"helloworld" and served.rcv_nxt == start + 10


@settings(max_examples=100, deadline=None)
@given(segments=st.lists(st.tuples(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.integers(0, 255),
                                   st.integers(0, 65535), st.binary(max_size=24), st.binary(max_size=60)),
                         max_size=30))
def test_the_core_takes_any_segment_without_raising_or_keeping_state(segments):
    """Sans-IO, no network: segments of any header, options and payload (with right checksums,
    or as garbage) at a listener. Nothing raises; what it keeps is bounded and ends by itself."""
    from vpix.net.packets import Tcp, ip_bytes
    from vpix.net.tcp import BACKLOG, TcpLayer

    clock = VirtualClock()
    sent = []
    tcp = TcpLayer(clock, lambda remote, via: "10.0.0.1", lambda local, remote, seg, via: sent.append(seg))
    tcp.listen(22, lambda conn: Handlers(data=conn.send))
    for seq, ack, flags, window, options, payload in segments:
        options = options[: len(options) // 4 * 4]
        raw = Tcp(40000 + seq % 3, 22 if flags & 1 else seq % 100, seq, ack, flags, payload, window,
                  options).encode(ip_bytes("10.0.0.9"), ip_bytes("10.0.0.1"))
        tcp.receive(raw, "10.0.0.9", "10.0.0.1")
        tcp.receive(payload, "10.0.0.9", "10.0.0.1")                 # and something that is no TCP
    assert len(tcp.half_open.get(22, [])) <= BACKLOG
    clock.advance(600)
    assert not tcp.connections and not tcp.half_open.get(22)


def test_a_syn_flood_keeps_the_backlog_bounded_and_a_real_client_still_connects():
    from vpix.net.packets import PROTO_TCP, SYN, Tcp, ip_bytes
    from vpix.net.tcp import BACKLOG

    clock, a, b = _hosts()
    b.tcp.listen(22, lambda conn: Handlers(data=conn.send))
    a.stack.ip_unbind(PROTO_TCP)                    # the flooder never answers the SYN-ACKs
    a.stack.ping("10.0.0.2", 1, 1.0, lambda ok: None)
    clock.advance(0.01)
    for n in range(10_000):
        raw = Tcp(1024 + n % 60000, 22, n * 7919, 0, SYN).encode(ip_bytes("10.0.0.1"), ip_bytes("10.0.0.2"))
        a.stack.send_ip("10.0.0.2", PROTO_TCP, raw)
        if n % 500 == 0:
            clock.advance(0.001)
    clock.advance(0.01)
    assert len(b.tcp.half_open[22]) <= BACKLOG and len(b.tcp.connections) <= BACKLOG
    assert b.tcp.counters["backlog"] == 10_000 - BACKLOG
    c = Host("c", mac_bytes("0050.5600.0003"), "10.0.0.3", clock)
    c.plug(a.port.segment)
    echoed = []
    conn = c.tcp.connect("10.0.0.2", 22, Handlers(data=echoed.append))
    conn.send(b"SSH-2.0-client\r\n")
    clock.advance(1)
    assert echoed == [b"SSH-2.0-client\r\n"]
    clock.advance(300)
    assert list(b.tcp.connections) == [("10.0.0.2", 22, "10.0.0.3", conn.local_port)]


def test_windows_scale_when_both_ends_offer_it_and_not_otherwise():
    """RFC 7323: a SYN offers a shift, a SYN-ACK agrees only to an offer; after the handshake
    the window fields are shifted, so up to a megabyte may be in flight."""
    from vpix.net.packets import PROTO_TCP, SYN, Tcp, ip_bytes, mss_option
    from vpix.net.tcp import SCALED_WINDOW, SHIFT

    clock, a, b = _hosts()
    seen: list[Tcp] = []                    # what reaches b from a
    b.stack.ip_bind(PROTO_TCP, lambda payload, source, bound=b.stack._protocols[PROTO_TCP]: (
        seen.append(Tcp.decode(payload)), bound(payload, source)))
    payload = bytes(300_000)
    conn, echoed = _echo_pair(a, b, payload)
    clock.advance(1)
    assert b"".join(echoed["echo"]) == payload
    assert seen[0].flags & SYN and seen[0].window_scale() == SHIFT and seen[0].window == 65535
    assert conn.scaled and conn.peer_window == SCALED_WINDOW
    assert {segment.window for segment in seen[1:]} == {SCALED_WINDOW >> SHIFT}

    answers: list[Tcp] = []                 # a SYN that offers no scaling gets none
    a.stack.ip_bind(PROTO_TCP, lambda payload, source: answers.append(Tcp.decode(payload)))
    b.tcp.listen(9, lambda conn: Handlers())
    syn = Tcp(40000, 9, 1, 0, SYN, b"", 65535, mss_option(1460))
    a.stack.send_ip("10.0.0.2", PROTO_TCP, syn.encode(ip_bytes("10.0.0.1"), ip_bytes("10.0.0.2")))
    clock.advance(0.1)
    assert answers[0].flags & SYN and answers[0].window_scale() is None and answers[0].window == 65535
