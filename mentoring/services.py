"""Writes of the mentoring app: supported people and their requests for a mentor (which
become matching needs), mentorships (from an accepted match or started by a coordinator),
sessions (each an hours claim in the ledger flow), goals and their reviews, check-ins.

The receiver of matching's `match_accepted` lives here (connected in apps.py), so matching
never imports this app;
it runs inside the accepting transaction, so a mentorship that cannot start refuses the
acceptance instead of leaving an accepted match without one.
"""

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.models import Need, Topic
from matching.services import mentoring_need_create
from mentoring.models import (
    LEVELS,
    CheckIn,
    ClosureReason,
    Goal,
    GoalDomain,
    GoalReview,
    GoalStatus,
    HouseholdMember,
    MentoringRequest,
    MentoringSession,
    Mentorship,
    MentorshipStatus,
    PersonConsent,
    SessionMode,
    SupportedKind,
    SupportedPerson,
)
from timebank.accounts.models import Membership, MembershipStatus, Programme, Role, User
from timebank.accounts.permissions import can_coordinate, require_coordinator
from timebank.accounts.services.audit import audit_record
from timebank.accounts.services.idempotency import idempotent_request
from timebank.common.dates import add_months
from timebank.earning.models import Activity, ClaimSource
from timebank.earning.services.activities import activity_create
from timebank.earning.services.claims import claim_amend, claim_log
from timebank.volunteers.models import VolunteerProfile


@transaction.atomic
def supported_person_create(
    *,
    actor: User,
    programme: Programme,
    kind: str,
    reference: str,
    languages: list[str] = (),
    topics: list[str] = (),
    place_name: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    referral_source: str = "",
    referred_on: dt.date | None = None,
) -> SupportedPerson:
    require_coordinator(actor, programme)
    errors = {}
    if kind not in SupportedKind.values:
        errors["kind"] = [_("Choose family or individual.")]
    if not reference.strip():
        errors["reference"] = [_("Give a short reference coordinators will recognise.")]
    unknown = sorted(set(topics) - set(Topic.values))
    if unknown:
        errors["topics"] = [_("Unknown topics: %(topics)s.") % {"topics": ", ".join(unknown)}]
    if errors:
        raise ValidationError(errors)
    person = SupportedPerson.objects.create(
        programme=programme,
        kind=kind,
        reference=reference.strip(),
        languages=sorted(set(languages)),
        topics=sorted(set(topics)),
        place_name=place_name,
        latitude=latitude,
        longitude=longitude,
        referral_source=referral_source,
        referred_on=referred_on,
        created_by=actor,
    )
    audit_record(actor=actor, action="supported_person.create", target=person, programme=programme)
    return person


@transaction.atomic
def mentoring_request_create(
    *,
    actor: User,
    person: SupportedPerson,
    starts_on: dt.date | None = None,
    weekly_slots: list = (),
    minutes_per_week: int = 120,
    urgency: int = 1,
    preferred_gender: str = "",
    home_visits: bool = True,
    involves_children: bool | None = None,
) -> Need:
    """Ask for a mentor for the person: a matching need carrying their languages, area and
    topics, running from `starts_on` for the programme's default mentorship length."""
    programme = person.programme
    starts_on = starts_on or timezone.localdate() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(starts_on, dt.time(9)))
    end = timezone.make_aware(
        dt.datetime.combine(add_months(starts_on, programme.mentorship_default_months), dt.time(9))
    )
    need = mentoring_need_create(
        actor=actor,
        programme=programme,
        title=_("%(reference)s: a mentor") % {"reference": person.reference},
        group_key=person.group_key,
        starts_at=start,
        ends_at=end,
        languages=person.languages,
        topics=person.topics,
        latitude=person.latitude,
        longitude=person.longitude,
        place_name=person.place_name,
        weekly_slots=weekly_slots,
        minutes_per_week=minutes_per_week,
        preferred_gender=preferred_gender,
        urgency=urgency,
        home_visits=home_visits,
        involves_children=person.kind == SupportedKind.FAMILY if involves_children is None else involves_children,
    )
    MentoringRequest.objects.create(person=person, need=need)
    # Made now, while a coordinator acts: the mentorship an accepted match starts takes it
    # without asking whoever offered the match to still be a coordinator then.
    _session_activity(actor, programme)
    return need


