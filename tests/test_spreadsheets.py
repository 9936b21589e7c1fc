"""Every CSV the product writes escapes what a spreadsheet would run as a formula."""

import csv
import io

import pytest

from timebank.common.spreadsheets import SafeWriter, safe_cell


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-30", "-30"),
        ("+1.5", "+1.5"),
        ("Tenants' meeting", "Tenants' meeting"),
        ("", ""),
        (-30, -30),
        (None, None),
    ],
)
def test_a_cell_that_would_be_a_formula_is_written_as_text(value, written):
    assert safe_cell(value) == written


def test_the_writer_escapes_every_text_cell_of_a_row():
    buffer = io.StringIO()
    SafeWriter(buffer, lineterminator="\n").writerows([["=A1", -5, "ok"], ["@x", "-5", "+"]])

    assert list(csv.reader(io.StringIO(buffer.getvalue()))) == [["'=A1", "-5", "ok"], ["'@x", "-5", "'+"]]
