from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from timebank.accounts.models import Role, User
from timebank.accounts.permissions import programme_ids_with_role
from timebank.spending.models import PartnerStaff


def staffed_venue_ids(user: User) -> set[int]:
    """Partner venues the person works at: a PartnerStaff link and a partner role, not left, in
    the venue's programme (taking the role away ends their access to the till)."""
    programme_ids = programme_ids_with_role(user, Role.PARTNER)
    if not programme_ids:
        return set()
    links = PartnerStaff.objects.filter(user=user, venue__programme_id__in=programme_ids)
    return set(links.values_list("venue_id", flat=True))


def is_partner_staff(user: User, venue) -> bool:
    return venue.pk in staffed_venue_ids(user)


def require_partner_staff(user: User, venue) -> None:
    if not is_partner_staff(user, venue):
        raise PermissionDenied(_("Only the staff of %(venue)s may do this.") % {"venue": venue})
