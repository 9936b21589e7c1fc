"""The landing page: one section for each role the signed-in person holds."""

from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.shortcuts import render

from timebank.accounts.models import MembershipStatus, Programme
from timebank.accounts.selectors.programmes import programme_figures
from timebank.accounts.selectors.roles import roles_of
from timebank.earning.selectors import pending_counts
from timebank.spending.selectors.credits import my_balances
from timebank.training.selectors.qualifications import volunteer_ids_needing_attention
from timebank.training.selectors.records import volunteer_qualifications_for
from timebank.training.selectors.volunteer_list import VolunteerFilters, volunteer_list
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.selectors.volunteers import volunteers_for

# How many names of volunteers needing attention the landing page lists per programme.
ATTENTION_LISTED = 10


@dataclass
class CoordinatedProgramme:
    programme: Programme
    counts: dict[str, int]
    attention_count: int
    attention: list[VolunteerProfile] = field(default_factory=list)
    claims_waiting: int = 0


def _coordinated(user, programme: Programme) -> CoordinatedProgramme:
    everyone = volunteer_list(user, VolunteerFilters(programme=programme))
    counts = {
        status: volunteer_list(user, VolunteerFilters(programme=programme, status=status)).count()
        for status in (MembershipStatus.ACTIVE, MembershipStatus.APPLICANT, MembershipStatus.PAUSED)
    }
    counts["all"] = everyone.count()
    flagged = volunteer_ids_needing_attention(
        everyone.values_list("id", flat=True), kind="attention", programme=programme
    )
    attention = list(everyone.filter(id__in=flagged)[:ATTENTION_LISTED])
    return CoordinatedProgramme(programme, counts, len(flagged), attention)


@login_required
def home(request: HttpRequest):
    user = request.user
    roles = roles_of(user)
    context = {"roles": roles}
    if roles.is_volunteer:
        profile = volunteers_for(user).filter(user=user).first()
        context["profile"] = profile
        if profile is not None:
            context["qualifications"] = volunteer_qualifications_for(user, profile)
            context["balances"] = my_balances(user)
    if roles.is_coordinator:
        waiting = {programme.pk: count for programme, count in pending_counts(user)}
        context["coordinated"] = [_coordinated(user, programme) for programme in roles.coordinated]
        for item in context["coordinated"]:
            item.claims_waiting = waiting.get(item.programme.pk, 0)
    if roles.is_funder:
        context["funded"] = [(programme, programme_figures(programme)) for programme in roles.of("funder")]
    return render(request, "home.html", context)
