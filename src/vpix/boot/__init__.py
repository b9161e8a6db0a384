"""Power-on to prompt: BIOS banner, the break-in window, image load and verify, monitor mode."""
