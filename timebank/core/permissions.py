"""Who may do what, in one place.

Selectors use these to scope what a person sees; services use them to refuse
what a person may not do. A person who may not see a record gets a 404 (we do
not confirm it exists); a person who may see it but not change it gets a 403.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from timebank.core.models import Membership, MembershipStatus, PartnerStaff, Programme, Role, User, VolunteerProfile

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


def volunteer_programme_ids(volunteer: VolunteerProfile) -> set[int]:
    return set(
        Membership.objects.filter(user_id=volunteer.user_id, role__in=VOLUNTEERING_ROLES).values_list(
            "programme_id", flat=True
        )
    )


def can_coordinate(user: User, programme: Programme) -> bool:
    return is_admin(user) or programme.id in programme_ids_with_role(user, Role.COORDINATOR)


def can_manage_volunteer(user: User, volunteer: VolunteerProfile) -> bool:
    """Coordinators of any programme the volunteer gives time to, and administrators."""
    if is_admin(user):
        return True
    return bool(coordinated_programme_ids(user) & volunteer_programme_ids(volunteer))


def can_set_email(user: User, volunteer: VolunteerProfile) -> bool:
    """Whether the person may set or change the volunteer's e-mail address.

    Password-reset mail goes to whatever address the account holds, so whoever
    sets it can take the account over. The person themselves always may; a
    coordinator of theirs only while the account cannot sign in, holds no role
    but volunteer or mentor anywhere, and is not staff.
    """
    if volunteer.user_id == user.id:
        return True
    if not can_manage_volunteer(user, volunteer):
        return False
    person = User.objects.get(pk=volunteer.user_id)
    if person.has_usable_password() or person.is_staff or person.is_superuser:
        return False
    return not Membership.objects.filter(user_id=person.pk).exclude(role__in=VOLUNTEERING_ROLES).exists()


def can_view_volunteer(user: User, volunteer: VolunteerProfile) -> bool:
    return user.is_authenticated and (volunteer.user_id == user.id or can_manage_volunteer(user, volunteer))


def require_coordinator(user: User, programme: Programme) -> None:
    if not can_coordinate(user, programme):
        raise PermissionDenied(_("Only a coordinator of %(programme)s may do this.") % {"programme": programme})


def require_manage_volunteer(user: User, volunteer: VolunteerProfile) -> None:
    if not can_manage_volunteer(user, volunteer):
        raise PermissionDenied(_("Only a coordinator of this volunteer's programme may do this."))


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
