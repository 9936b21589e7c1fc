"""The small-number rule: no figure in a statement may be about fewer than 5 people.

A figure about 1 to 4 people is replaced by FEWER_THAN_5. In a breakdown whose total is
shown, hiding one row is not enough: the total minus the rows shown gives the hidden
rows' sum. So rows are withheld (WITHHELD) one at a time, the smallest first, until the
people behind all hidden rows together number 5 or more.

Zero is shown: it is exact and says nothing about anyone.

Most figures know only how many people they are about (the database counts them, COUNT
DISTINCT, so that no person's rows are read): then rows are assumed to be about the same
people, and hidden rows together count as the largest of them, which hides more rather
than less. Where the people are known as sets (mentorship ids), a person in several
hidden rows counts once.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

SMALL_NUMBER = 5
FEWER_THAN_5 = "fewer than 5"
WITHHELD = "not shown"


People = frozenset | set | int


def size(people: People) -> int:
    return people if isinstance(people, int) else len(people)


def union_size(groups: list[People]) -> int:
    sets = [g for g in groups if not isinstance(g, int)]
    counts = [g for g in groups if isinstance(g, int)]
    return max(len(frozenset().union(*sets)), max(counts, default=0))


def is_small(people: People) -> bool:
    return 0 < size(people) < SMALL_NUMBER


def figure(value, people: frozenset | set | int):
    """`value`, unless it is about 1 to 4 people."""
    return FEWER_THAN_5 if is_small(people) else value


@dataclass
class Row:
    """One row of a breakdown: its key, its figures and the people they are about."""

    key: str
    figures: dict
    people: People = field(default_factory=frozenset)


def protect(rows: Iterable[Row], *, total_people: People) -> list[dict]:
    """The rows as dicts ({"key": ..., "people": n, **figures}), each hidden as the module
    docstring says. When the total itself is about fewer than 5 people, every row is."""
    rows = list(rows)
    if is_small(total_people):
        hidden = {row.key: FEWER_THAN_5 for row in rows if size(row.people)}
    else:
        hidden = {row.key: FEWER_THAN_5 for row in rows if is_small(row.people)}
        while hidden and 0 < union_size([row.people for row in rows if row.key in hidden]) < SMALL_NUMBER:
            candidates = sorted(
                (row for row in rows if row.key not in hidden and size(row.people)),
                key=lambda row: (size(row.people), row.key),
            )
            if not candidates:
                break
            hidden[candidates[0].key] = WITHHELD
    protected = []
    for row in rows:
        marker = hidden.get(row.key)
        values = {"people": size(row.people), **row.figures}
        if marker is not None:
            values = dict.fromkeys(values, marker)
        protected.append({"key": row.key, **values})
    return protected
