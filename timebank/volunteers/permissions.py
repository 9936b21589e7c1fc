from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from timebank.accounts.models import Membership, User
from timebank.accounts.permissions import VOLUNTEERING_ROLES, coordinated_programme_ids, is_admin
from timebank.volunteers.models import VolunteerProfile


def volunteer_programme_ids(volunteer: VolunteerProfile) -> set[int]:
    return set(
        Membership.objects.filter(user_id=volunteer.user_id, role__in=VOLUNTEERING_ROLES).values_list(
            "programme_id", flat=True
        )
    )


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


def require_manage_volunteer(user: User, volunteer: VolunteerProfile) -> None:
    if not can_manage_volunteer(user, volunteer):
        raise PermissionDenied(_("Only a coordinator of this volunteer's programme may do this."))
