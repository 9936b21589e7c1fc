"""Activities a programme credits, and their sessions (the March tenants' meeting).

An activity says how its claims are credited (the time given, or a fixed credit)
and up to what length they are approved at once; claims and the attendance
register (services.claims, services.attendance) follow those rules. Every refusal
is a ValidationError naming the field (or PermissionDenied) raised before
anything is written.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from timebank.accounts.models import Programme, User
from timebank.accounts.permissions import require_coordinator
from timebank.accounts.services.audit import audit_record
from timebank.accounts.services.idempotency import idempotent_request
from timebank.common.durations import within_a_day
from timebank.earning.models import Activity, ActivitySession, CreditRule


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
        if not within_a_day(fixed_minutes):
            errors["fixed_minutes"] = [_("Give a fixed credit from 1 minute to 24 hours.")]
    elif fixed_minutes is not None:
        errors["fixed_minutes"] = [_("Only activities credited a fixed number of credits have a fixed credit.")]
    if auto_approve_max_minutes is None:
        auto_approve_max_minutes = programme.auto_approve_max_minutes
    if not within_a_day(auto_approve_max_minutes, allow_zero=True):
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
    *,
    actor: User,
    activity: Activity,
    date: dt.date,
    duration_minutes: int,
    title: str = "",
    idempotency_key: str | None = None,
) -> ActivitySession:
    """Add an occurrence of an activity (the March tenants' meeting). It may lie in the
    future; claims and attendance for it are accepted once its day has come. With an
    `idempotency_key`, a retry returns the session first added."""
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
    if not within_a_day(duration_minutes):
        errors["duration_minutes"] = [_("Give a duration from 1 minute to 24 hours.")]
    if len(title) > 200:
        errors["title"] = [_("Use 200 characters or fewer.")]
    if errors:
        raise ValidationError(errors)
    request = idempotent_request(
        actor=actor,
        operation="activity_session.create",
        key=idempotency_key,
        programme=programme,
        request={"activity": activity.pk, "date": date, "duration_minutes": duration_minutes, "title": title},
    )
    if request.replayed:
        return request.result(ActivitySession)
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
    return request.finish(session)
