"""The rules an hours claim must meet, whoever makes it: a volunteer or coordinator
logging it (services.claims) or a coordinator recording a register
(services.attendance).

`claim_check` holds the rules about the claim alone and needs no lock.
`claim_limits_check` holds those that depend on the volunteer's other claims (one
claim per session, per activity and day, 24 hours a day); call it after
`volunteer_lock`, in the same database transaction as the claim is written, so two
claims for one person are judged one after the other. Both raise a ValidationError
naming each bad field.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from timebank.accounts.models import Membership, MembershipStatus, Programme
from timebank.accounts.permissions import VOLUNTEERING_ROLES
from timebank.common.durations import DAY_MINUTES, duration_text, within_a_day
from timebank.earning.models import Activity, ActivitySession, ClaimStatus, HoursClaim
from timebank.volunteers.models import VolunteerProfile

NOTE_MAX = 500


def is_active_volunteer(volunteer: VolunteerProfile, programme: Programme) -> bool:
    """True when the person is a volunteer or mentor of the programme, with an active membership."""
    return Membership.objects.filter(
        user_id=volunteer.user_id,
        programme=programme,
        role__in=VOLUNTEERING_ROLES,
        status=MembershipStatus.ACTIVE,
    ).exists()


def claim_check(
    *,
    volunteer: VolunteerProfile,
    activity: Activity,
    session: ActivitySession | None,
    date,
    minutes,
    note: str,
) -> None:
    """Every rule about the claim itself that needs no lock: raises a ValidationError naming each bad field."""
    errors: dict[str, list[str]] = {}
    programme = activity.programme
    if not activity.active:
        errors["activity"] = [_("This activity is closed for claims.")]
    elif not is_active_volunteer(volunteer, programme):
        errors["activity"] = [
            _("%(name)s is not an active volunteer of %(programme)s.")
            % {"name": volunteer.display_name, "programme": programme}
        ]
    if session is not None and session.activity_id != activity.pk:
        errors["session"] = [_("This session belongs to another activity.")]
    if not isinstance(date, dt.date):
        errors["date"] = [_("Enter the date you gave the time.")]
    elif date > timezone.localdate():
        errors["date"] = [_("The date cannot be in the future.")]
    elif date.year < 2000:
        errors["date"] = [_("Enter a date after 2000.")]
    elif session is not None and session.date != date:
        errors["date"] = [_("The session took place on %(date)s.") % {"date": session.date.isoformat()}]
    if minutes is None:
        errors["minutes"] = [_("Enter the time you gave.")]
    elif not within_a_day(minutes):
        errors["minutes"] = [_("Give a time from 1 minute to 24 hours.")]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("Use %(max)s characters or fewer.") % {"max": NOTE_MAX}]
    if errors:
        raise ValidationError(errors)


def claim_limits_check(
    *,
    volunteer: VolunteerProfile,
    activity: Activity,
    session: ActivitySession | None,
    date: dt.date,
    minutes: int,
    once_a_day: bool = True,
    excluding: HoursClaim | None = None,
) -> None:
    """The rules that depend on the volunteer's other claims. Call with the volunteer's
    profile row locked, so two claims for the same person are checked one after the other.

    `once_a_day=False` lifts the one-claim-per-activity-and-day rule for claims that stand
    for records of their own (two mentoring sessions with two families on one day);
    `excluding` leaves out the claim being amended."""
    standing = HoursClaim.objects.filter(volunteer=volunteer).exclude(status=ClaimStatus.REJECTED)
    if excluding is not None:
        standing = standing.exclude(pk=excluding.pk)
    if session is not None and standing.filter(session=session).exists():
        raise ValidationError(
            {"session": [_("%(name)s already has a claim for this session.") % {"name": volunteer.display_name}]}
        )
    # The database's own constraint skips claims with a source_ref (API retries, mentoring);
    # this check does not.
    if once_a_day and session is None and standing.filter(activity=activity, date=date, session__isnull=True).exists():
        raise ValidationError(
            {
                "activity": [
                    _("%(name)s already has a claim for %(activity)s on %(date)s.")
                    % {"name": volunteer.display_name, "activity": activity.name, "date": date.isoformat()}
                ]
            }
        )
    claimed = standing.filter(date=date).aggregate(total=Sum("minutes"))["total"] or 0
    if claimed + minutes > DAY_MINUTES:
        raise ValidationError(
            {
                "minutes": [
                    _(
                        "No more than 24 hours can be claimed in one day: %(name)s has already claimed "
                        "%(claimed)s on %(date)s, so at most %(left)s more."
                    )
                    % {
                        "name": volunteer.display_name,
                        "claimed": duration_text(claimed),
                        "date": date.isoformat(),
                        "left": duration_text(DAY_MINUTES - claimed),
                    }
                ]
            }
        )
