"""Software image files: vpix's own documented format (see format.py)."""
