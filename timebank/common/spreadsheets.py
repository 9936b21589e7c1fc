"""CSV that a spreadsheet opens as data, never as formulas.

A cell starting with =, +, -, @, a tab or a carriage return is read by Excel, LibreOffice
and Google Sheets as a formula (CSV injection): a memo, a name or an offer's title that
someone typed could then run. Such a text cell is written with a leading apostrophe,
which the spreadsheet shows as text. Numbers, and text that is just a number ("-30",
"+1.5"), are written as they are. Every CSV the product writes goes through here.
"""

import csv
import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer with every text cell passed through safe_cell."""

    def __init__(self, file, **options):
        self._writer = csv.writer(file, **options)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
