"""A CLI session: one person (or script) at one terminal of a unit.

Sans-IO. ``feed`` takes what the terminal typed and writes everything the device shows
(echo, output, prompts, pager) through ``sink``; ``execute`` runs one command line for
exec channels and configuration loading. Handlers are plain functions or generators
that ``yield Ask(...)`` to put a question to the person and receive the answer.
"""

from __future__ import annotations

import logging
import types
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generator

from vpix.cli import grammar
from vpix.cli.grammar import Match, ParseError
from vpix.cli.lineedit import BELL, Event, LineEditor
from vpix.cli.output import FilterError, Pager, split_filter
from vpix.cli.registry import COMMANDS, MODES

if TYPE_CHECKING:
    from vpix.system import System

log = logging.getLogger(__name__)
HISTORY = 10                    # lines `show history` keeps, as the device


@dataclass(frozen=True)
class Ask:
    """A question put to the person at the terminal; the answer line is sent back in."""

    prompt: str
    echo: bool = True


@dataclass(frozen=True)
class Wait:
    """A step that takes time, such as a transfer: ``start(done)`` begins it and calls
    ``done(result)`` when it ends; the handler resumes with the result."""

    start: Callable[[Callable[[Any], None]], None]
    cancel: Callable[[], None] | None = None      # ESC stops it (a hung TFTP download)


class CommandError(Exception):
    """A command refused with the device's own message (one or more lines)."""


@dataclass
class Frame:
    mode: str
    target: Any = None        # what a sub-mode configures, e.g. an interface
    line: str = ""            # the command that entered the mode


@dataclass
class Ctx:
    session: "Session"
    match: Match
    line: str
    out: list[str] = field(default_factory=list)

    @property
    def system(self) -> "System":
        return self.session.system

    @property
    def args(self) -> dict[str, Any]:
        return self.match.args

    def print(self, text: str = "") -> None:
        self.out.extend(text.split("\n"))

    def emit(self, text: str) -> None:
        """Show text at once, as progress marks are (no filter, no pager)."""
        self.session.sink(text)

    def file_changed(self, line: str) -> None:
        """A file command changed flash; ``line`` repeats it without questions."""
        self.system.root.file_changed(line, self.session)

    def invalid(self, arg: str) -> ParseError:
        """The error to raise when an argument parsed but the device rejects its value."""
        return ParseError("invalid", self.match.positions.get(arg, 0))


