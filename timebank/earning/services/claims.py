"""Hours claims: logging time given, the coordinator's decision on it (approval, one
claim or many, and rejection), and reversal of an approved claim's credits.

Credits move only on approval, through services.claim_credits: one `earn`
transaction from the programme's issuer to the volunteer, keyed by the claim, so a
claim is paid at most once whatever retries or races happen. A claim the activity's
rule covers is approved as it is logged. Activities and sessions live in
services.activities, the attendance register in services.attendance, and the rules
every claim meets in services.claim_rules. Every refusal is a ValidationError
naming the field (or PermissionDenied) raised before anything is written.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.errors import AlreadyReversed, IdempotencyConflict
from ledger.selectors import reversal_of
from ledger.services import transaction_reverse
from ledger.types import Account, AccountKind, Transaction
from timebank.accounts.credits import programme_account
from timebank.accounts.models import User
from timebank.accounts.permissions import can_coordinate, coordinated_programme_ids, require_coordinator
from timebank.accounts.services.audit import audit_record, audit_records
from timebank.accounts.services.idempotency import idempotent_replay, idempotent_request
from timebank.common.durations import duration_text
from timebank.earning.models import Activity, ActivitySession, ClaimSource, ClaimStatus, HoursClaim
from timebank.earning.services.claim_credits import (
    APPROVAL_FIELDS,
    approval_audit_entry,
    claim_credits_issue,
    claim_mark_approved,
    earn_post,
)
from timebank.earning.services.claim_rules import claim_check, claim_limits_check
from timebank.volunteers.credits import volunteer_account
from timebank.volunteers.models import VolunteerProfile
from timebank.volunteers.services.locks import volunteer_lock

REASON_MAX = 500


def reversal_key(claim: HoursClaim) -> str:
    """The ledger idempotency key of the reversal of a claim's credits."""
    return f"claim:{claim.pk}:reverse"


# --- Logging a claim -------------------------------------------------------------------


@transaction.atomic
def claim_log(
    *,
    actor: User,
    volunteer: VolunteerProfile,
    activity: Activity,
    minutes: int | None,
    date: dt.date | None = None,
    session: ActivitySession | None = None,
    note: str = "",
    source_ref: str | None = None,
    source: str | None = None,
    idempotency_key: str | None = None,
) -> HoursClaim:
    """Log time a volunteer gave. Pending until a coordinator decides, unless the
    activity approves claims of this length at once (then credits are issued now).

    A volunteer logs for themselves; only the programme's coordinators log for someone
    else (PermissionDenied). With a session, the date and time default to the
    session's. With an `idempotency_key`, a retry returns the claim first made, and the
    same key for another claim raises IdempotencyConflict. `source=ClaimSource.MENTORING`
    (with a `source_ref` naming the record it is for) marks a claim made for a mentoring
    session: one per session, several a day allowed.
    """
    if source not in (None, ClaimSource.MENTORING) or (source and not source_ref):
        raise ValueError("only mentoring claims, with a source_ref, name their source")
    programme = activity.programme
    on_behalf = volunteer.user_id != actor.pk
    if on_behalf and not can_coordinate(actor, programme):
        raise PermissionDenied(
            _("Only a coordinator of %(programme)s may log hours for someone else.") % {"programme": programme}
        )
    note = (note or "").strip()
    if session is not None:
        date = session.date if date is None else date
        minutes = session.duration_minutes if minutes is None else minutes
    asked = {
        "volunteer_id": volunteer.pk,
        "activity_id": activity.pk,
        "session_id": session.pk if session else None,
        "date": date,
        "minutes": minutes,
        "note": note,
    }
    request = idempotent_request(
        actor=actor, operation="claim.log", key=idempotency_key, programme=programme, request=asked
    )
    if request.replayed:
        return request.result(HoursClaim)
    claim_check(volunteer=volunteer, activity=activity, session=session, date=date, minutes=minutes, note=note)
    volunteer_lock(volunteer)
    claim_limits_check(
        volunteer=volunteer, activity=activity, session=session, date=date, minutes=minutes, once_a_day=source is None
    )
    claim = HoursClaim.objects.create(
        volunteer=volunteer,
        programme=programme,
        activity=activity,
        session=session,
        date=date,
        minutes=minutes,
        credited_minutes=activity.credited_minutes(minutes),
        note=note,
        source=source or (ClaimSource.COORDINATOR if on_behalf else ClaimSource.VOLUNTEER),
        source_ref=source_ref,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="claim.log",
        target=claim,
        programme=programme,
        changes={
            "volunteer": volunteer.pk,
            "activity": activity.name,
            "session": claim.session_id,
            "date": date,
            "minutes": minutes,
            "credited_minutes": claim.credited_minutes,
        },
    )
    if activity.auto_approve_max_minutes and minutes <= activity.auto_approve_max_minutes:
        claim_credits_issue(
            claim,
            decided_by=None,
            reason=_("Approved automatically: %(activity)s approves claims up to %(limit)s.")
            % {"activity": activity.name, "limit": duration_text(activity.auto_approve_max_minutes)},
            changes={"rule": "activity.auto_approve_max_minutes", "limit": activity.auto_approve_max_minutes},
        )
    return request.finish(claim)


