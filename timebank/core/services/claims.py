"""Earning credits by giving time: activities, their sessions, hours claims,
approval (by a coordinator, or at once by the activity's rule), rejection,
bulk approval, the attendance register and reversal of an approved claim.

Credits move only on approval: one `earn` transaction from the programme's
issuer to the volunteer, with the idempotency key f"claim:{pk}:approve", so a
claim is paid at most once whatever retries or races happen. Every refusal is
a ValidationError naming the field (or PermissionDenied) raised before anything
is written.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ledger.errors import AlreadyReversed, IdempotencyConflict
from ledger.models import AccountKind, Transaction, TransactionKind
from ledger.services import transaction_post, transaction_reverse
from timebank.core.credits import programme_account, volunteer_account
from timebank.core.models import (
    Activity,
    ActivitySession,
    AuditEntry,
    ClaimSource,
    ClaimStatus,
    CreditRule,
    HoursClaim,
    Membership,
    MembershipStatus,
    Programme,
    User,
    VolunteerProfile,
)
from timebank.core.permissions import (
    VOLUNTEERING_ROLES,
    can_coordinate,
    coordinated_programme_ids,
    require_coordinator,
)
from timebank.core.services.audit import audit_record, audit_records

DAY_MINUTES = 24 * 60
NOTE_MAX = 500
REASON_MAX = 500
# Client idempotency keys become part of HoursClaim.source_ref (100 characters).
CLIENT_KEY_MAX = 64


def approval_key(claim: HoursClaim) -> str:
    """The ledger idempotency key of a claim's approval: one payment per claim, ever."""
    return f"claim:{claim.pk}:approve"


def reversal_key(claim: HoursClaim) -> str:
    return f"claim:{claim.pk}:reverse"


def client_source_ref(user: User, key: str) -> str:
    """The source_ref of a claim created through the API with an Idempotency-Key."""
    key = (key or "").strip()
    if not key or len(key) > CLIENT_KEY_MAX:
        raise ValidationError(
            {"Idempotency-Key": [_("Send an Idempotency-Key of 1 to %(max)s characters.") % {"max": CLIENT_KEY_MAX}]}
        )
    return f"api:{user.pk}:{key}"


