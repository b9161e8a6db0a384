"""Configuration replication between the units of a pair (sans-IO).

Where a space is active, what is done to its configuration reaches the mate: each command
(with the commands of the mode it was entered in), `write memory`, file commands, and, when
the mate asks or `write standby` says so, the whole configuration in a bulk sync. A standby
keeps track of what it holds of the active unit's configuration, as (the active unit's epoch,
the number of its last change); when a change went missing it asks for the whole
configuration again, at most once per hold time. A role change copies nothing (001): an edit
made on the standby stays there until the next bulk sync or `write standby`.

`failover exec` is correlated here too: each command sent to the mate has an id, its output
comes back in chunks, and a mate that does not answer within EXEC_TIMEOUT gets none.

Each event is a method call (with ``now`` where time matters) that returns the actions for
the runtime to carry out, in order.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from vpix.failover.messages import Config, Exec, ExecReply, File, Save, SyncEnd, SyncStart, WantConfig

NOT_REPLICATED = ("failover lan unit",)        # the unit's own identity stays its own
CHUNK_LINES = 200                              # configuration lines per message (applied in one go)
EXEC_TIMEOUT = 10.0                            # how long `failover exec` waits for the mate's answer
EXEC_CHUNK = 32_000                            # output characters per message (a body is < 64 KiB)

SENDING = "Beginning configuration replication: Sending to mate."
SENT = "End Configuration Replication to mate."
RECEIVING = ("Detected an Active mate", "Beginning configuration replication from mate.")
RECEIVED = "End configuration replication from mate."
SYNC_STARTED, SYNC_COMPLETED = "Sync Started", "Sync Completed"      # PIX 6.x, on both units


# ---------------------------------------------------------------- actions

@dataclass(frozen=True)
class Send:
    message: object


@dataclass(frozen=True)
class Apply:
    """Run the lines in the space (the system: no context); ``replace``: start it over first."""

    context: str
    lines: tuple[str, ...]
    replace: bool = False


@dataclass(frozen=True)
class Restart:
    """A bulk sync begins: the configuration starts over (failover's own stays)."""


@dataclass(frozen=True)
class Adopt:
    """A bulk sync is complete: the configuration is the active unit's; the machine is told."""


@dataclass(frozen=True)
class Store:
    """Save the space's running configuration as its startup configuration."""

    context: str


@dataclass(frozen=True)
class Tell:
    """Write to the console (``prompt``: then draw the prompt again)."""

    text: str
    prompt: bool = False


@dataclass(frozen=True)
class RunFile:
    line: str


@dataclass(frozen=True)
class ExecDone:
    """The mate's output of `failover exec` command ``id``, or None: it did not answer."""

    id: int
    output: str | None


def _lines(lines) -> tuple[str, ...]:
    return tuple(line for line in lines if not line.startswith(NOT_REPLICATED))


class Replication:
    def __init__(self, epoch: int, six: bool = False):
        self.epoch = epoch                     # this unit's sequence space: what a mate holds names it
        self.six = six                         # PIX 6.x words on the console
        self.version = 0                       # replicated changes made here while active
        self.synced: tuple[int, int] | None = None     # (active mate's epoch, its version) held here
        self.complete = True                   # not left half-way by a bulk sync cut short
        self.receiving = False                 # in the middle of a bulk sync from the mate
        self._sync_version = 0
        self._asked = -1e9
        self._mate_cfg: tuple[int, int] | None = None      # the mate's latest (epoch, version)
        self._mate_synced: tuple[int, int] | None = None   # what the mate reported it holds
        self._files: deque[str] = deque()
        self._exec_ids = 0
        self._exec_waiting: dict[int, tuple[float, list[str]]] = {}    # id -> (deadline, chunks so far)

    # ------------------------------------------------------------ from the active side

    def command(self, path: list[str], line: str, context: str) -> list:
        """A command entered where its space is active; a sub-mode command travels with the
        commands that entered its mode."""
        if line.startswith(NOT_REPLICATED):
            return []
        self.version += 1
        return [Send(Config(tuple(path) + (line,), context, version=self.version))]

    def space(self, context: str, lines: list[str], replace: bool = False) -> list:
        """A space's configuration, in chunks (``replace``: in place of what the mate has)."""
        return [Send(Config(tuple(lines[start:start + CHUNK_LINES]), context, replace and start == 0))
                for start in range(0, len(lines), CHUNK_LINES)]

    def bulk(self, spaces: list[tuple[str, list[str]]]) -> list:
        """The whole configuration: the system's, then each context's."""
        actions: list = [Tell((SYNC_STARTED if self.six else SENDING) + "\n"), Send(SyncStart(self.version))]
        for context, lines in spaces:
            actions += self.space(context, lines)
        return actions + [Send(SyncEnd()), Tell((SYNC_COMPLETED if self.six else SENT) + "\n")]

    def saved(self, context: str) -> list:
        return [Send(Save(context))]

    def file_command(self, line: str) -> list:
        return [Send(File(line))]

    # ------------------------------------------------------------ on the standby side

    def sync_started(self, message: SyncStart) -> list:
        self._sync_version = message.version
        self.complete = False
        self.receiving = True
        text = f"{SYNC_STARTED}\n" if self.six else ".\n\n" + "".join(line + "\n" for line in RECEIVING)
        return [Tell(text), Restart()]

    def config(self, message: Config, epoch: int) -> list:
        """Lines from the active mate for a space that stands by here (or any, in a bulk sync)."""
        actions = [Apply(message.context, _lines(message.lines), message.replace)]
        if message.version and self.synced == (epoch, message.version - 1):
            self.synced = (epoch, message.version)
        return actions

    def sync_ended(self, epoch: int) -> list:
        self.receiving = False
        self.complete = True
        self.synced = (epoch, self._sync_version)
        return [Adopt(), Tell(f"{SYNC_COMPLETED}\n" if self.six else f"{RECEIVED}\n\n", prompt=not self.six)]

    def store(self, message: Save) -> list:
        return [Store(message.context)]

    def file_received(self, message: File) -> list:
        """The mate ran a file command: run it here after those before it."""
        self._files.append(message.line)
        return [RunFile(message.line)] if len(self._files) == 1 else []

    def file_ran(self) -> list:
        self._files.popleft()
        return [RunFile(self._files[0])] if self._files else []

    # ------------------------------------------------------------ keeping in step

    def hello_fields(self) -> dict:
        """What the unit's hellos say of the configuration it holds."""
        return {"cfg": self.version, "partial": not self.complete, "synced": self.synced}

    def mate_holds(self, epoch: int, cfg: int, synced: tuple[int, int] | None) -> None:
        """What the mate's hello says of its configuration."""
        self._mate_cfg = (epoch, cfg)
        self._mate_synced = synced

    def catch_up(self, now: float, hold: float, standing_by: bool, waiting: bool) -> list:
        """The mate is active with a whole configuration: a standby that does not hold its
        latest change (or still ``waiting`` for a sync) asks for all of it again."""
        behind = self._mate_cfg != self.synced or waiting
        if standing_by and behind and not self.receiving and now - self._asked >= hold:
            return self.ask(now)
        return []

    def ask(self, now: float) -> list:
        self._asked = now
        return [Send(WantConfig())]

    def switched(self, active: bool) -> None:
        """The unit's role changed. Taking over ends a bulk sync cut short, and what changes
        here from now on is this unit's; standing by after a planned switch, this unit holds
        what the mate holds when the mate held all of ours."""
        if active:
            self.receiving = False
            self.synced = None
        elif self._mate_synced == (self.epoch, self.version):
            self.synced = self._mate_cfg

    # ------------------------------------------------------------ failover exec

    def exec_sent(self, line: str, now: float) -> tuple[int, list]:
        """A command for the mate: its id, and what to send."""
        self._exec_ids += 1
        self._exec_waiting[self._exec_ids] = (now + EXEC_TIMEOUT, [])
        return self._exec_ids, [Send(Exec(self._exec_ids, line))]

    def exec_answer(self, ident: int, output: str) -> list:
        """The output of a command the mate sent, in chunks."""
        chunks = [output[i:i + EXEC_CHUNK] for i in range(0, len(output), EXEC_CHUNK)] or [""]
        return [Send(ExecReply(ident, chunk, number < len(chunks))) for number, chunk in enumerate(chunks, 1)]

    def exec_reply(self, message: ExecReply) -> list:
        waiting = self._exec_waiting.get(message.id)
        if waiting is None:
            return []
        waiting[1].append(message.output)
        if message.more:
            return []
        del self._exec_waiting[message.id]
        return [ExecDone(message.id, "".join(waiting[1]))]

    @property
    def deadline(self) -> float | None:
        return min((deadline for deadline, _ in self._exec_waiting.values()), default=None)

    def tick(self, now: float) -> list:
        expired = [ident for ident, (deadline, _) in self._exec_waiting.items() if deadline <= now]
        for ident in expired:
            del self._exec_waiting[ident]
        return [ExecDone(ident, None) for ident in expired]

    def close(self) -> list:
        """The runtime stops: file commands not yet run are dropped, and no command waits on."""
        self._files.clear()
        waiting, self._exec_waiting = self._exec_waiting, {}
        return [ExecDone(ident, None) for ident in waiting]
