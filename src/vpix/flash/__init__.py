"""The flash file system of a unit: a directory, written atomically."""

from vpix.flash.store import Flash, FlashEntry, FlashFull

__all__ = ["Flash", "FlashEntry", "FlashFull"]
