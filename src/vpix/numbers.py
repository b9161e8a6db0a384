"""Numbers as the device reads them: ASCII digits only (never `²` or other Unicode digits), and
never more of them than a 64-bit counter holds, so no typed number can be too big to convert."""

MAX_DIGITS = 20


def is_number(text: str) -> bool:
    return 0 < len(text) <= MAX_DIGITS and text.isascii() and text.isdigit()
