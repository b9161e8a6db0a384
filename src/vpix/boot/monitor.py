"""Monitor mode (PIX `monitor>`) and ROM monitor (ASA `rommon #N>`), reached when the boot is
interrupted or no good image is in flash. This slice has `help` and `reload`; image recovery
over TFTP belongs to the software-installation feature."""

from __future__ import annotations

from typing import Callable

from vpix.cli.lineedit import LineEditor

_COMMANDS = {
    "help": "this help message",
    "?": "this help message",
    "reload": "halt and reload system",
}


class Monitor:
    def __init__(self, line: str, sink: Callable[[str], None], reload: Callable[[], None]):
        self.line = line            # "pix" or "asa"
        self.sink = sink
        self.reload = reload
        self.editor = LineEditor()
        self.editor.literal = True  # `?` is a command here
        self.count = 0

    def prompt(self) -> str:
        return "monitor> " if self.line == "pix" else f"rommon #{self.count}> "

    def start(self) -> None:
        if self.line == "pix":
            self.sink("Use ? for help.\n")
        self.sink(self.prompt())

    def feed(self, data: str) -> None:
        for ch in data:
            echo, event = self.editor.feed_char(ch)
            if echo:
                self.sink(echo)
            if event and event.kind == "line":
                self.sink("\n")
                if self.execute(event.text.strip()):
                    return
                self.sink(self.prompt())

    def execute(self, text: str) -> bool:
        """Run one monitor command; True when the unit leaves monitor mode."""
        if not text:
            return False
        self.count += 1
        word = text.split()[0].lower()
        chosen = [c for c in _COMMANDS if c.startswith(word)]
        if word == "?" or (chosen and chosen[0] == "help"):
            width = 32
            for name in ("?", "help", "reload"):
                self.sink(f"{name:<{width}}{_COMMANDS[name]}\n")
            return False
        if chosen == ["reload"]:
            self.sink("Rebooting....\n")
            self.reload()
            return True
        if self.line == "pix":
            self.sink(f"Unknown command: {word}\n")
        else:
            self.sink(f'command "{word}" not supported\n')
        return False
