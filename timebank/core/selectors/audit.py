"""Reads of the audit log, scoped to what the acting person may see."""

from django.db.models import Q, QuerySet

from timebank.core.models import AuditEntry, User, VolunteerProfile
from timebank.core.permissions import require_manage_volunteer


def volunteer_audit_trail(user: User, volunteer: VolunteerProfile, limit: int = 20) -> QuerySet[AuditEntry]:
    """The latest changes to a volunteer's record and to what hangs off it (memberships,
    consents, training records, background checks), newest first.

    Raises PermissionDenied unless the person coordinates one of the volunteer's programmes.
    """
    require_manage_volunteer(user, volunteer)
    about = Q(target_type="core.volunteerprofile", target_id=volunteer.pk) | Q(
        target_type="core.user", target_id=volunteer.user_id
    )
    related = {
        "core.membership": volunteer.user.memberships.values_list("pk", flat=True),
        "core.consent": volunteer.consents.values_list("pk", flat=True),
        "core.trainingrecord": volunteer.training_records.values_list("pk", flat=True),
        "core.backgroundcheck": volunteer.background_checks.values_list("pk", flat=True),
    }
    for target_type, ids in related.items():
        about |= Q(target_type=target_type, target_id__in=ids)
    return AuditEntry.objects.filter(about).select_related("actor", "programme")[:limit]