@transaction.atomic
def claim_amend(*, actor: User, claim: HoursClaim, date: dt.date, minutes: int, note: str) -> HoursClaim:
    """Change the date, time and note of a pending claim made for a record of its own (a
    mentoring session edited). A decided claim is not changed: its credits were issued
    or refused on the time it said, and a correction is a reversal (ValidationError)."""
    claim = (
        HoursClaim.objects.select_for_update(no_key=True)
        .select_related("activity__programme", "volunteer")
        .get(pk=claim.pk)
    )
    if claim.volunteer.user_id != actor.pk and not can_coordinate(actor, claim.programme):
        raise PermissionDenied(_("Only the volunteer or a coordinator of the programme may change this claim."))
    note = (note or "").strip()
    if (claim.date, claim.minutes, claim.note) == (date, minutes, note):
        return claim
    if claim.status != ClaimStatus.PENDING:
        raise ValidationError(
            {
                "minutes": [
                    _("These hours were already %(status)s; ask a coordinator to correct them.")
                    % {"status": claim.get_status_display().lower()}
                ]
            }
        )
    claim_check(volunteer=claim.volunteer, activity=claim.activity, session=None, date=date, minutes=minutes, note=note)
    volunteer_lock(claim.volunteer)
    claim_limits_check(
        volunteer=claim.volunteer,
        activity=claim.activity,
        session=None,
        date=date,
        minutes=minutes,
        once_a_day=claim.source != ClaimSource.MENTORING,
        excluding=claim,
    )
    before = {"date": claim.date, "minutes": claim.minutes}
    claim.date, claim.minutes, claim.note = date, minutes, note
    claim.credited_minutes = claim.activity.credited_minutes(minutes)
    claim.save(update_fields=["date", "minutes", "note", "credited_minutes"])
    audit_record(
        actor=actor,
        action="claim.amend",
        target=claim,
        programme=claim.programme,
        changes={"before": before, "date": date, "minutes": minutes},
    )
    return claim


# --- Deciding ----------------------------------------------------------------------------


def _require_pending(claim: HoursClaim) -> None:
    if claim.status != ClaimStatus.PENDING:
        raise ValidationError(
            {
                "status": [
                    _("This claim is no longer waiting for a decision: it was %(status)s.")
                    % {"status": claim.get_status_display().lower()}
                ]
            }
        )


def _require_decider(actor: User, claim: HoursClaim) -> None:
    require_coordinator(actor, claim.programme)
    if claim.volunteer.user_id == actor.pk:
        raise PermissionDenied(_("Another coordinator must decide on your own claim."))


def _locked(claim: HoursClaim) -> HoursClaim:
    return (
        HoursClaim.objects.select_for_update(of=("self",), no_key=True)
        .select_related("programme", "activity", "volunteer")
        .get(pk=claim.pk)
    )


@transaction.atomic
def claim_approve(*, actor: User, claim: HoursClaim, idempotency_key: str | None = None) -> HoursClaim:
    """Approve a pending claim and issue its credits (coordinators of its programme, not
    for their own claim). Refused when the claim is not pending; approving twice never
    pays twice. With the client's `idempotency_key`, a retry of an approval that
    succeeded returns the claim instead of being refused."""
    claim = _locked(claim)
    _require_decider(actor, claim)
    request = idempotent_request(
        actor=actor,
        operation="claim.approve",
        key=idempotency_key,
        programme=claim.programme,
        request={"claim": claim.pk},
    )
    if request.replayed:
        return claim
    _require_pending(claim)
    return request.finish(claim_credits_issue(claim, decided_by=actor))


