import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from timebank.accounts.models import Programme, User
from timebank.accounts.permissions import coordinated_programme_ids, is_admin
from timebank.training.selectors.qualifications import volunteer_ids_needing_attention
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.selectors.records import memberships_for
from timebank.volunteers.selectors.volunteers import volunteers_for


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