def duration_text(minutes: int) -> str:
    """'2 h 30 min', '45 min', '3 h'."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": rest}
    if hours:
        return _("%(hours)s h") % {"hours": hours}
    return _("%(minutes)s min") % {"minutes": rest}


# --- Activities and sessions ---------------------------------------------------------


def _within_a_day(value, *, allow_zero: bool = False) -> bool:
    """A whole number of minutes from 1 (or 0) to 24 hours."""
    low = 0 if allow_zero else 1
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= DAY_MINUTES


@transaction.atomic
def activity_create(
    *,
    actor: User,
    programme: Programme,
    name: str,
    credit_rule: str = CreditRule.PER_HOUR,
    fixed_minutes: int | None = None,
    auto_approve_max_minutes: int | None = None,
    description: str = "",
) -> Activity:
    """Add something the programme credits. Per-hour activities credit the time given;
    fixed ones credit `fixed_minutes` whatever the time. Claims up to
    `auto_approve_max_minutes` are approved at once (the programme's default when None;
    0 means a coordinator always decides)."""
    require_coordinator(actor, programme)
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Enter a name.")]
    elif len(name) > 200:
        errors["name"] = [_("Use 200 characters or fewer.")]
    elif Activity.objects.filter(programme=programme, name__iexact=name).exists():
        errors["name"] = [_("The programme already has an activity with this name.")]
    if credit_rule not in CreditRule.values:
        errors["credit_rule"] = [_("Choose how the activity is credited.")]
    elif credit_rule == CreditRule.FIXED:
        if not _within_a_day(fixed_minutes):
            errors["fixed_minutes"] = [_("Give a fixed credit from 1 minute to 24 hours.")]
    elif fixed_minutes is not None:
        errors["fixed_minutes"] = [_("Only activities credited a fixed number of credits have a fixed credit.")]
    if auto_approve_max_minutes is None:
        auto_approve_max_minutes = programme.auto_approve_max_minutes
    if not _within_a_day(auto_approve_max_minutes, allow_zero=True):
        errors["auto_approve_max_minutes"] = [_("Give a limit from 0 (a coordinator always approves) to 24 hours.")]
    if errors:
        raise ValidationError(errors)
    activity = Activity.objects.create(
        programme=programme,
        name=name,
        description=(description or "").strip(),
        credit_rule=credit_rule,
        fixed_minutes=fixed_minutes if credit_rule == CreditRule.FIXED else None,
        auto_approve_max_minutes=auto_approve_max_minutes,
    )
    audit_record(
        actor=actor,
        action="activity.create",
        target=activity,
        programme=programme,
        changes={
            "name": name,
            "credit_rule": credit_rule,
            "fixed_minutes": activity.fixed_minutes,
            "auto_approve_max_minutes": auto_approve_max_minutes,
        },
    )
    return activity


@transaction.atomic
def activity_session_create(
    *, actor: User, activity: Activity, date: dt.date, duration_minutes: int, title: str = ""
) -> ActivitySession:
    """Add an occurrence of an activity (the March tenants' meeting). It may lie in the
    future; claims and attendance for it are accepted once its day has come."""
    programme = activity.programme
    require_coordinator(actor, programme)
    title = (title or "").strip()
    errors: dict[str, list[str]] = {}
    if not activity.active:
        errors["activity"] = [_("This activity is closed.")]
    if not isinstance(date, dt.date):
        errors["date"] = [_("Enter a date.")]
    elif date.year < 2000:
        errors["date"] = [_("Enter a date after 2000.")]
    if not _within_a_day(duration_minutes):
        errors["duration_minutes"] = [_("Give a duration from 1 minute to 24 hours.")]
    if len(title) > 200:
        errors["title"] = [_("Use 200 characters or fewer.")]
    if errors:
        raise ValidationError(errors)
    session = ActivitySession.objects.create(
        activity=activity, date=date, duration_minutes=duration_minutes, title=title, created_by=actor
    )
    audit_record(
        actor=actor,
        action="activity_session.create",
        target=session,
        programme=programme,
        changes={"activity": activity.name, "date": date, "duration_minutes": duration_minutes, "title": title},
    )
    return session


# --- Logging a claim -------------------------------------------------------------------


def is_active_volunteer(volunteer: VolunteerProfile, programme: Programme) -> bool:
    return Membership.objects.filter(
        user_id=volunteer.user_id,
        programme=programme,
        role__in=VOLUNTEERING_ROLES,
        status=MembershipStatus.ACTIVE,
    ).exists()


def _same_claim(claim: HoursClaim, **asked) -> bool:
    return all(getattr(claim, name) == value for name, value in asked.items())


def _check_claim(
    *,
    volunteer: VolunteerProfile,
    activity: Activity,
    session: ActivitySession | None,
    date,
    minutes,
    note: str,
) -> None:
    """Every rule about the claim itself that needs no lock: raises a ValidationError naming each bad field."""
    errors: dict[str, list[str]] = {}
    programme = activity.programme
    if not activity.active:
        errors["activity"] = [_("This activity is closed for claims.")]
    elif not is_active_volunteer(volunteer, programme):
        errors["activity"] = [
            _("%(name)s is not an active volunteer of %(programme)s.")
            % {"name": volunteer.display_name, "programme": programme}
        ]
    if session is not None and session.activity_id != activity.pk:
        errors["session"] = [_("This session belongs to another activity.")]
    if not isinstance(date, dt.date):
        errors["date"] = [_("Enter the date you gave the time.")]
    elif date > timezone.localdate():
        errors["date"] = [_("The date cannot be in the future.")]
    elif date.year < 2000:
        errors["date"] = [_("Enter a date after 2000.")]
    elif session is not None and session.date != date:
        errors["date"] = [_("The session took place on %(date)s.") % {"date": session.date.isoformat()}]
    if minutes is None:
        errors["minutes"] = [_("Enter the time you gave.")]
    elif not _within_a_day(minutes):
        errors["minutes"] = [_("Give a time from 1 minute to 24 hours.")]
    if len(note) > NOTE_MAX:
        errors["note"] = [_("Use %(max)s characters or fewer.") % {"max": NOTE_MAX}]
    if errors:
        raise ValidationError(errors)


def _check_under_lock(
    *, volunteer: VolunteerProfile, activity: Activity, session: ActivitySession | None, date: dt.date, minutes: int
) -> None:
    """The rules that depend on the volunteer's other claims. Call with the volunteer's
    profile row locked, so two claims for the same person are checked one after the other."""
    standing = HoursClaim.objects.filter(volunteer=volunteer).exclude(status=ClaimStatus.REJECTED)
    if session is not None and standing.filter(session=session).exists():
        raise ValidationError(
            {"session": [_("%(name)s already has a claim for this session.") % {"name": volunteer.display_name}]}
        )
    # The database's own constraint skips claims with a source_ref (API retries, mentoring);
    # this check does not.
    if session is None and standing.filter(activity=activity, date=date, session__isnull=True).exists():
        raise ValidationError(
            {
                "activity": [
                    _("%(name)s already has a claim for %(activity)s on %(date)s.")
                    % {"name": volunteer.display_name, "activity": activity.name, "date": date.isoformat()}
                ]
            }
        )
    claimed = standing.filter(date=date).aggregate(total=Sum("minutes"))["total"] or 0
    if claimed + minutes > DAY_MINUTES:
        raise ValidationError(
            {
                "minutes": [
                    _(
                        "No more than 24 hours can be claimed in one day: %(name)s has already claimed "
                        "%(claimed)s on %(date)s, so at most %(left)s more."
                    )
                    % {
                        "name": volunteer.display_name,
                        "claimed": duration_text(claimed),
                        "date": date.isoformat(),
                        "left": duration_text(DAY_MINUTES - claimed),
                    }
                ]
            }
        )


def _lock_volunteer(volunteer: VolunteerProfile) -> None:
    VolunteerProfile.objects.select_for_update().only("pk").get(pk=volunteer.pk)


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
) -> HoursClaim:
    """Log time a volunteer gave. Pending until a coordinator decides, unless the
    activity approves claims of this length at once (then credits are issued now).

    A volunteer logs for themselves; only the programme's coordinators log for someone
    else (PermissionDenied). With a session, the date and time default to the
    session's. `source_ref` makes the call idempotent: a claim already made with it is
    returned when it asked for the same thing, and IdempotencyConflict is raised when
    it asked for something else.
    """
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
    if source_ref is not None and (earlier := _replayed(source_ref, asked)) is not None:
        return earlier
    _check_claim(volunteer=volunteer, activity=activity, session=session, date=date, minutes=minutes, note=note)
    _lock_volunteer(volunteer)
    if source_ref is not None and (earlier := _replayed(source_ref, asked)) is not None:
        # A concurrent request with the same key committed while this one waited for the lock.
        return earlier
    _check_under_lock(volunteer=volunteer, activity=activity, session=session, date=date, minutes=minutes)
    claim = HoursClaim.objects.create(
        volunteer=volunteer,
        programme=programme,
        activity=activity,
        session=session,
        date=date,
        minutes=minutes,
        credited_minutes=activity.credited_minutes(minutes),
        note=note,
        source=ClaimSource.COORDINATOR if on_behalf else ClaimSource.VOLUNTEER,
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
        _approve(
            claim,
            decided_by=None,
            reason=_("Approved automatically: %(activity)s approves claims up to %(limit)s.")
            % {"activity": activity.name, "limit": duration_text(activity.auto_approve_max_minutes)},
            changes={"rule": "activity.auto_approve_max_minutes", "limit": activity.auto_approve_max_minutes},
        )
    return claim


def _replayed(source_ref: str, asked: dict) -> HoursClaim | None:
    earlier = HoursClaim.objects.filter(source_ref=source_ref).first()
    if earlier is None:
        return None
    if not _same_claim(earlier, **asked):
        raise IdempotencyConflict(source_ref)
    return earlier


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


def _post_earn(claim: HoursClaim, *, decided_by: User | None, issuer=None, earner=None) -> Transaction:
    """The claim's credits, from the programme's issuer to the volunteer: once per claim, whatever
    happens, through the idempotency key derived from the claim."""
    issuer = issuer or programme_account(claim.programme, AccountKind.ISSUER)
    earner = earner or volunteer_account(claim.programme, claim.volunteer)
    return transaction_post(
        kind=TransactionKind.EARN,
        scope_id=claim.programme_id,
        postings=[(issuer, -claim.credited_minutes), (earner, claim.credited_minutes)],
        idempotency_key=approval_key(claim),
        created_by=decided_by,
        memo=f"{claim.activity.name}, {claim.date.isoformat()}"[:300],
        occurred_on=claim.date,
        request={"claim": claim.pk, "minutes": claim.credited_minutes},
    )


APPROVAL_FIELDS = ["status", "decided_by", "decided_at", "transaction"]


def _mark_approved(claim: HoursClaim, *, decided_by: User | None, txn: Transaction) -> None:
    claim.status = ClaimStatus.APPROVED
    claim.decided_by = decided_by
    claim.decided_at = timezone.now()
    claim.transaction = txn


def _approval_audit(claim: HoursClaim, *, decided_by: User | None, reason: str = "", changes=None) -> dict:
    return {
        "actor": decided_by,
        "action": "claim.approve",
        "target": claim,
        "programme": claim.programme,
        "reason": reason,
        "changes": {"credited_minutes": claim.credited_minutes, "transaction": claim.transaction_id, **(changes or {})},
    }


def _approve(
    claim: HoursClaim,
    *,
    decided_by: User | None,
    reason: str = "",
    changes: dict | None = None,
    issuer=None,
) -> HoursClaim:
    """Issue the claim's credits and mark it approved. The claim row is locked (or was
    just created) by the caller."""
    txn = _post_earn(claim, decided_by=decided_by, issuer=issuer)
    _mark_approved(claim, decided_by=decided_by, txn=txn)
    claim.save(update_fields=APPROVAL_FIELDS)
    audit_record(**_approval_audit(claim, decided_by=decided_by, reason=reason, changes=changes))
    return claim


def _locked(claim: HoursClaim) -> HoursClaim:
    return (
        HoursClaim.objects.select_for_update(of=("self",))
        .select_related("programme", "activity", "volunteer")
        .get(pk=claim.pk)
    )


def _approval_replayed(claim: HoursClaim, idempotency_key: str | None) -> bool:
    """True when this very approval request (same claim, same client key) already succeeded."""
    if not idempotency_key or claim.status != ClaimStatus.APPROVED:
        return False
    return AuditEntry.objects.filter(
        action="claim.approve",
        target_type=HoursClaim._meta.label_lower,
        target_id=claim.pk,
        changes__idempotency_key=idempotency_key,
    ).exists()


@transaction.atomic
def claim_approve(*, actor: User, claim: HoursClaim, idempotency_key: str | None = None) -> HoursClaim:
    """Approve a pending claim and issue its credits (coordinators of its programme, not
    for their own claim). Refused when the claim is not pending; approving twice never
    pays twice. With the client's `idempotency_key`, a retry of an approval that
    succeeded returns the claim instead of being refused."""
    claim = _locked(claim)
    _require_decider(actor, claim)
    if _approval_replayed(claim, idempotency_key):
        return claim
    _require_pending(claim)
    changes = {"idempotency_key": idempotency_key} if idempotency_key else None
    return _approve(claim, decided_by=actor, changes=changes)


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
    """
    result = BulkApproval()
    coordinated = coordinated_programme_ids(actor)
    ids = sorted({claim.pk for claim in claims})
    for start in range(0, len(ids), BULK_CHUNK):
        _approve_chunk(actor, ids[start : start + BULK_CHUNK], coordinated, idempotency_key, result)
    return result


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
        for claim in HoursClaim.objects.select_for_update(of=("self",))
        .select_related("programme", "activity", "volunteer")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    issuers: dict[int, object] = {}
    earners: dict[tuple[int, int], object] = {}
    changes = {"idempotency_key": idempotency_key} if idempotency_key else None
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
            if _approval_replayed(claim, idempotency_key):
                result.approved.append(claim)
                continue
            _require_pending(claim)
            if claim.programme_id not in issuers:
                issuers[claim.programme_id] = programme_account(claim.programme, AccountKind.ISSUER)
            holder = (claim.programme_id, claim.volunteer_id)
            if holder not in earners:
                earners[holder] = volunteer_account(claim.programme, claim.volunteer)
            txn = _post_earn(claim, decided_by=actor, issuer=issuers[claim.programme_id], earner=earners[holder])
        except ValidationError as exc:
            result.refused.append((claim, " ".join(exc.messages)))
        except (PermissionDenied, IdempotencyConflict) as exc:
            result.refused.append((claim, str(exc) or _("You may not approve this claim.")))
        else:
            _mark_approved(claim, decided_by=actor, txn=txn)
            approved.append(claim)
            result.approved.append(claim)
    # The claims' rows and audit entries are written together for the chunk: a refusal above
    # wrote nothing, and a database error here undoes the chunk's credits with them.
    _save_approvals(approved)
    audit_records([_approval_audit(claim, decided_by=actor, changes=changes) for claim in approved])


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
    earlier = getattr(claim.transaction, "reversed_by", None)
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


