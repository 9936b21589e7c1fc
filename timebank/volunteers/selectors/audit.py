"""Reads of the audit log, scoped to what the acting person may see."""

from django.db.models import Q, QuerySet

from timebank.accounts.models import AuditEntry, User
from timebank.accounts.permissions import coordinated_programme_ids, is_admin
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.permissions import require_manage_volunteer

# Entries without a programme about these are about the person, not about what they
# do in one programme: every coordinator of theirs sees them.
PERSONAL_TARGETS = ("volunteers.volunteerprofile", "accounts.user", "volunteers.consent")


def volunteer_audit_trail(user: User, volunteer: VolunteerProfile, limit: int = 20) -> QuerySet[AuditEntry]:
    """The latest changes to a volunteer's record and to what hangs off it (memberships,
    consents, training records, background checks), newest first.

    A coordinator sees the entries of the programmes they coordinate, and the entries
    without a programme about the person's profile, account and consents; what
    happened in the volunteer's other programmes (who did it, and why) stays there.
    Administrators see everything.
    Raises PermissionDenied unless the person coordinates one of the volunteer's programmes.
    """
    require_manage_volunteer(user, volunteer)
    about = Q(target_type="volunteers.volunteerprofile", target_id=volunteer.pk) | Q(
        target_type="accounts.user", target_id=volunteer.user_id
    )
    related = {
        "accounts.membership": volunteer.user.memberships.values_list("pk", flat=True),
        "volunteers.consent": volunteer.consents.values_list("pk", flat=True),
        "training.trainingrecord": volunteer.training_records.values_list("pk", flat=True),
        "training.backgroundcheck": volunteer.background_checks.values_list("pk", flat=True),
    }
    for target_type, ids in related.items():
        about |= Q(target_type=target_type, target_id__in=ids)
    entries = AuditEntry.objects.filter(about)
    if not is_admin(user):
        entries = entries.filter(
            Q(programme_id__in=coordinated_programme_ids(user))
            | Q(programme__isnull=True, target_type__in=PERSONAL_TARGETS)
        )
    return entries.select_related("actor", "programme")[:limit]
