"""The booted operating system of a unit: features, configuration, sessions."""

from vpix.system.system import System

__all__ = ["System"]
