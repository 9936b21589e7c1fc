"""The attendance register: a coordinator records who came to a session, and each
attendee's claim is created and approved at once (or, when they logged it
themselves and it is still pending, approved).

The register follows the same rules as a claim logged by hand (services.claim_rules)
and pays through the same path (services.claim_credits), so a claim is paid at most
once however often the register is recorded.
"""

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.types import AccountKind
from timebank.accounts.credits import programme_account
from timebank.accounts.models import User
from timebank.accounts.permissions import require_coordinator
from timebank.accounts.services.audit import audit_record
from timebank.accounts.services.idempotency import idempotent_request
from timebank.earning.models import ActivitySession, ClaimSource, ClaimStatus, HoursClaim
from timebank.earning.services.claim_credits import claim_credits_issue
from timebank.earning.services.claim_rules import claim_limits_check, is_active_volunteer
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.services.locks import volunteer_lock


@dataclass
class Attendance:
    session: ActivitySession
    approved: list[HoursClaim] = field(default_factory=list)  # created now, or pending and approved now
    already: list[HoursClaim] = field(default_factory=list)  # approved before: nothing done

    @property
    def credited_minutes(self) -> int:
        return sum(claim.credited_minutes for claim in self.approved)


@transaction.atomic
def attendance_record(
    *, actor: User, session: ActivitySession, volunteers: list[VolunteerProfile], idempotency_key: str | None = None
) -> Attendance:
    """Record who attended a session: each attendee's claim (the session's date and
    duration) is created and approved at once; a claim they logged themselves and that
    is still pending is approved. Recording the same register again changes nothing.
    All or nothing: when one attendee cannot be credited (not an active volunteer of the
    programme, more than 24 hours that day) nothing is written and the error names them.
    With an `idempotency_key`, a retry answers what the first request did (who was credited
    then); without one, recording again answers that everyone was already credited."""
    activity = session.activity
    programme = activity.programme
    require_coordinator(actor, programme)
    attendees = sorted({v.pk: v for v in volunteers}.values(), key=lambda v: v.pk)
    if any(volunteer.user_id == actor.pk for volunteer in attendees):
        raise PermissionDenied(_("Another coordinator must record your own attendance."))
    if not attendees:
        raise ValidationError({"attendees": [_("Tick at least one person who attended.")]})
    request = idempotent_request(
        actor=actor,
        operation="attendance.record",
        key=idempotency_key,
        programme=programme,
        request={"session": session.pk, "volunteers": [v.pk for v in attendees]},
    )
    if request.replayed:
        claims = HoursClaim.objects.in_bulk([*request.data["approved"], *request.data["already"]])
        return Attendance(
            session=session,
            approved=[claims[pk] for pk in request.data["approved"]],
            already=[claims[pk] for pk in request.data["already"]],
        )
    if not activity.active:
        raise ValidationError({"session": [_("This activity is closed for claims.")]})
    if session.date > timezone.localdate():
        raise ValidationError({"session": [_("The session has not taken place yet.")]})
    inactive = [v.display_name for v in attendees if not is_active_volunteer(v, programme)]
    if inactive:
        raise ValidationError(
            {
                "attendees": [
                    _("Not an active volunteer of %(programme)s: %(names)s.")
                    % {"programme": programme, "names": ", ".join(inactive)}
                ]
            }
        )
    issuer = programme_account(programme, AccountKind.ISSUER)
    result = Attendance(session=session)
    # Profiles are locked in primary-key order, so two registers cannot deadlock.
    for volunteer in attendees:
        volunteer_lock(volunteer)
        standing = HoursClaim.objects.filter(volunteer=volunteer, session=session).exclude(status=ClaimStatus.REJECTED)
        existing = (
            standing.select_for_update(of=("self",), no_key=True)
            .select_related("programme", "activity", "volunteer")
            .first()
        )
        if existing is not None and existing.status == ClaimStatus.APPROVED:
            result.already.append(existing)
            continue
        if existing is not None:
            result.approved.append(
                claim_credits_issue(existing, decided_by=actor, issuer=issuer, changes={"attendance": session.pk})
            )
            continue
        try:
            claim_limits_check(
                volunteer=volunteer,
                activity=activity,
                session=session,
                date=session.date,
                minutes=session.duration_minutes,
            )
        except ValidationError as exc:
            raise ValidationError({"attendees": exc.messages}) from None
        claim = HoursClaim.objects.create(
            volunteer=volunteer,
            programme=programme,
            activity=activity,
            session=session,
            date=session.date,
            minutes=session.duration_minutes,
            credited_minutes=activity.credited_minutes(session.duration_minutes),
            source=ClaimSource.ATTENDANCE,
            created_by=actor,
        )
        result.approved.append(
            claim_credits_issue(
                claim, decided_by=actor, issuer=issuer, changes={"attendance": session.pk, "created": True}
            )
        )
    if result.approved:
        audit_record(
            actor=actor,
            action="attendance.record",
            target=session,
            programme=programme,
            changes={
                "approved": [claim.volunteer_id for claim in result.approved],
                "already": [claim.volunteer_id for claim in result.already],
            },
        )
    request.finish(data={"approved": [c.pk for c in result.approved], "already": [c.pk for c in result.already]})
    return result
