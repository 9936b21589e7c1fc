"""Lengths of time given, in whole minutes: the one-day bound that every session and
claim respects, and how a length reads on a page."""

from django.utils.translation import gettext as _

DAY_MINUTES = 24 * 60


def within_a_day(value, *, allow_zero: bool = False) -> bool:
    """True for a whole number of minutes from 1 (or 0, with `allow_zero`) to 24 hours;
    False for anything else, a bool or a float included."""
    low = 0 if allow_zero else 1
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= DAY_MINUTES


def duration_text(minutes: int) -> str:
    """'2 h 30 min', '45 min', '3 h'."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}
    if hours:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(minutes)s min") % {"minutes": rest}
