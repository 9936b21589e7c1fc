from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from timebank.accounts.models import Membership, MembershipStatus, Programme, Role, User
from timebank.accounts.permissions import VOLUNTEERING_ROLES, can_coordinate, is_admin, programme_ids_with_role

# Aggregates about fewer people than this are shown as "fewer than 5".
SMALL_NUMBER = 5


def programmes_for(user: User) -> QuerySet[Programme]:
    """Programmes the person holds any role in; administrators see all."""
    if is_admin(user):
        return Programme.objects.select_related("organisation")
    ids = programme_ids_with_role(user, *Role.values)
    return Programme.objects.filter(id__in=ids).select_related("organisation")


def programme_get(user: User, slug: str) -> Programme:
    """Raises Programme.DoesNotExist when the programme does not exist or the person has no role in it."""
    return programmes_for(user).get(slug=slug)


def coordinated_programme_get(user: User, slug: str) -> Programme:
    """The programme, for its coordinators and administrators: the one rule of every
    coordinator's page and list. Programme.DoesNotExist (404) for a person who holds no role
    in it (we do not confirm it exists); PermissionDenied (403) for one who holds another."""
    programme = programme_get(user, slug)
    if not can_coordinate(user, programme):
        raise PermissionDenied(_("Only a coordinator of %(programme)s may do this.") % {"programme": programme})
    return programme


def suppress_small(count: int) -> int | str:
    return count if count == 0 or count >= SMALL_NUMBER else "fewer than 5"


def programme_figures(programme: Programme) -> dict:
    """Aggregate figures about a programme's people, safe for funders: no names,
    and any count about 1 to 4 people shown as 'fewer than 5'."""
    volunteering = Membership.objects.filter(programme=programme, role__in=VOLUNTEERING_ROLES)
    counts = volunteering.aggregate(
        active=Count("user", filter=Q(status=MembershipStatus.ACTIVE), distinct=True),
        applicants=Count("user", filter=Q(status=MembershipStatus.APPLICANT), distinct=True),
        paused=Count("user", filter=Q(status=MembershipStatus.PAUSED), distinct=True),
        mentors=Count("user", filter=Q(role=Role.MENTOR, status=MembershipStatus.ACTIVE), distinct=True),
    )
    return {name: suppress_small(value) for name, value in counts.items()}


def programme_figures_for(user: User, programme: Programme) -> dict | None:
    """The aggregate figures for administrators, the programme's coordinators and its funders; None for others."""
    if is_admin(user) or programme.id in programme_ids_with_role(user, Role.COORDINATOR, Role.FUNDER):
        return programme_figures(programme)
    return None
