"""TCP, sans-IO on an injected clock: the emulated hosts' and the unit's own.

Enough of RFC 793/9293 for real peers (the kernel's TCP of a namespace host, OpenSSH, curl):
the three-way handshake with the MSS option, a sliding window with window updates and a
zero-window probe, window scaling (RFC 7323) when both ends offer it, retransmission with exponential backoff (go-back-N), out-of-order
segments kept until the gap fills, FIN and RST both ways, TIME_WAIT, a reset for a port
nothing listens on, and a bounded backlog of half-open connections (the oldest goes when a
SYN flood fills it, so a real client still gets in). Congestion control, SACK and
urgent data are left out: they change how fast a transfer recovers, not
whether it does.

A ``TcpLayer`` is told which local address to use towards a peer and how to send a segment;
it is given the segments that arrive. A host on one ``IpStack`` gets one with ``on_stack``;
the unit's endpoint gives its own, which routes."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from typing import Callable

from vpix.clock import Alarm, Clock
from vpix.net.packets import (ACK, FIN, PROTO_TCP, PSH, RST, SYN, Malformed, Tcp, ip_bytes, mss_option,
                              window_scale_option)

MSS = 1460
DEFAULT_MSS = 536       # what a peer that announces none takes (RFC 9293)
WINDOW = 65535          # the largest window without scaling
SCALED_WINDOW = 1 << 20     # what we take in flight when the peer scales windows too
SHIFT = 5                   # our window scale: SCALED_WINDOW >> SHIFT fits the 16-bit field
RTO_INITIAL = 1.0       # RFC 6298's initial timeout; no RTT is measured, so it stays the base
RTO_MAX = 16.0
RETRIES = 6             # then the connection is given up, the way a client's timeout ends it
TIME_WAIT = 60.0        # as Linux keeps it
BACKLOG = 64            # half-open connections a listening port holds
EARLY_SEGMENTS = 64     # out-of-order segments kept while a gap waits to be filled
EPHEMERAL = range(49152, 65536)
_MOD = 0xFFFFFFFF

SYN_SENT, SYN_RECEIVED, ESTABLISHED = "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED"
FIN_SENT, TIMED_WAIT, CLOSED = "FIN_SENT", "TIME_WAIT", "CLOSED"


def _after(a: int, b: int) -> bool:
    """Sequence number ``a`` lies after ``b`` (modulo 2**32)."""
    return 0 < (a - b) & _MOD < 0x80000000


def ephemeral_ports():
    """The ephemeral ports in turn from a random one, as a host picks them: a new boot does
    not reuse the ports of the one before (a server may still know them)."""
    start = secrets.randbelow(len(EPHEMERAL))
    return itertools.cycle([*EPHEMERAL[start:], *EPHEMERAL[:start]])


class NoRoute(Exception):
    """No way towards the address a connection was asked for."""


@dataclass
class Handlers:
    """What a connection tells its application. ``closed(error)``: ``None`` after an orderly
    close both ways, else "reset" or "timed out"."""
    opened: Callable[[], None] = lambda: None
    data: Callable[[bytes], None] = lambda data: None
    eof: Callable[[], None] = lambda: None
    closed: Callable[[str | None], None] = lambda error: None
    acked: Callable[[int], None] = lambda count: None       # the peer took ``count`` more bytes
    answer: bool = True             # an accepted connection's SYN-ACK goes at once (else: ``answer()``)


class Connection:
    def __init__(self, tcp: "TcpLayer", local: tuple[str, int], remote: tuple[str, int], handlers: Handlers,
                 via=None):
        self.tcp = tcp
        self.local = local
        self.remote = remote
        self.via = via                   # the interface it came in on, or was sent out of
        self.handlers = handlers
        self.state = SYN_SENT
        self.iss = secrets.randbits(32)
        self.snd_una = self.snd_nxt = self.iss
        self.peer_window = WINDOW
        self.peer_shift: int | None = None       # the peer's window scale, once both ends offered one
        self.mss = DEFAULT_MSS
        self.rcv_nxt = 0
        self.unacked = bytearray()       # from snd_una: sent or not yet sent
        self.closing = False             # the application has no more to send
        self.fin_acked = False
        self.peer_closed = False
        self.retries = 0
        self.answered = False
        self._probing = False
        self._early: dict[int, tuple[bytes, bool]] = {}     # seq -> (payload, FIN) ahead of rcv_nxt
        self._timer = Alarm(tcp.clock, self._timeout)

    @property
    def local_port(self) -> int:
        return self.local[1]

    # ------------------------------------------------------------ the application's side

    def send(self, data: bytes) -> None:
        if self.state == CLOSED or self.closing:
            return
        self.unacked += data
        self._pump()

    def close(self) -> None:
        self.closing = True
        self._pump()

    def abort(self) -> None:
        if self.state != CLOSED:
            self._emit(self.snd_nxt, RST | ACK)
            self._end("reset")

    def answer(self) -> None:
        """An accepted connection whose listener held it: the SYN-ACK goes now."""
        if self.state == SYN_RECEIVED and not self.answered:
            self._open(SYN | ACK)

    @property
    def outstanding(self) -> int:
        """Bytes the application gave that the peer has not acknowledged yet."""
        return len(self.unacked)

    # ------------------------------------------------------------ segments out

    def _emit(self, seq: int, flags: int, payload: bytes = b"") -> None:
        ack = self.rcv_nxt if flags & ACK else 0
        if flags & SYN:          # a SYN says our MSS and offers scaling; a SYN-ACK agrees to an offer
            scale = window_scale_option(SHIFT) if not flags & ACK or self.peer_shift is not None else b""
            options, window = mss_option(MSS) + scale, WINDOW
        else:
            options, window = b"", self.window >> (SHIFT if self.scaled else 0)
        self.tcp.emit(self, Tcp(self.local[1], self.remote[1], seq, ack, flags, payload, window, options))

    @property
    def scaled(self) -> bool:
        """Both ends offered window scaling: windows after the handshake are shifted."""
        return self.peer_shift is not None

    @property
    def window(self) -> int:
        """What we take in flight from the peer."""
        return SCALED_WINDOW if self.scaled else WINDOW

    def _peer_window(self, tcp: Tcp) -> int:
        return tcp.window << self.peer_shift if self.scaled and not tcp.flags & SYN else tcp.window

    def _open(self, flags: int) -> None:
        """Send our SYN (or SYN-ACK) and start its retransmission timer."""
        self.answered = True
        self._emit(self.iss, flags)
        self.snd_nxt = (self.iss + 1) & _MOD
        self._timer.after(self._rto())

    def _in_flight(self) -> int:
        return (self.snd_nxt - self.snd_una) & _MOD

    def _pump(self) -> None:
        if self.state in (SYN_SENT, SYN_RECEIVED, CLOSED):
            return
        window = max(self.peer_window, 1) if self._probing else self.peer_window
        while True:
            offset = self._in_flight()
            chunk = bytes(self.unacked[offset:offset + min(self.mss, window - offset)])
            if chunk:
                last = offset + len(chunk) >= len(self.unacked)
                self._emit(self.snd_nxt, ACK | (PSH if last else 0), chunk)
                self.snd_nxt = (self.snd_nxt + len(chunk)) & _MOD
                continue
            if self.closing and offset == len(self.unacked) and self.state == ESTABLISHED:
                self._emit(self.snd_nxt, FIN | ACK)
                self.snd_nxt = (self.snd_nxt + 1) & _MOD
                self.state = FIN_SENT
            break
        if (self._in_flight() or (self.unacked and not self.peer_window)) and not self._timer.armed:
            self._timer.after(self._rto())      # a retransmission, or a probe of a closed window

    def _rto(self) -> float:
        return min(RTO_INITIAL * 2 ** self.retries, RTO_MAX)

    def _timeout(self) -> None:
        if self.retries == RETRIES:
            return self._end("timed out")
        self.retries += 1
        if self.state == SYN_SENT:
            self._emit(self.iss, SYN)
        elif self.state == SYN_RECEIVED:
            self._emit(self.iss, SYN | ACK)
        else:                            # go back to the oldest unacknowledged byte
            fin_out = self.state == FIN_SENT and not self.fin_acked
            self.snd_nxt = self.snd_una
            if fin_out:
                self.state = ESTABLISHED
            self._probing = True
            self._pump()
            self._probing = False
        self._timer.after(self._rto())

    # ------------------------------------------------------------ segments in

    def segment(self, tcp: Tcp) -> None:
        if self.state == TIMED_WAIT:
            if tcp.flags & FIN:          # our last ACK was lost
                self._emit(self.snd_nxt, ACK)
            return
        if tcp.flags & RST:
            if self.state == SYN_SENT and not (tcp.flags & ACK and tcp.ack == self.snd_nxt):
                return
            return self._end("reset")
        if self.state == SYN_SENT:
            return self._synack(tcp)
        if tcp.flags & SYN:              # our SYN-ACK or ACK was lost: say again where we are
            if self.state != SYN_RECEIVED:
                return self._emit(self.snd_nxt, ACK)
            if self.answered:
                self._emit(self.iss, SYN | ACK)
            return
        if tcp.flags & ACK:
            self._acked(tcp)
        if self.state not in (CLOSED, SYN_RECEIVED):
            self._receive(tcp)

    def _synack(self, tcp: Tcp) -> None:
        if tcp.flags & (SYN | ACK) != SYN | ACK or tcp.ack != (self.iss + 1) & _MOD:
            return
        self.rcv_nxt = (tcp.seq + 1) & _MOD
        self.snd_una = self.snd_nxt = tcp.ack
        self.peer_window = tcp.window
        self.peer_shift = tcp.window_scale()
        self.mss = min(MSS, tcp.mss() or DEFAULT_MSS)
        self._established()
        self._emit(self.snd_nxt, ACK)
        self._pump()

    def _established(self) -> None:
        self.state = ESTABLISHED
        self.retries = 0
        self._timer.cancel()
        self.tcp.established(self)
        self.handlers.opened()

    def _acked(self, tcp: Tcp) -> None:
        if self.state == SYN_RECEIVED:
            if tcp.ack != (self.iss + 1) & _MOD:
                return
            self.snd_una = self.snd_nxt = tcp.ack
            self._established()
        self.peer_window = self._peer_window(tcp)
        if not _after(tcp.ack, self.snd_una) or _after(tcp.ack, self.snd_nxt):
            return self._pump()
        done = (tcp.ack - self.snd_una) & _MOD
        if self.state == FIN_SENT and tcp.ack == self.snd_nxt:
            self.fin_acked = True
            done -= 1
        del self.unacked[:done]
        self.snd_una = tcp.ack
        if done:
            self.handlers.acked(done)
        self.retries = 0
        self._timer.cancel()
        self._pump()
        self._finished()

    def _receive(self, tcp: Tcp) -> None:
        fin = bool(tcp.flags & FIN)
        if not tcp.payload and not fin:
            return
        if self.peer_closed:
            return self._emit(self.snd_nxt, ACK)
        if (tcp.seq - self.rcv_nxt) & _MOD < self.window or _after(self.rcv_nxt, tcp.seq):
            if len(self._early) < EARLY_SEGMENTS:
                self._early.setdefault(tcp.seq, (tcp.payload, fin))
        chunks = self._in_order()
        self._emit(self.snd_nxt, ACK)    # what we have: a duplicate ACK when a gap remains
        for chunk in chunks:
            if self.state == CLOSED:
                return
            self.handlers.data(chunk)
        if self.peer_closed and self.state != CLOSED:
            self.handlers.eof()
            self._finished()

    def _in_order(self) -> list[bytes]:
        """Take what the kept segments add at ``rcv_nxt`` (old bytes trimmed off)."""
        chunks: list[bytes] = []
        moved = True
        while moved and not self.peer_closed:
            moved = False
            for seq in list(self._early):
                behind = (self.rcv_nxt - seq) & _MOD
                if behind >= 0x80000000:             # still ahead of the gap
                    continue
                payload, fin = self._early.pop(seq)
                if behind > len(payload):
                    continue                         # all of it seen before
                new = payload[behind:]
                if new:
                    chunks.append(new)
                    self.rcv_nxt = (self.rcv_nxt + len(new)) & _MOD
                    moved = True
                if fin:
                    self.rcv_nxt = (self.rcv_nxt + 1) & _MOD
                    self.peer_closed = True
                    self._early.clear()
                    break
        return chunks

    def _finished(self) -> None:
        if self.fin_acked and self.peer_closed and self.state != TIMED_WAIT:
            self.state = TIMED_WAIT      # keeps answering a repeated FIN for a while
            self._timer.cancel()
            self.tcp.clock.call_later(TIME_WAIT, self._forget)
            self.handlers.closed(None)

    def _end(self, error: str) -> None:
        if self.state in (CLOSED, TIMED_WAIT):
            return
        self._forget()
        self.handlers.closed(error)

    def _forget(self) -> None:
        self.state = CLOSED
        self._timer.cancel()
        self.tcp.forget(self)


Accept = Callable[[Connection], "Handlers | None"]


class TcpLayer:
    """The TCP of one host or unit: its connections by (local address, local port, remote
    address, remote port), and the ports it listens on.

    ``source(remote, via)`` names the local address to use towards ``remote`` (out of the
    interface ``via`` if given), None when there is no way there; ``output(local, remote,
    segment, via)`` sends a segment. With ``resets`` off, a segment for no connection and no
    listener (or one its listener turns away) is dropped without a word, as a firewall does
    for its own addresses."""

    def __init__(self, clock: Clock, source: Callable[[str, object], str | None],
                 output: Callable[[str, str, bytes, object], None], resets: bool = True):
        self.clock = clock
        self.resets = resets
        self.source = source
        self.output = output
        self.connections: dict[tuple[str, int, str, int], Connection] = {}
        self.listeners: dict[int, Accept] = {}
        self.any_port: Accept | None = None       # connections to every other port (a relay's)
        self.half_open: dict[int, list[Connection]] = {}
        self.counters = {"malformed": 0, "refused": 0, "backlog": 0}
        self._ports = ephemeral_ports()

    @classmethod
    def on_stack(cls, stack) -> "TcpLayer":
        """The TCP of a host that has one ``IpStack``."""
        tcp = cls(stack.clock, lambda remote, via: stack.address,
                  lambda local, remote, segment, via: stack.send_ip(remote, PROTO_TCP, segment))
        stack.ip_bind(PROTO_TCP, lambda payload, source: tcp.receive(payload, source, stack.address))
        return tcp

    def listen(self, port: int, accept: Accept) -> None:
        """Connections to ``port``: ``accept(connection)`` gives the handlers of each, or None
        to refuse it with a reset."""
        self.listeners[port] = accept

    def unlisten(self, port: int) -> None:
        self.listeners.pop(port, None)

    def connect(self, address: str, port: int, handlers: Handlers, local_port: int | None = None,
                via=None) -> Connection:
        """Open a connection; NoRoute when there is no way towards ``address``."""
        local = self.source(address, via)
        if local is None:
            raise NoRoute(address)
        local_port = local_port or self.ephemeral_port()
        conn = Connection(self, (local, local_port), (address, port), handlers, via)
        self.connections[(local, local_port, address, port)] = conn
        conn._open(SYN)
        return conn

    def ephemeral_port(self) -> int:
        """A port no connection or listener uses: a client's, or an FTP client's for PORT."""
        used = {key[1] for key in self.connections}
        while True:
            local = next(self._ports)
            if local not in used and local not in self.listeners:
                return local

    def emit(self, conn: Connection, tcp: Tcp) -> None:
        (local, _), (remote, _) = conn.local, conn.remote
        self.output(local, remote, tcp.encode(ip_bytes(local), ip_bytes(remote)), conn.via)

    def established(self, conn: Connection) -> None:
        waiting = self.half_open.get(conn.local[1])
        if waiting and conn in waiting:
            waiting.remove(conn)

    def forget(self, conn: Connection) -> None:
        key = (*conn.local, *conn.remote)
        if self.connections.get(key) is conn:
            del self.connections[key]
        self.established(conn)

    def receive(self, payload: bytes, source: str, destination: str, via=None) -> None:
        """A segment from ``source`` to our ``destination``, arrived on ``via``."""
        try:
            tcp = Tcp.decode(payload, ip_bytes(source), ip_bytes(destination))
        except Malformed:
            self.counters["malformed"] += 1
            return
        conn = self.connections.get((destination, tcp.dport, source, tcp.sport))
        if conn is not None:
            return conn.segment(tcp)
        if tcp.flags & (SYN | ACK | RST) == SYN and (tcp.dport in self.listeners or self.any_port):
            return self._accept(tcp, source, destination, via)
        if not tcp.flags & RST:          # nobody here: refuse, as RFC 793 says
            self._refuse(tcp, source, destination, via)

    def _refuse(self, tcp: Tcp, source: str, destination: str, via) -> None:
        self.counters["refused"] += 1
        if not self.resets:
            return
        seq, flags = (tcp.ack, RST) if tcp.flags & ACK else (0, RST | ACK)
        ack = (tcp.seq + len(tcp.payload) + (1 if tcp.flags & SYN else 0)) & _MOD
        refusal = Tcp(tcp.dport, tcp.sport, seq, ack, flags, b"", 0)
        self.output(destination, source, refusal.encode(ip_bytes(destination), ip_bytes(source)), via)

    def _accept(self, syn: Tcp, source: str, destination: str, via) -> None:
        waiting = self.half_open.setdefault(syn.dport, [])
        if len(waiting) >= BACKLOG:      # a flood: the oldest half-open connection makes room
            self.counters["backlog"] += 1
            waiting[0]._end("reset")     # (its application lets go of what it holds for it)
        conn = Connection(self, (destination, syn.dport), (source, syn.sport), Handlers(), via)
        conn.state = SYN_RECEIVED
        conn.rcv_nxt = (syn.seq + 1) & _MOD
        conn.peer_window = syn.window
        conn.peer_shift = syn.window_scale()
        conn.mss = min(MSS, syn.mss() or DEFAULT_MSS)
        handlers = self.listeners.get(syn.dport, self.any_port)(conn)
        if handlers is None:
            return self._refuse(syn, source, destination, via)
        conn.handlers = handlers
        self.connections[(destination, syn.dport, source, syn.sport)] = conn
        waiting.append(conn)
        if handlers.answer:
            conn._open(SYN | ACK)