# --- The attendance register ---------------------------------------------------------------


@dataclass
class Attendance:
    session: ActivitySession
    approved: list[HoursClaim] = field(default_factory=list)  # created now, or pending and approved now
    already: list[HoursClaim] = field(default_factory=list)  # approved before: nothing done

    @property
    def credited_minutes(self) -> int:
        return sum(claim.credited_minutes for claim in self.approved)


@transaction.atomic
def attendance_record(*, actor: User, session: ActivitySession, volunteers: list[VolunteerProfile]) -> Attendance:
    """Record who attended a session: each attendee's claim (the session's date and
    duration) is created and approved at once; a claim they logged themselves and that
    is still pending is approved. Recording the same register again changes nothing.
    All or nothing: when one attendee cannot be credited (not an active volunteer of the
    programme, more than 24 hours that day) nothing is written and the error names them."""
    activity = session.activity
    programme = activity.programme
    require_coordinator(actor, programme)
    attendees = sorted({v.pk: v for v in volunteers}.values(), key=lambda v: v.pk)
    if any(volunteer.user_id == actor.pk for volunteer in attendees):
        raise PermissionDenied(_("Another coordinator must record your own attendance."))
    if not attendees:
        raise ValidationError({"attendees": [_("Tick at least one person who attended.")]})
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
        _lock_volunteer(volunteer)
        standing = HoursClaim.objects.filter(volunteer=volunteer, session=session).exclude(status=ClaimStatus.REJECTED)
        existing = standing.select_for_update(of=("self",)).select_related("programme", "activity", "volunteer").first()
        if existing is not None and existing.status == ClaimStatus.APPROVED:
            result.already.append(existing)
            continue
        if existing is not None:
            result.approved.append(
                _approve(existing, decided_by=actor, issuer=issuer, changes={"attendance": session.pk})
            )
            continue
        try:
            _check_under_lock(
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
            _approve(claim, decided_by=actor, issuer=issuer, changes={"attendance": session.pk, "created": True})
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
    return result
