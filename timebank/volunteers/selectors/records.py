from django.db.models import Q, QuerySet

from timebank.accounts.models import Membership, Programme, User
from timebank.accounts.permissions import VOLUNTEERING_ROLES, coordinated_programme_ids, is_admin
from timebank.volunteers.models import Consent, Skill, VolunteerProfile
from timebank.volunteers.selectors.volunteers import volunteers_for


def _programme_scope(user: User, programme_field: str, owner_field: str) -> Q | None:
    """None when the person sees every programme's rows; else the rows they may see."""
    if is_admin(user):
        return None
    return Q(**{owner_field: user}) | Q(**{f"{programme_field}__in": coordinated_programme_ids(user)})


def memberships_for(user: User) -> QuerySet[Membership]:
    """Volunteering memberships (volunteer, mentor) the person may see on volunteer records."""
    memberships = Membership.objects.filter(role__in=VOLUNTEERING_ROLES).select_related("programme")
    if not user.is_authenticated:
        return memberships.none()
    scope = _programme_scope(user, "programme_id", "user")
    return memberships if scope is None else memberships.filter(scope)


def volunteer_membership(
    user: User, volunteer: VolunteerProfile, *, programme_slug: str, role: str | None = None
) -> Membership:
    """The volunteer's volunteering membership in a programme, as far as the person may see it.

    Without a role, the one volunteering role the volunteer holds there. Raises
    Membership.DoesNotExist when there is none (or it is not visible), and
    Membership.MultipleObjectsReturned when a role is needed to choose.
    """
    memberships = memberships_for(user).filter(user_id=volunteer.user_id, programme__slug=programme_slug)
    if role:
        memberships = memberships.filter(role=role)
    return memberships.get()


def consents_for(user: User) -> QuerySet[Consent]:
    return Consent.objects.filter(volunteer__in=volunteers_for(user)).select_related("recorded_by", "withdrawn_by")


def consent_get(user: User, pk: int) -> Consent:
    return consents_for(user).select_related("volunteer").get(pk=pk)


def skills_of(programme: Programme) -> QuerySet[Skill]:
    return Skill.objects.filter(programme=programme).order_by("name", "id")


def skills_shown(user: User, volunteer: VolunteerProfile) -> list[Skill]:
    """The volunteer's skills from the vocabularies of the programmes the person may see
    them in: all of them for the volunteer and for administrators."""
    skills = sorted(volunteer.skills.all(), key=lambda skill: (skill.name, skill.pk))
    if is_admin(user) or volunteer.user_id == user.id:
        return skills
    mine = coordinated_programme_ids(user)
    return [skill for skill in skills if skill.programme_id in mine]
