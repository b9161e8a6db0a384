"""Words typed to the unit: the names of days and months the clock and time commands take, and
the error for words that do not make what they should (the index of the word at fault, so the
caret can stand under it)."""

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


class BadWords(ValueError):
    def __init__(self, index: int):
        super().__init__(index)
        self.index = index