@transaction.atomic
def claim_reject(*, actor: User, claim: HoursClaim, reason: str) -> HoursClaim:
    """Reject a pending claim with a reason the volunteer sees. A rejected claim may be logged again."""
    claim = _locked(claim)
    _require_decider(actor, claim)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the claim is rejected; the volunteer will see it.")]})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [_("Use %(max)s characters or fewer.") % {"max": REASON_MAX}]})
    _require_pending(claim)
    claim.status = ClaimStatus.REJECTED
    claim.rejection_reason = reason
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
    audit_record(actor=actor, action="claim.reject", target=claim, programme=claim.programme, reason=reason)
    return claim


@dataclass
class BulkApproval:
    approved: list[HoursClaim] = field(default_factory=list)
    refused: list[tuple[HoursClaim, str]] = field(default_factory=list)

    @property
    def credited_minutes(self) -> int:
        return sum(claim.credited_minutes for claim in self.approved)


# Claims approved per database transaction in bulk approval: large enough that locking and
# reading them costs little per claim, small enough not to hold the issuer's row for long.
BULK_CHUNK = 500


def claims_approve_bulk(*, actor: User, claims: list[HoursClaim], idempotency_key: str | None = None) -> BulkApproval:
    """Approve many claims, each with its own ledger transaction: a claim refused (not
    pending, not the actor's to decide, the actor's own) does not hold back the others.
    Returns what was approved and, for the rest, why not.

    The claims are locked and approved a chunk at a time, in primary-key order, in one
    database transaction per chunk; the checks that may refuse a claim run before
    anything of it is written, so a refusal leaves the rest of its chunk to go through.

    With an `idempotency_key`, the request is recorded before the first chunk and each
    claim it approves is recorded with its chunk: a retry of a request that finished
    returns its first answer; a retry of one that stopped half-way (a lost worker)
    reports the claims it approved as approved and carries on with the rest.
    """
    ids = sorted({claim.pk for claim in claims})
    request = None
    if idempotency_key is not None:
        # The key belongs to the claims' programme; a request across programmes has its own scope.
        programme_ids = {claim.programme_id for claim in claims}
        programme = programme_ids.pop() if len(programme_ids) == 1 else None
        with transaction.atomic():
            request = idempotent_request(
                actor=actor,
                operation="claims.approve",
                key=idempotency_key,
                programme=programme,
                request={"claims": ids},
            )
        if request.replayed and request.data is not None:
            return _bulk_answer(request.data)
    result = BulkApproval()
    coordinated = coordinated_programme_ids(actor)
    for start in range(0, len(ids), BULK_CHUNK):
        _approve_chunk(actor, ids[start : start + BULK_CHUNK], coordinated, idempotency_key, result)
    if request is not None:
        with transaction.atomic():
            request.finish(
                data={
                    "approved": [claim.pk for claim in result.approved],
                    "refused": [[claim.pk, reason] for claim, reason in result.refused],
                }
            )
    return result


def _bulk_answer(data: dict) -> BulkApproval:
    """The answer a finished bulk approval gave, read again."""
    claims = HoursClaim.objects.in_bulk([*data["approved"], *(pk for pk, _ in data["refused"])])
    return BulkApproval(
        approved=[claims[pk] for pk in data["approved"] if pk in claims],
        refused=[(claims[pk], reason) for pk, reason in data["refused"] if pk in claims],
    )


def _save_approvals(claims: list[HoursClaim]) -> None:
    """One statement for the chunk's approved claims. bulk_update's CASE expression grows with
    the chunk and costs more than the ledger postings; an executemany of plain updates does not."""
    if not claims:
        return
    table, column = HoursClaim._meta.db_table, {f: HoursClaim._meta.get_field(f).column for f in APPROVAL_FIELDS}
    sql = (
        f"UPDATE {table} SET {column['status']} = %s, {column['decided_by']} = %s, "  # noqa: S608 - names from the model
        f"{column['decided_at']} = %s, {column['transaction']} = %s WHERE {HoursClaim._meta.pk.column} = %s"
    )
    adapt = connection.ops.adapt_datetimefield_value
    rows = [(c.status, c.decided_by_id, adapt(c.decided_at), c.transaction_id, c.pk) for c in claims]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@transaction.atomic
