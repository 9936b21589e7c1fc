"""Who may do what, in one place.

Selectors use these to scope what a person sees; services use them to refuse
what a person may not do. A person who may not see a record gets a 404 (we do
not confirm it exists); a person who may see it but not change it gets a 403.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from timebank.accounts.models import Membership, MembershipStatus, Programme, Role, User

VOLUNTEERING_ROLES = (Role.VOLUNTEER, Role.MENTOR)


def is_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def programme_ids_with_role(user: User, *roles: str) -> set[int]:
    if not user.is_authenticated:
        return set()
    memberships = Membership.objects.filter(user=user, role__in=roles).exclude(status=MembershipStatus.LEFT)
    return set(memberships.values_list("programme_id", flat=True))


def coordinated_programme_ids(user: User) -> set[int]:
    if is_admin(user):
        return set(Programme.objects.values_list("id", flat=True))
    return programme_ids_with_role(user, Role.COORDINATOR)


def can_coordinate(user: User, programme: Programme) -> bool:
    return is_admin(user) or programme.id in programme_ids_with_role(user, Role.COORDINATOR)


def require_coordinator(user: User, programme: Programme) -> None:
    if not can_coordinate(user, programme):
        raise PermissionDenied(_("Only a coordinator of %(programme)s may do this.") % {"programme": programme})
