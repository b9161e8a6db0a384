"""TCP for emulated hosts, on their ``IpStack``: enough of RFC 793 for the lab's scenarios
to run without root — handshake, in-order delivery with cumulative acknowledgements, a
sliding window, retransmission with exponential backoff (go-back-N), orderly close and
reset. What it leaves out (congestion control, SACK, out-of-order buffering, urgent data)
changes how fast a transfer recovers from loss, not whether it does.

Time comes from the stack's clock, so a transfer runs in virtual time as well as real."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Callable

from vpix.clock import Alarm
from vpix.net.packets import ACK, FIN, PROTO_TCP, PSH, RST, SYN, Malformed, Tcp, ip_bytes
from vpix.net.stack import IpStack

MSS = 1460
WINDOW = 65535
RTO_INITIAL = 1.0       # RFC 6298's initial timeout; no RTT is measured, so it stays the base
RTO_MAX = 16.0
RETRIES = 6             # then the connection is given up, the way a client's timeout ends it
TIME_WAIT = 60.0        # as Linux keeps it
EPHEMERAL = range(49152, 65536)

SYN_SENT, SYN_RECEIVED, ESTABLISHED = "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED"
FIN_SENT, TIMED_WAIT, CLOSED = "FIN_SENT", "TIME_WAIT", "CLOSED"

_isns = itertools.count(0x1000, 0x0F1E_2D3C)


def _after(a: int, b: int) -> bool:
    """Sequence number ``a`` lies after ``b`` (modulo 2**32)."""
    return 0 < (a - b) & 0xFFFFFFFF < 0x80000000


def _isn() -> int:
    return next(_isns) & 0xFFFFFFFF


@dataclass
class Handlers:
    """What a connection tells its application. ``closed(error)``: ``None`` after an orderly
    close both ways, else "reset" or "timed out"."""
    opened: Callable[[], None] = lambda: None
    data: Callable[[bytes], None] = lambda data: None
    eof: Callable[[], None] = lambda: None
    closed: Callable[[str | None], None] = lambda error: None


class Connection:
    def __init__(self, tcp: "TcpLayer", local_port: int, remote: tuple[str, int], handlers: Handlers):
        self.tcp = tcp
        self.local_port = local_port
        self.remote = remote
        self.handlers = handlers
        self.state = SYN_SENT
        self.iss = _isn()
        self.snd_una = self.snd_nxt = self.iss
        self.peer_window = WINDOW
        self.rcv_nxt = 0
        self.unacked = bytearray()       # from snd_una: sent or not yet sent
        self.closing = False             # the application has no more to send
        self.fin_acked = False
        self.peer_closed = False
        self.retries = 0
        self._timer = Alarm(tcp.stack.clock, self._timeout)

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

    @property
    def outstanding(self) -> int:
        """Bytes the application gave that the peer has not acknowledged yet."""
        return len(self.unacked)

    # ------------------------------------------------------------ segments out

    def _emit(self, seq: int, flags: int, payload: bytes = b"") -> None:
        ack = self.rcv_nxt if flags & ACK else 0
        self.tcp.emit(self, Tcp(self.local_port, self.remote[1], seq, ack, flags, payload, WINDOW))

    def _open(self, flags: int) -> None:
        """Send our SYN (or SYN-ACK) and start its retransmission timer."""
        self._emit(self.iss, flags)
        self.snd_nxt = (self.iss + 1) & 0xFFFFFFFF
        self._timer.after(self._rto())

    def _in_flight(self) -> int:
        return (self.snd_nxt - self.snd_una) & 0xFFFFFFFF

    def _pump(self) -> None:
        if self.state in (SYN_SENT, SYN_RECEIVED):
            return
        while True:
            offset = self._in_flight()
            chunk = bytes(self.unacked[offset:offset + min(MSS, self.peer_window - offset)])
            if chunk:
                self._emit(self.snd_nxt, ACK | (0 if offset + len(chunk) < len(self.unacked) else PSH), chunk)
                self.snd_nxt = (self.snd_nxt + len(chunk)) & 0xFFFFFFFF
                continue
            if self.closing and offset == len(self.unacked) and self.state == ESTABLISHED:
                self._emit(self.snd_nxt, FIN | ACK)
                self.snd_nxt = (self.snd_nxt + 1) & 0xFFFFFFFF
                self.state = FIN_SENT
            break
        if self._in_flight() and not self._timer.armed:
            self._timer.after(self._rto())

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
            self._pump()
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
            return self._emit(self.iss if self.state == SYN_RECEIVED else self.snd_nxt,
                              (SYN | ACK) if self.state == SYN_RECEIVED else ACK)
        if tcp.flags & ACK:
            self._acked(tcp)
        if self.state != CLOSED:
            self._receive(tcp)

    def _synack(self, tcp: Tcp) -> None:
        if tcp.flags & (SYN | ACK) != SYN | ACK or tcp.ack != (self.iss + 1) & 0xFFFFFFFF:
            return
        self.rcv_nxt = (tcp.seq + 1) & 0xFFFFFFFF
        self.snd_una = self.snd_nxt = tcp.ack
        self.peer_window = tcp.window
        self._established()
        self._emit(self.snd_nxt, ACK)
        self._pump()

    def _established(self) -> None:
        self.state = ESTABLISHED
        self.retries = 0
        self._timer.cancel()
        self.handlers.opened()

    def _acked(self, tcp: Tcp) -> None:
        if self.state == SYN_RECEIVED:
            if tcp.ack != (self.iss + 1) & 0xFFFFFFFF:
                return
            self.snd_una = self.snd_nxt = tcp.ack
            self._established()
        self.peer_window = tcp.window
        if not _after(tcp.ack, self.snd_una) or _after(tcp.ack, self.snd_nxt):
            return self._pump()
        done = (tcp.ack - self.snd_una) & 0xFFFFFFFF
        if self.state == FIN_SENT and tcp.ack == self.snd_nxt:
            self.fin_acked = True
            done -= 1
        del self.unacked[:done]
        self.snd_una = tcp.ack
        self.retries = 0
        self._timer.cancel()
        self._pump()
        self._finished()

    def _receive(self, tcp: Tcp) -> None:
        if not tcp.payload and not tcp.flags & FIN:
            return
        if tcp.seq != self.rcv_nxt or self.peer_closed:
            return self._emit(self.snd_nxt, ACK)     # a duplicate or out of order: ack what we have
        if tcp.payload:
            self.rcv_nxt = (self.rcv_nxt + len(tcp.payload)) & 0xFFFFFFFF
        if tcp.flags & FIN:
            self.rcv_nxt = (self.rcv_nxt + 1) & 0xFFFFFFFF
            self.peer_closed = True
        self._emit(self.snd_nxt, ACK)
        if tcp.payload:
            self.handlers.data(tcp.payload)
        if tcp.flags & FIN:
            self.handlers.eof()
            self._finished()

    def _finished(self) -> None:
        if self.fin_acked and self.peer_closed and self.state != TIMED_WAIT:
            self.state = TIMED_WAIT      # keeps answering a repeated FIN for a while
            self._timer.cancel()
            self.tcp.stack.clock.call_later(TIME_WAIT, self._forget)
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


class TcpLayer:
    """The TCP of one host: its connections by (local port, remote address, remote port),
    and the ports it listens on."""

    def __init__(self, stack: IpStack):
        self.stack = stack
        self.connections: dict[tuple[int, str, int], Connection] = {}
        self.listeners: dict[int, Callable[[Connection], Handlers]] = {}
        self._ports = itertools.cycle(EPHEMERAL)
        stack.ip_bind(PROTO_TCP, self._segment)

    def listen(self, port: int, accept: Callable[[Connection], Handlers]) -> None:
        """Connections to ``port``: ``accept(connection)`` gives the handlers of each."""
        self.listeners[port] = accept

    def connect(self, address: str, port: int, handlers: Handlers, local_port: int | None = None) -> Connection:
        local_port = local_port or self.ephemeral_port()
        conn = self.connections[(local_port, address, port)] = Connection(self, local_port, (address, port),
                                                                          handlers)
        conn._open(SYN)
        return conn

    def ephemeral_port(self) -> int:
        """A port no connection or listener uses: a client's, or an FTP client's for PORT."""
        used = {key[0] for key in self.connections}
        while True:
            local = next(self._ports)
            if local not in used and local not in self.listeners:
                return local

    def emit(self, conn: Connection, tcp: Tcp) -> None:
        address = conn.remote[0]
        self.stack.send_ip(address, PROTO_TCP, tcp.encode(ip_bytes(self.stack.address), ip_bytes(address)))

    def forget(self, conn: Connection) -> None:
        key = (conn.local_port, *conn.remote)
        if self.connections.get(key) is conn:
            del self.connections[key]

    def _segment(self, payload: bytes, source: str) -> None:
        try:
            tcp = Tcp.decode(payload)
        except Malformed:
            return
        conn = self.connections.get((tcp.dport, source, tcp.sport))
        if conn is not None:
            return conn.segment(tcp)
        if tcp.flags & (SYN | ACK | RST) == SYN and tcp.dport in self.listeners:
            return self._accept(tcp, source)
        if not tcp.flags & RST:          # nobody here: refuse, as RFC 793 says
            seq, flags = (tcp.ack, RST) if tcp.flags & ACK else (0, RST | ACK)
            ack = (tcp.seq + len(tcp.payload) + (1 if tcp.flags & SYN else 0)) & 0xFFFFFFFF
            refusal = Tcp(tcp.dport, tcp.sport, seq, ack, flags, b"", 0)
            self.stack.send_ip(source, PROTO_TCP, refusal.encode(ip_bytes(self.stack.address), ip_bytes(source)))

    def _accept(self, syn: Tcp, source: str) -> None:
        conn = Connection(self, syn.dport, (source, syn.sport), Handlers())
        conn.state = SYN_RECEIVED
        conn.rcv_nxt = (syn.seq + 1) & 0xFFFFFFFF
        conn.peer_window = syn.window
        conn.handlers = self.listeners[syn.dport](conn)
        self.connections[(syn.dport, source, syn.sport)] = conn
        conn._open(SYN | ACK)