class Session:
    def __init__(self, system: "System", *, transport: str, sink: Callable[[str], None] | None = None,
                 priv: int = 1, username: str | None = None, interactive: bool = True):
        self.system = system
        self.home = system                  # the space it logged in to: what it may change to
        self.transport = transport          # "console", "telnet", "ssh", "config"
        self.sink = sink or (lambda text: None)
        self.priv = priv
        self.login_name = username          # None: no login name, shown as enable_<priv>
        self.frames = [Frame("exec")]
        self.editor = LineEditor() if interactive else None
        self.pager = Pager()
        self.pager_override: int | None = None
        self.width = 80
        self.closed = False
        self.on_close: Callable[[], None] | None = None
        self._task: Generator | None = None
        self._task_state: tuple = ()
        self._waiting = False
        self._wait: Wait | None = None
        self._current_line = ""
        self._on_done: Callable[[], None] | None = None
        self._running = False
        self.history: deque[str] = deque(maxlen=HISTORY)    # the lines typed, for `show history`
        self.peer = None                    # the station a Telnet or SSH session came from
        self.number = 0                     # its ID among the live sessions of its transport
        self.details: dict[str, str] = {}   # what its transport negotiated (SSH's ciphers)
        self.monitor = False                # `terminal monitor`: syslog messages shown here too

    # ------------------------------------------------------------ state the prompt shows

    @property
    def username(self) -> str:
        return self.login_name or f"enable_{self.priv}"

    @property
    def mode(self) -> str:
        return self.frames[-1].mode

    @property
    def target(self) -> Any:
        return self.frames[-1].target

    def prompt(self) -> str:
        return f"{self.system.prompt_name()}{MODES[self.mode].prompt}{'#' if self.priv > 1 else '>'} "

    def enter(self, mode: str, target: Any = None) -> None:
        self.frames.append(Frame(mode, target, self._current_line))

    def mode_path(self) -> list[str]:
        """The commands that lead from configuration mode to the current sub-mode."""
        return [frame.line for frame in self.frames[2:]]

    def to_exec(self) -> None:
        del self.frames[1:]

    def exit_mode(self) -> None:
        if len(self.frames) > 1:
            self.frames.pop()
        else:
            self.close()

    def close(self) -> None:
        """End the session; inside a command, once its output is out."""
        if not self.closed:
            self.closed = True
            if not self._running:
                self._notify_closed()

    def _notify_closed(self) -> None:
        self.system.close_session(self)
        if self.on_close:
            self.on_close()

    @property
    def page_size(self) -> int:
        if self.pager_override is not None:
            return self.pager_override
        return self.system.pager_lines

    # ------------------------------------------------------------ terminal input

    def start(self, greeting: str = "") -> None:
        """Show the first prompt (after an optional greeting)."""
        self.sink(greeting + self.prompt())

    @property
    def busy(self) -> bool:
        """A command is running or waiting for an answer."""
        return self._task is not None

    def feed(self, data: str) -> None:
        """Typed characters: echoed in one write per run, each event acted on as it comes
        (an event may start a wait or a pager, which take the characters after it)."""
        while data and not self.closed:
            if self._waiting:
                if "\x1b" in data and self._wait.cancel is not None:
                    self._wait.cancel()
                return
            if self.pager.active:
                ch, data = data[0], data[1:]
                self.sink(self.pager.key(ch, self.page_size))
                if not self.pager.active and ch not in "\n\x00":
                    self._ready()
                continue
            echo, event, used = self.editor.feed(data)
            data = data[used:]
            if echo:
                self.sink(echo)
            if event:
                self._on_event(event)

    def _on_event(self, event: Event) -> None:
        if event.kind == "line":
            self.sink("\n")
            if self._task is not None:
                self._answer(event.text)
            else:
                self._run(event.text, interactive=True)
        elif event.kind == "help":
            self.sink("?\n" + self.help_text(event.text) + self.prompt() + event.text)
        elif event.kind == "complete":
            completed = grammar.complete(self._trees()[0], event.text)
            if completed:
                self.editor.set_buffer(completed)
                self.sink(completed[len(event.text):])
            else:
                self.sink(BELL)
        elif event.kind == "ctrl-z":
            self.sink("\n")
            if self._task is None:
                self.to_exec()
                self._ready()
        elif event.kind == "ctrl-c":
            self.sink("\n")
            self._task = None
            self._ready()

    def _ready(self) -> None:
        self.editor.echo, self.editor.literal = True, False
        if not self.closed and self._task is None:
            self.sink(self.prompt())

    # ------------------------------------------------------------ running commands

    def submit(self, line: str, on_done: Callable[[], None]) -> None:
        """Run one line without a terminal: questions take their default answer, output goes
        to the sink, ``on_done`` runs when the command has finished (later if it waits)."""
        self._on_done = on_done
        self._run(line, interactive=False)
        self._settle()

    def _settle(self) -> None:
        while self._task is not None and not self._waiting and not self.closed:
            self.sink("\n")            # the default answer, as if Return was pressed
            self._answer("")
        if self._task is None or self.closed:
            done, self._on_done = self._on_done, None
            if done:
                done()

    def execute(self, line: str) -> str:
        """Run one line without a terminal and return its output (commands that wait are not
        for this: their output after the wait goes to the sink)."""
        chunks: list[str] = []
        sink, self.sink = self.sink, chunks.append
        try:
            self.submit(line, lambda: None)
        finally:
            self.sink = sink
        return "".join(chunks)

    def _run(self, line: str, interactive: bool) -> None:
        if interactive and line.strip():
            self.history.append(line.strip())
        self._running = True
        try:
            self._dispatch(line, interactive)
        finally:
            self._running = False
        if self.closed:
            self._notify_closed()

    def _dispatch(self, line: str, interactive: bool) -> None:
        stripped = line.strip()
        if not stripped or stripped[0] in "!:" or stripped.lower().startswith("cryptochecksum:"):
            if interactive:
                self._ready()
            return
        offset = len(self.prompt()) if interactive else 0
        try:
            command_part, output_filter = split_filter(line)
            match, mode = self._match(command_part)
        except FilterError as err:
            self._emit(self.system.parse_error(ParseError(err.kind, err.position), line, offset), interactive)
            return
        except ParseError as err:
            self._emit(self.system.parse_error(err, line, offset, self._command_for(line)), interactive)
            return
        while mode != "exec" and self.mode != mode:
            self.frames.pop()
        ctx = Ctx(self, match, line)
        self._current_line = line.strip()
        if interactive:
            for listener in self.system.root.command_listeners:
                listener(self)
        self._step(ctx, match.command.handler, None, output_filter, offset, interactive)

    def _match(self, line: str) -> tuple[Match, str]:
        errors = []
        for mode, tree in zip(self._mode_chain(), self._trees()):
            try:
                return grammar.match(tree, line), mode
            except ParseError as err:
                errors.append(err)
        raise max(errors, key=grammar.error_rank)

    def _mode_chain(self) -> tuple[str, ...]:
        chain, mode = [], self.mode
        while mode:
            chain.append(mode)
            mode = MODES[mode].parent
        return tuple(chain)

    def _trees(self) -> list[grammar.Node]:
        return COMMANDS.trees(self.system.version, self._mode_chain(), self.priv, self.system.space)

    def _command_for(self, line: str) -> grammar.Command | None:
        """The command the line was aiming at (for 6.x usage messages)."""
        words = line.split()
        if not words:
            return None
        for cmd in COMMANDS.commands:
            first = cmd.spec.split()[0]
            if first.startswith(words[0].lower()) and cmd.mode in self._mode_chain() \
                    and self.system.version in cmd.versions and cmd.priv <= self.priv \
                    and cmd.lives_in(self.system.space):
                return cmd
        return None

    def _step(self, ctx: Ctx, handler, answer, output_filter, offset, interactive) -> None:
        self._task = None
        try:
            if isinstance(handler, types.GeneratorType):
                ask = handler.send(answer)
            else:
                result = handler(ctx)
                if not isinstance(result, types.GeneratorType):
                    self._finish(ctx, output_filter, interactive)
                    return
                ask = next(result)
                handler = result
        except StopIteration:
            self._finish(ctx, output_filter, interactive)
            return
        except CommandError as err:
            ctx.out.extend(str(err).split("\n"))
            self._emit(ctx.out, interactive)
            return
        except ParseError as err:
            self._emit(ctx.out + self.system.parse_error(err, ctx.line, offset, ctx.match.command), interactive)
            return
        except Exception:  # a bug must never take the unit down
            log.exception("command failed: %r", ctx.line)
            self._emit(ctx.out + ["ERROR: Internal error while executing the command"], interactive)
            return
        self.sink("".join(line + "\n" for line in ctx.out))
        ctx.out.clear()
        self._task = handler
        self._task_state = (ctx, output_filter, offset, interactive)
        if isinstance(ask, Wait):
            self._waiting, self._wait = True, ask
            try:
                ask.start(self._resume)
            except Exception:
                log.exception("command failed to start: %r", ctx.line)
                self._task, self._waiting = None, False
                self._emit(["ERROR: Internal error while executing the command"], interactive)
            return
        self.sink(ask.prompt)
        if self.editor:
            self.editor.echo, self.editor.literal = ask.echo, True

    def _resume(self, result: Any) -> None:
        """A waiting step ended: carry on with the command."""
        if self._task is None or self.closed:
            return
        self._waiting = False
        interactive = self._task_state[3]
        self._answer(result)
        if not interactive:
            self._settle()

    def _answer(self, text: str) -> None:
        ctx, output_filter, offset, interactive = self._task_state
        self._running = True
        try:
            self._step(ctx, self._task, text, output_filter, offset, interactive)
        finally:
            self._running = False
        if self.closed:
            self._notify_closed()

    def _finish(self, ctx: Ctx, output_filter, interactive: bool) -> None:
        if ctx.match.command.changes_config:
            self.system.config_changed(self.username, ctx.line.strip(), self)
        lines = output_filter.apply(ctx.out) if output_filter else ctx.out
        if interactive and self.editor is not None:
            text = self.pager.start(lines, self.page_size)
            self.sink(text)
            if not self.pager.active:
                self._ready()
        else:
            self.sink("".join(line + "\n" for line in lines))

    def _emit(self, lines: list[str], interactive: bool) -> None:
        self.sink("".join(line + "\n" for line in lines))
        if interactive:
            self._ready()

    # ------------------------------------------------------------ `?`

    def help_text(self, line: str) -> str:
        trees = self._trees()
        result = grammar.help_entries(trees[0], line)
        if result is None:
            offset = len(self.prompt())
            return "".join(l + "\n" for l in self.system.parse_error(
                ParseError("invalid", len(line.rstrip())), line, offset))
        entries, partial = result
        if not entries:
            offset = len(self.prompt())
            return "".join(l + "\n" for l in self.system.parse_error(
                ParseError("invalid", len(line.rstrip()) - 1 if partial else len(line)), line, offset))
        if partial:
            return "".join(e.label + "  " for e in entries).rstrip() + "\n"
        width = max(len(e.label) for e in entries) + 2
        width = max(width, 12)
        body = "".join(f"  {e.label.ljust(width)}{e.help}".rstrip() + "\n" for e in entries)
        return "\n" + body