# --- Mentorships ----------------------------------------------------------------------------


def _session_activity(actor: User, programme: Programme):
    """The activity mentoring sessions are claimed as, made on first use (per hour, the
    programme's approval rules)."""
    activity = Activity.objects.filter(programme=programme, name=SESSION_ACTIVITY).first()
    if activity is None:
        activity = activity_create(actor=actor, programme=programme, name=SESSION_ACTIVITY)
    return activity


SESSION_ACTIVITY = "Mentoring session"


@transaction.atomic
def mentorship_start(
    *, actor: User, person: SupportedPerson, mentor: VolunteerProfile, starts_on: dt.date | None = None
) -> Mentorship:
    """A coordinator of the person's programme starts a mentorship directly (PermissionDenied
    for anyone else). It runs to the programme's default length. Raises ValidationError when
    the volunteer is not an active mentor of the programme or already mentors this person."""
    require_coordinator(actor, person.programme)
    return _mentorship_open(
        actor=actor,
        person=person,
        mentor=mentor,
        starts_on=starts_on or timezone.localdate(),
        activity=_session_activity(actor, person.programme),
        created_by=actor,
    )


def _mentorship_open(
    *,
    actor: User,
    person: SupportedPerson,
    mentor: VolunteerProfile,
    starts_on: dt.date,
    activity: Activity,
    created_by: User,
    match=None,
) -> Mentorship:
    """What every start checks and writes, once the caller has said who may start it."""
    programme = person.programme
    if not Membership.objects.filter(
        user_id=mentor.user_id, programme=programme, role=Role.MENTOR, status=MembershipStatus.ACTIVE
    ).exists():
        raise ValidationError(
            {
                "mentor": [
                    _("%(name)s is not an active mentor of %(programme)s.")
                    % {"name": mentor.display_name, "programme": programme}
                ]
            }
        )
    if Mentorship.objects.filter(mentor=mentor, person=person).exclude(status=MentorshipStatus.ENDED).exists():
        raise ValidationError(
            {
                "mentor": [
                    # A reference may end a sentence itself ("Family Y."): one full stop, not two.
                    _("%(name)s already mentors %(person)s.")
                    % {"name": mentor.display_name, "person": str(person).rstrip(".")}
                ]
            }
        )
    mentorship = Mentorship.objects.create(
        programme=programme,
        mentor=mentor,
        person=person,
        match=match,
        activity=activity,
        starts_on=starts_on,
        planned_end_on=add_months(starts_on, programme.mentorship_default_months),
        created_by=created_by,
    )
    audit_record(
        actor=actor,
        action="mentorship.start",
        target=mentorship,
        programme=programme,
        changes={"match": match.pk} if match is not None else None,
    )
    return mentorship


def mentorship_start_from_match(sender, match, actor: User | None = None, **kwargs):
    """An accepted mentoring match becomes a mentorship (once: one mentorship per match), in
    the accepting transaction. The coordinator authorised it when they offered the match, so
    it is started on their word (they are its `created_by`) even if they coordinate no
    longer; the one who accepted is the audit entry's actor. Raises ValidationError when
    it cannot start (the mentor already mentors the person), which refuses the acceptance."""
    request = MentoringRequest.objects.filter(need_id=match.need_id).select_related("person__programme").first()
    if request is None or Mentorship.objects.filter(match=match).exists():
        return
    programme = request.person.programme
    activity = Activity.objects.filter(programme=programme, name=SESSION_ACTIVITY).first()
    if activity is None:  # a request made before requests made the activity
        activity = _session_activity(match.created_by, programme)
    _mentorship_open(
        actor=actor or match.volunteer.user,
        person=request.person,
        mentor=match.volunteer,
        starts_on=timezone.localdate(),
        activity=activity,
        created_by=match.created_by,
        match=match,
    )


