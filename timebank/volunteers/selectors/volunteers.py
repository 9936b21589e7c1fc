"""Reads of volunteer records, scoped to what the acting person may see."""

from django.db.models import Q, QuerySet

from timebank.accounts.models import Membership, User
from timebank.accounts.permissions import VOLUNTEERING_ROLES, coordinated_programme_ids, is_admin
from timebank.volunteers.models import VolunteerProfile


def volunteers_for(user: User) -> QuerySet[VolunteerProfile]:
    """The volunteer records a person may see: their own, plus every volunteer of
    the programmes they coordinate (all of them for administrators). Funders,
    partners and anonymous visitors see none but their own."""
    if not user.is_authenticated:
        return VolunteerProfile.objects.none()
    if is_admin(user):
        return VolunteerProfile.objects.all()
    programme_ids = coordinated_programme_ids(user)
    in_my_programmes = Membership.objects.filter(programme_id__in=programme_ids, role__in=VOLUNTEERING_ROLES)
    return VolunteerProfile.objects.filter(Q(user=user) | Q(user_id__in=in_my_programmes.values("user_id")))


def volunteer_get(user: User, pk: int) -> VolunteerProfile:
    """Raises VolunteerProfile.DoesNotExist when the record is not visible to the person."""
    return volunteers_for(user).select_related("user").get(pk=pk)


def volunteer_by_membership_number(user: User, number: str) -> VolunteerProfile:
    number = number.strip().upper().replace(" ", "").replace("-", "")
    return volunteers_for(user).select_related("user").get(membership_number=number)
