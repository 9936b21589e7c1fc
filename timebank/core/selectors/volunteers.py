"""Reads of volunteer records, scoped to what the acting person may see."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from timebank.core.models import Membership, Programme, User, VolunteerProfile
from timebank.core.permissions import VOLUNTEERING_ROLES, coordinated_programme_ids, is_admin


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


@dataclass
class VolunteerFilters:
    programme: Programme | None = None
    status: str = ""
    skill: int | None = None
    language: str = ""
    qualification: str = ""  # "expiring_soon", "expired", "missing", "attention" (any of those)
    search: str = ""
    on: dt.date | None = None


def volunteer_list(user: User, filters: VolunteerFilters) -> QuerySet[VolunteerProfile]:
    """Visible volunteers matching the filters, in name order.

    Every filter looks only at what the person may see of a volunteer: the
    memberships, skills and role requirements of the programmes they coordinate
    (all of them for administrators, and their own record's). The status filter
    applies to the membership in the filtered programme (or any such programme).
    The qualification filter keeps volunteers with at least one role requirement
    in that state on `filters.on` (today by default).
    """
    from timebank.core.selectors.qualifications import volunteer_ids_needing_attention
    from timebank.core.selectors.records import memberships_for

    volunteers = volunteers_for(user).select_related("user")
    if filters.programme is not None or filters.status:
        memberships = memberships_for(user)
        if filters.programme is not None:
            memberships = memberships.filter(programme=filters.programme)
        if filters.status:
            memberships = memberships.filter(status=filters.status)
        volunteers = volunteers.filter(user_id__in=memberships.values("user_id"))
    if filters.skill:
        skill = Q(skills__id=filters.skill)
        if not is_admin(user):
            skill &= Q(skills__programme_id__in=coordinated_programme_ids(user)) | Q(user=user)
        volunteers = volunteers.filter(skill)
    if filters.language:
        volunteers = volunteers.filter(languages__code=filters.language)
    if filters.search:
        term = filters.search.strip()
        volunteers = volunteers.filter(
            Q(full_name__icontains=term)
            | Q(preferred_name__icontains=term)
            | Q(membership_number__iexact=term.replace(" ", ""))
            | Q(user__email__iexact=term)
        )
    if filters.qualification:
        ids = volunteer_ids_needing_attention(
            volunteers.values_list("id", flat=True),
            kind=filters.qualification,
            on=filters.on,
            programme=filters.programme,
            seen_by=user,
        )
        volunteers = volunteers.filter(id__in=ids)
    return volunteers.distinct().order_by("full_name", "id")