@transaction.atomic
def mentorship_close(
    *, actor: User, mentorship: Mentorship, reason: str, outcome_notes: str = "", ended_on: dt.date | None = None
) -> Mentorship:
    require_coordinator(actor, mentorship.programme)
    mentorship = Mentorship.objects.select_for_update(no_key=True).get(pk=mentorship.pk)
    if mentorship.status == MentorshipStatus.ENDED:
        raise ValidationError({"status": [_("This mentorship has already ended.")]})
    if reason not in ClosureReason.values:
        raise ValidationError({"reason": [_("Choose why the mentorship ends.")]})
    mentorship.status = MentorshipStatus.ENDED
    mentorship.closure_reason = reason
    mentorship.outcome_notes = outcome_notes.strip()
    mentorship.ended_on = ended_on or timezone.localdate()
    mentorship.save()
    audit_record(
        actor=actor, action="mentorship.close", target=mentorship, programme=mentorship.programme, reason=reason
    )
    return mentorship


def _require_mentor_or_coordinator(actor: User, mentorship: Mentorship) -> None:
    if mentorship.mentor.user_id != actor.pk and not can_coordinate(actor, mentorship.programme):
        raise PermissionDenied(_("Only the mentor or a coordinator of the programme may do this."))


# --- Sessions: each becomes an hours claim ---------------------------------------------------


def _clean_session(date, minutes, mode):
    errors = {}
    if mode not in SessionMode.values:
        errors["mode"] = [_("Choose how you met.")]
    if not isinstance(minutes, int) or not 0 < minutes <= 24 * 60:
        errors["minutes"] = [_("Give a time from 1 minute to 24 hours.")]
    if not isinstance(date, dt.date):
        errors["date"] = [_("Enter the date of the session.")]
    elif date > timezone.localdate():
        errors["date"] = [_("The date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def session_log(
    *,
    actor: User,
    mentorship: Mentorship,
    date: dt.date,
    minutes: int,
    mode: str,
    notes: str = "",
    next_steps: str = "",
    idempotency_key: str | None = None,
) -> MentoringSession:
    """Log a session; its time becomes an hours claim for the mentor under the programme's
    approval rules. With an `idempotency_key` (the API's header, the form's token) a retry
    returns the first session, and the same key for another session
    raises IdempotencyConflict. The key is the sender's in the mentorship's programme only."""
    _require_mentor_or_coordinator(actor, mentorship)
    notes, next_steps = notes.strip(), next_steps.strip()
    request = idempotent_request(
        actor=actor,
        operation="mentoring.session",
        key=idempotency_key,
        programme=mentorship.programme,
        request={
            "mentorship": mentorship.pk,
            "date": date,
            "minutes": minutes,
            "mode": mode,
            "notes": notes,
            "next_steps": next_steps,
        },
    )
    if request.replayed:
        return request.result(MentoringSession)
    if mentorship.status == MentorshipStatus.ENDED:
        raise ValidationError({"mentorship": [_("This mentorship has ended.")]})
    _clean_session(date, minutes, mode)
    claim = claim_log(
        actor=actor,
        volunteer=mentorship.mentor,
        activity=mentorship.activity,
        date=date,
        minutes=minutes,
        note=_("Mentoring session"),
        # Names the session's claim, never the client's key: keys belong to their sender.
        source_ref=f"mentoring-session:{uuid.uuid4().hex}",
        source=ClaimSource.MENTORING,
    )
    session = MentoringSession.objects.create(
        mentorship=mentorship,
        date=date,
        minutes=minutes,
        mode=mode,
        notes=notes,
        next_steps=next_steps,
        claim=claim,
        recorded_by=actor,
    )
    audit_record(actor=actor, action="session.log", target=session, programme=mentorship.programme)
    return request.finish(session)


@transaction.atomic
def session_update(
    *, actor: User, session: MentoringSession, date: dt.date, minutes: int, mode: str, notes: str, next_steps: str
) -> MentoringSession:
    """Edit a session. Its claim follows while it is pending; once decided, the date and time
    can no longer change (ValidationError) and the notes still can. Never a second claim."""
    session = (
        MentoringSession.objects.select_for_update(no_key=True).select_related("mentorship", "claim").get(pk=session.pk)
    )
    _require_mentor_or_coordinator(actor, session.mentorship)
    _clean_session(date, minutes, mode)
    claim_amend(actor=actor, claim=session.claim, date=date, minutes=minutes, note=session.claim.note)
    session.date, session.minutes, session.mode = date, minutes, mode
    session.notes, session.next_steps = notes.strip(), next_steps.strip()
    session.save()
    audit_record(actor=actor, action="session.update", target=session, programme=session.mentorship.programme)
    return session


# --- Goals ------------------------------------------------------------------------------------


@transaction.atomic
def goal_create(
    *,
    actor: User,
    mentorship: Mentorship,
    domain: str,
    description: str,
    levels: dict,
    baseline_level: int = -1,
    weight: int = 1,
) -> Goal:
    """A goal agreed with the person, with its five levels described in words."""
    _require_mentor_or_coordinator(actor, mentorship)
    errors = {}
    if domain not in GoalDomain.values:
        errors["domain"] = [_("Choose a domain.")]
    if not description.strip():
        errors["description"] = [_("Describe the goal in the person's words.")]
    cleaned = {str(level): str(levels.get(str(level), levels.get(level, ""))).strip() for level in LEVELS}
    if not all(cleaned.values()):
        errors["levels"] = [_("Describe each of the five levels, from -2 to +2.")]
    if baseline_level not in LEVELS:
        errors["baseline_level"] = [_("The starting level is one of -2, -1, 0, +1, +2.")]
    if not isinstance(weight, int) or not 1 <= weight <= 10:
        errors["weight"] = [_("Give a weight from 1 to 10.")]
    if errors:
        raise ValidationError(errors)
    goal = Goal.objects.create(
        mentorship=mentorship,
        domain=domain,
        description=description.strip(),
        levels=cleaned,
        baseline_level=baseline_level,
        weight=weight,
        created_by=actor,
    )
    audit_record(actor=actor, action="goal.create", target=goal, programme=mentorship.programme)
    return goal


@transaction.atomic
def goal_review(
    *, actor: User, goal: Goal, level: int, reviewed_on: dt.date | None = None, note: str = "", status: str = ""
) -> GoalReview:
    """Record the level a goal reached; `status` marks it achieved or dropped."""
    _require_mentor_or_coordinator(actor, goal.mentorship)
    reviewed_on = reviewed_on or timezone.localdate()
    errors = {}
    if level not in LEVELS:
        errors["level"] = [_("The level is one of -2, -1, 0, +1, +2.")]
    if reviewed_on > timezone.localdate():
        errors["reviewed_on"] = [_("The date cannot be in the future.")]
    if status and status not in GoalStatus.values:
        errors["status"] = [_("Choose active, achieved or dropped.")]
    if goal.status != GoalStatus.ACTIVE:
        errors["goal"] = [_("This goal is no longer active.")]
    if errors:
        raise ValidationError(errors)
    review = GoalReview.objects.create(
        goal=goal, level=level, reviewed_on=reviewed_on, note=note.strip(), reviewed_by=actor
    )
    if status and status != goal.status:
        goal.status = status
        goal.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="goal.review",
        target=review,
        programme=goal.mentorship.programme,
        changes={"level": level, "status": status},
    )
    return review


