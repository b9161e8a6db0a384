"""Boothelper: the diskette a PIX with a floppy drive boots to download an image.

`pixboothelper>` has the monitor's commands; after a download it checks the image (only
5.1 and later pass: "Checksum verification on flash image failed" and a reboot
otherwise), asks to install it, asks for the activation key, then gives 30 seconds to
remove the diskette: a reset with the diskette out boots the new image, `reload` or the
end of the interval with the diskette in boots the Boothelper again.
"""

from __future__ import annotations

from vpix.boot.monitor import Monitor
from vpix.features.license import KEY_FILE, keys
from vpix.versions import Version

OLDEST_IMAGE = Version(5, 1, 0)
REMOVE_WINDOW = 30.0


class Boothelper(Monitor):
    def __init__(self, unit, sink, reload, version: Version):
        super().__init__(unit, sink, reload)
        self.version = version
        self._window = None

    def prompt(self) -> str:
        return "pixboothelper> "

    def start(self) -> None:
        self.sink(f"\nBoothelper {self.version}\n"
                  f"{self._using()}\nUse ? for help.\n" + self.prompt())

    def _rejected(self) -> None:
        self.sink("Checksum verification on flash image failed\n")
        self.busy = False
        self.reload()

    def downloaded(self, scratch, info) -> None:
        if info.version < OLDEST_IMAGE:
            scratch.unlink()
            return self._rejected()

        def install(answer: str) -> None:
            if not answer.lower().startswith("y"):
                scratch.unlink()
                return self._done()
            self.install(scratch, info)
            self.ask("Enter the activation key: ", activation_key)

        def activation_key(answer: str) -> None:
            try:
                words = keys.format_key(keys.parse_words(answer.split()))
                self.unit.flash.write_private(KEY_FILE, (words + "\n").encode())
            except keys.InvalidKey:
                self.sink("The activation key is not valid.\n")
                return self.ask("Enter the activation key: ", activation_key)
            self.sink("Please remove the Boothelper diskette now. The unit will reboot in 30 seconds.\n")
            self.busy = False
            self._window = self.unit.boot_timers.call_later(REMOVE_WINDOW, self.reload)
            self.sink(self.prompt())

        self.ask(f"Do you wish to copy the image {self.file} to flash? [yn] ", install)

    def _reload(self, args) -> bool:
        if self._window is not None:
            self._window.cancel()
        return super()._reload(args)
