"""Words typed to the unit that several commands share: the names of days and months the
clock and time commands take, syslog levels, and the error for words that do not make what
they should (the index of the word at fault, so the caret can stand under it)."""

from vpix.numbers import is_number

LEVELS = ("emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational",
          "debugging")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def severity(text: str) -> int | None:
    """A syslog level as typed: a number 0-7 or a unique prefix of its name."""
    text = text.lower()
    if is_number(text):
        return int(text) if int(text) < 8 else None
    matches = [i for i, name in enumerate(LEVELS) if name.startswith(text)]
    return matches[0] if len(matches) == 1 else None


def month_number(text: str) -> int | None:
    """A month (1-12) as typed: its name or a prefix of three letters or more."""
    matches = [i for i, m in enumerate(MONTHS, 1) if m.lower().startswith(text.lower()) and len(text) >= 3]
    return matches[0] if len(matches) == 1 else None


class BadWords(ValueError):
    def __init__(self, index: int):
        super().__init__(index)
        self.index = index