@transaction.atomic
def check_in_record(*, actor: User, mentorship: Mentorship, note: str, date: dt.date | None = None) -> CheckIn:
    require_coordinator(actor, mentorship.programme)
    if not note.strip():
        raise ValidationError({"note": [_("Say what was discussed.")]})
    check_in = CheckIn.objects.create(
        mentorship=mentorship, date=date or timezone.localdate(), note=note.strip(), recorded_by=actor
    )
    audit_record(actor=actor, action="checkin.record", target=check_in, programme=mentorship.programme)
    return check_in


# --- Erasure ----------------------------------------------------------------------------------

ERASED = "—"


@transaction.atomic
def person_erase(*, actor: User, person: SupportedPerson, reason: str) -> SupportedPerson:
    """Pseudonymise a supported person at their request: every word about them goes (name,
    area, languages, household, notes, goal texts), while the dates, minutes, levels and
    weights stay, so the ledger (the mentor's credits) and the programme's figures (hours,
    goals set and achieved, T-scores) stay whole. Cannot be undone."""
    require_coordinator(actor, person.programme)
    if not reason.strip():
        raise ValidationError({"reason": [_("Record why the person's data is erased (their request, its date).")]})
    person = SupportedPerson.objects.select_for_update(no_key=True).get(pk=person.pk)
    if person.erased_at is not None:
        raise ValidationError({"person": [_("This person's data was already erased.")]})
    person.reference = _("Erased person %(id)d") % {"id": person.pk}
    person.languages, person.topics = [], []
    person.place_name, person.referral_source = "", ""
    person.latitude = person.longitude = person.referred_on = None
    person.erased_at = timezone.now()
    person.save()
    person.members.all().delete()
    person.risk_flags = []
    person.save(update_fields=["risk_flags"])
    person.consents.update(agreed_to=ERASED)
    mentorships = Mentorship.objects.filter(person=person)
    mentorships.update(outcome_notes="")
    MentoringSession.objects.filter(mentorship__in=mentorships).update(notes="", next_steps="")
    CheckIn.objects.filter(mentorship__in=mentorships).update(note=ERASED)
    goals = Goal.objects.filter(mentorship__in=mentorships)
    goals.update(description=ERASED, levels={str(level): ERASED for level in LEVELS})
    GoalReview.objects.filter(goal__in=goals).update(note="")
    audit_record(actor=actor, action="person.erase", target=person, programme=person.programme, reason=reason)
    return person


