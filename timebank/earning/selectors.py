"""Reads of activities, sessions and hours claims, scoped to the acting person.

Activities and sessions hold no personal data: whoever holds a role in the
programme sees them (volunteers need them to log hours). A claim is seen by the
volunteer it belongs to and by the coordinators of its programme (every claim
for administrators). Every `*_get` raises the model's DoesNotExist when the row
does not exist or is not visible, so callers answer 404 in both cases.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from timebank.accounts.models import Membership, MembershipStatus, Programme, User
from timebank.accounts.permissions import VOLUNTEERING_ROLES, coordinated_programme_ids, is_admin
from timebank.accounts.selectors.programmes import programmes_for
from timebank.earning.models import Activity, ActivitySession, ClaimStatus, HoursClaim
from timebank.volunteers.models import VolunteerProfile

# How far back the "Log hours" page offers sessions to pick from.
SESSIONS_OFFERED_DAYS = 90


def activities_of(programme: Programme) -> QuerySet[Activity]:
    return Activity.objects.filter(programme=programme).order_by("name", "id")


def activity_get(user: User, pk: int) -> Activity:
    return Activity.objects.filter(programme__in=programmes_for(user)).select_related("programme").get(pk=pk)


def sessions_of(programme: Programme) -> QuerySet[ActivitySession]:
    return (
        ActivitySession.objects.filter(activity__programme=programme)
        .select_related("activity", "activity__programme")
        .order_by("-date", "-id")
    )


def session_get(user: User, pk: int) -> ActivitySession:
    return (
        ActivitySession.objects.filter(activity__programme__in=programmes_for(user))
        .select_related("activity", "activity__programme")
        .get(pk=pk)
    )


def _active_programme_ids(volunteer: VolunteerProfile):
    return Membership.objects.filter(
        user_id=volunteer.user_id, role__in=VOLUNTEERING_ROLES, status=MembershipStatus.ACTIVE
    ).values("programme_id")


def activities_open_to(volunteer: VolunteerProfile) -> QuerySet[Activity]:
    """Activities the volunteer may claim for: open ones of the programmes they are active in."""
    return (
        Activity.objects.filter(programme_id__in=_active_programme_ids(volunteer), active=True)
        .select_related("programme")
        .order_by("programme__name", "name", "id")
    )


def sessions_open_to(volunteer: VolunteerProfile, *, today: dt.date | None = None) -> QuerySet[ActivitySession]:
    """Recent sessions, up to today, of the activities the volunteer may claim for."""
    today = today or timezone.localdate()
    return (
        ActivitySession.objects.filter(
            activity__in=activities_open_to(volunteer),
            date__lte=today,
            date__gte=today - dt.timedelta(days=SESSIONS_OFFERED_DAYS),
        )
        .select_related("activity", "activity__programme")
        .order_by("-date", "-id")
    )


def claims_for(user: User) -> QuerySet[HoursClaim]:
    """The claims a person may see: their own, and those of the programmes they coordinate."""
    claims = HoursClaim.objects.select_related("programme", "activity", "session", "volunteer", "decided_by")
    if not user.is_authenticated:
        return claims.none()
    if is_admin(user):
        return claims
    return claims.filter(Q(volunteer__user=user) | Q(programme_id__in=coordinated_programme_ids(user)))


def claim_get(user: User, pk: int) -> HoursClaim:
    return claims_for(user).get(pk=pk)


def my_claims(user: User) -> QuerySet[HoursClaim]:
    """The person's own claims, in every programme, latest first."""
    return claims_for(user).filter(volunteer__user=user).order_by("-date", "-id")


def programme_claims(user: User, programme: Programme, *, status: str | None = None) -> QuerySet[HoursClaim]:
    """A programme's claims for its coordinators (none for anybody else), oldest first:
    the approval queue is worked from the top."""
    if programme.pk not in coordinated_programme_ids(user):
        return HoursClaim.objects.none()
    claims = claims_for(user).filter(programme=programme)
    if status:
        claims = claims.filter(status=status)
    return claims.order_by("date", "id")


def claims_to_decide(user: User, ids) -> tuple[list[HoursClaim], list[int]]:
    """The claims with these ids that the person coordinates, and the ids they cannot
    see (or that do not exist), for bulk approval."""
    wanted = sorted({int(pk) for pk in ids})
    coordinated = coordinated_programme_ids(user)
    found = list(claims_for(user).filter(pk__in=wanted, programme_id__in=coordinated).order_by("pk"))
    seen = {claim.pk for claim in found}
    return found, [pk for pk in wanted if pk not in seen]


def attendees_of(programme: Programme) -> QuerySet[VolunteerProfile]:
    """Who may be ticked on a programme's attendance register: its active volunteers and mentors."""
    active = Membership.objects.filter(
        programme=programme, role__in=VOLUNTEERING_ROLES, status=MembershipStatus.ACTIVE
    ).values("user_id")
    return VolunteerProfile.objects.filter(user_id__in=active).order_by("full_name", "id")


def session_claims_by_volunteer(session: ActivitySession) -> dict[int, HoursClaim]:
    """The standing (not rejected) claim of each volunteer for the session."""
    claims = HoursClaim.objects.filter(session=session).exclude(status=ClaimStatus.REJECTED)
    return {claim.volunteer_id: claim for claim in claims}


@dataclass
class ClaimTotals:
    approved_minutes: int
    pending_minutes: int
    pending_count: int


def claim_totals(claims: QuerySet[HoursClaim]) -> ClaimTotals:
    """Credits approved and waiting among the claims."""
    sums = claims.order_by().aggregate(
        approved=Sum("credited_minutes", filter=Q(status=ClaimStatus.APPROVED)),
        pending=Sum("credited_minutes", filter=Q(status=ClaimStatus.PENDING)),
    )
    pending_count = claims.filter(status=ClaimStatus.PENDING).count()
    return ClaimTotals(sums["approved"] or 0, sums["pending"] or 0, pending_count)


def pending_counts(user: User) -> list[tuple[Programme, int]]:
    """Each programme the person coordinates, with the number of claims waiting for a decision."""
    programmes = Programme.objects.filter(pk__in=coordinated_programme_ids(user)).order_by("name")
    counts = dict(
        HoursClaim.objects.filter(programme__in=programmes, status=ClaimStatus.PENDING)
        .order_by()
        .values("programme_id")
        .annotate(n=Count("id"))
        .values_list("programme_id", "n")
    )
    return [(programme, counts.get(programme.pk, 0)) for programme in programmes]
