"""The terminal line discipline of a CLI session: echo, editing keys, `?`, Tab, Ctrl-Z.

Sans-IO: ``feed`` takes typed characters and returns what to echo plus the events
(completed lines, help and completion requests) for the session to act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LINE = 512
BELL = "\x07"
_PLAIN = re.compile(r"[^\x00-\x1f\x7f?]+")            # characters that only go into the line
_PLAIN_LITERAL = re.compile(r"[^\x00-\x1f\x7f]+")     # the same when `?` is plain too


@dataclass(frozen=True)
class Event:
    kind: str      # "line", "help", "complete", "ctrl-z", "ctrl-c"
    text: str


class LineEditor:
    def __init__(self) -> None:
        self.buffer = ""
        self.echo = True          # off while a password is typed (the device shows `*`)
        self.literal = False      # `?` and Tab are plain characters (answers to questions)
        self._escape = ""         # an ANSI escape sequence being skipped
        self._after_cr = False

    def hand_over(self, other: "LineEditor") -> None:
        """``other`` takes the line from here: a LF after the CR this editor took is no new line."""
        other._after_cr = self._after_cr

    def set_buffer(self, text: str) -> None:
        self.buffer = text[:MAX_LINE]

    def feed(self, data: str) -> tuple[str, Event | None, int]:
        """Typed characters up to the first event they complete: the echo of them all (one
        piece of text, one bell for what a full line refuses), the event or None, and how many
        characters that took. Runs of plain characters cost one step, whatever their length."""
        echo: list[str] = []
        plain = _PLAIN_LITERAL if self.literal else _PLAIN
        i = 0
        while i < len(data):
            run = plain.match(data, i) if not self._escape else None
            if run is not None:
                text = self._take_plain(run.group())
                i = run.end()
            else:
                text, event = self.feed_char(data[i])
                i += 1
                if event is not None:
                    echo.append(text)
                    return "".join(echo), event, i
            if text and not (text == BELL and echo and echo[-1] == BELL):
                echo.append(text)
        return "".join(echo), None, i

    def _take_plain(self, run: str) -> str:
        self._after_cr = False
        taken = run[: max(MAX_LINE - len(self.buffer), 0)]
        self.buffer += taken
        shown = taken if self.echo else "*" * len(taken)
        return shown + BELL if len(taken) < len(run) else shown

    def feed_char(self, ch: str) -> tuple[str, Event | None]:
        """One typed character: what to echo, and the event it completes, if any."""
        if self._escape:
            self._escape += ch
            if (len(self._escape) == 2 and ch not in "[O") or \
                    (len(self._escape) > 2 and (ch.isalpha() or ch == "~" or len(self._escape) > 8)):
                self._escape = ""
            return "", None
        after_cr, self._after_cr = self._after_cr, False
        if ch in "\n\x00" and after_cr:
            return "", None
        if ch in "\r\n":
            self._after_cr = ch == "\r"
            return "", self._take("line")
        if ch == "\x1b":
            self._escape = ch
        elif ch == "?" and not self.literal:
            return "", Event("help", self.buffer)
        elif ch == "\t" and not self.literal:
            return "", Event("complete", self.buffer)
        elif ch == "\x1a":
            return "", self._take("ctrl-z")
        elif ch == "\x03":
            return "", self._take("ctrl-c")
        elif ch in "\x7f\x08":
            return self._erase_to(self.buffer[:-1])
        elif ch == "\x15":  # Ctrl-U
            return self._erase_to("")
        elif ch == "\x17":  # Ctrl-W
            kept = self.buffer.rstrip()
            return self._erase_to(kept[: kept.rfind(" ") + 1])
        elif ch < " ":
            pass
        elif len(self.buffer) >= MAX_LINE:
            return BELL, None
        else:
            self.buffer += ch
            return (ch if self.echo else "*"), None
        return "", None

    def _take(self, kind: str) -> Event:
        event = Event(kind, self.buffer)
        self.buffer = ""
        return event

    def _erase_to(self, kept: str) -> tuple[str, None]:
        erased = len(self.buffer) - len(kept)
        self.buffer = kept
        return "\b \b" * erased, None