# --- The person's record ----------------------------------------------------------------------

RISK_FLAGS = ("risk_of_eviction", "rent_arrears", "debt", "domestic_abuse", "health", "isolation")


@transaction.atomic
def person_consent_record(
    *, actor: User, person: SupportedPerson, agreed_to: str, given_on: dt.date | None = None
) -> PersonConsent:
    require_coordinator(actor, person.programme)
    if not agreed_to.strip():
        raise ValidationError({"agreed_to": [_("Say what the person agreed to.")]})
    given_on = given_on or timezone.localdate()
    if given_on > timezone.localdate():
        raise ValidationError({"given_on": [_("The date cannot be in the future.")]})
    consent = PersonConsent.objects.create(
        person=person, agreed_to=agreed_to.strip(), given_on=given_on, recorded_by=actor
    )
    audit_record(actor=actor, action="person_consent.record", target=consent, programme=person.programme)
    return consent


@transaction.atomic
def person_consent_withdraw(*, actor: User, consent: PersonConsent) -> PersonConsent:
    require_coordinator(actor, consent.person.programme)
    consent = PersonConsent.objects.select_for_update(no_key=True).get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError({"consent": [_("This consent was already withdrawn.")]})
    consent.withdrawn_on, consent.withdrawn_by = timezone.localdate(), actor
    consent.save(update_fields=["withdrawn_on", "withdrawn_by"])
    audit_record(actor=actor, action="person_consent.withdraw", target=consent, programme=consent.person.programme)
    return consent


@transaction.atomic
def person_record_update(
    *, actor: User, person: SupportedPerson, risk_flags: list[str] | None = None, household: list[dict] | None = None
) -> SupportedPerson:
    """Set the person's risk flags and household (members given as {"label", "birth_year"})."""
    require_coordinator(actor, person.programme)
    errors = {}
    if risk_flags is not None and set(risk_flags) - set(RISK_FLAGS):
        errors["risk_flags"] = [
            _("Unknown risk flags: %(flags)s.") % {"flags": ", ".join(sorted(set(risk_flags) - set(RISK_FLAGS)))}
        ]
    if household is not None:
        for member in household:
            year = member.get("birth_year")
            if not str(member.get("label", "")).strip() or (year is not None and not 1900 <= int(year) <= 2100):
                errors["household"] = [_("Give each member a name or role, and a birth year between 1900 and 2100.")]
    if errors:
        raise ValidationError(errors)
    if risk_flags is not None:
        person.risk_flags = sorted(set(risk_flags))
        person.save(update_fields=["risk_flags"])
    if household is not None:
        person.members.all().delete()
        HouseholdMember.objects.bulk_create(
            [
                HouseholdMember(person=person, label=m["label"].strip(), birth_year=m.get("birth_year"))
                for m in household
            ]
        )
    audit_record(actor=actor, action="person.update", target=person, programme=person.programme)
    return person