def _approve_chunk(actor: User, ids: list[int], coordinated: set[int], idempotency_key, result: BulkApproval):
    locked = {
        claim.pk: claim
        for claim in HoursClaim.objects.select_for_update(of=("self",), no_key=True)
        .select_related("programme", "activity", "volunteer")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    issuers: dict[int, Account] = {}
    earners: dict[tuple[int, int], Account] = {}
    approved: list[HoursClaim] = []
    for pk in ids:
        claim = locked.get(pk)
        if claim is None:
            continue  # deleted since it was read: nothing to approve, nothing to report
        try:
            if claim.programme_id not in coordinated:
                raise PermissionDenied(
                    _("Only a coordinator of %(programme)s may do this.") % {"programme": claim.programme}
                )
            if claim.volunteer.user_id == actor.pk:
                raise PermissionDenied(_("Another coordinator must decide on your own claim."))
            # Each claim's approval is recorded under the request's key: a retry after a lost
            # chunk counts the claims this request approved, and pays none twice. The chunk's
            # lock on the claims keeps a concurrent retry out between the look and the record.
            claim_request = {
                "actor": actor,
                "operation": f"claims.approve:{claim.pk}",
                "key": idempotency_key,
                "programme": claim.programme,
                "request": {"claim": claim.pk},
            }
            if (
                idempotency_key is not None
                and claim.status == ClaimStatus.APPROVED
                and idempotent_replay(**claim_request) is not None
            ):
                result.approved.append(claim)
                continue
            _require_pending(claim)
            if claim.programme_id not in issuers:
                issuers[claim.programme_id] = programme_account(claim.programme, AccountKind.ISSUER)
            holder = (claim.programme_id, claim.volunteer_id)
            if holder not in earners:
                earners[holder] = volunteer_account(claim.programme, claim.volunteer)
            txn = earn_post(claim, decided_by=actor, issuer=issuers[claim.programme_id], earner=earners[holder])
        except ValidationError as exc:
            result.refused.append((claim, " ".join(exc.messages)))
        except (PermissionDenied, IdempotencyConflict) as exc:
            result.refused.append((claim, str(exc) or _("You may not approve this claim.")))
        else:
            if idempotency_key is not None:
                idempotent_request(**claim_request).finish(claim)
            claim_mark_approved(claim, decided_by=actor, txn=txn)
            approved.append(claim)
            result.approved.append(claim)
    # The claims' rows and audit entries are written together for the chunk: a refusal above
    # wrote nothing, and a database error here undoes the chunk's credits with them.
    _save_approvals(approved)
    audit_records([approval_audit_entry(claim, decided_by=actor) for claim in approved])


@transaction.atomic
def claim_reverse(*, actor: User, claim: HoursClaim, reason: str) -> Transaction:
    """Take back the credits of an approved claim through a ledger reversal, with a reason
    (coordinators of its programme). The claim itself stays as it was: the reversal,
    linked to its transaction, is the record of the correction. Refused for a claim not
    approved, a transaction already reversed, or credits already spent."""
    claim = _locked(claim)
    require_coordinator(actor, claim.programme)
    if claim.status != ClaimStatus.APPROVED or claim.transaction_id is None:
        raise ValidationError({"status": [_("Only an approved claim's credits can be reversed.")]})
    reason = (reason or "").strip()
    earlier = reversal_of(original=claim.transaction)
    if earlier is not None:
        if earlier.idempotency_key == reversal_key(claim) and earlier.reason == reason:
            return earlier  # a retry of this very reversal
        raise AlreadyReversed()
    reversal = transaction_reverse(
        original=claim.transaction,
        reason=reason,
        created_by=actor,
        idempotency_key=reversal_key(claim),
        memo=_("Reversal of the claim for %(activity)s, %(date)s")
        % {"activity": claim.activity.name, "date": claim.date.isoformat()},
    )
    audit_record(
        actor=actor,
        action="claim.reverse",
        target=claim,
        programme=claim.programme,
        reason=reason,
        changes={"transaction": claim.transaction_id, "reversal": reversal.pk, "minutes": claim.credited_minutes},
    )
    return reversal
