"""The flash file system of a unit: a directory, written atomically."""

from vpix.flash.store import AtomicFile, Flash, FlashEntry, FlashFull

__all__ = ["AtomicFile", "Flash", "FlashEntry", "FlashFull"]
