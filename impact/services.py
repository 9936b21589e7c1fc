"""Writes for impact statements: what coordinators enter, and asking for and building a
statement. Each validates, changes, and writes its audit entry in one transaction."""

import datetime as dt
import math
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from djmoney.money import Money

from impact.models import (
    CostCategory,
    ImpactNarrative,
    OutcomeBasis,
    OutcomeRecord,
    OutcomeValue,
    ProgrammeCost,
    StatementRequest,
)
from impact.selectors import reportable_programmes
from impact.tasks import build_statement
from timebank.accounts.models import Programme, Role, User
from timebank.accounts.permissions import is_admin, programme_ids_with_role, require_coordinator
from timebank.accounts.services.audit import audit_record
from timebank.accounts.services.idempotency import idempotent_request

# A statement covers at most this many days: the figures of longer periods are better
# read as several statements side by side.
LONGEST_PERIOD_DAYS = 3 * 366


class RateLimited(Exception):
    """Too many statements asked for recently; `wait` is the seconds until the next may be."""

    def __init__(self, message: str, wait: int):
        super().__init__(message)
        self.message = message
        self.wait = wait


# --- What coordinators enter ------------------------------------------------------------


def _money_in_programme_currency(programme: Programme, amount, field: str) -> Money:
    try:
        value = Money(amount, programme.currency)
    except Exception as exc:  # decimal.InvalidOperation and friends: not a number
        raise ValidationError({field: _("Enter an amount such as 1250.00.")}) from exc
    if value.amount <= 0:
        raise ValidationError({field: _("The amount must be more than zero.")})
    if value.amount.as_tuple().exponent < -2:
        raise ValidationError({field: _("Give the amount to the cent at most.")})
    return value


def cost_add(
    *, actor: User, programme: Programme, category: str, description: str, incurred_on: dt.date, amount
) -> ProgrammeCost:
    """A cost in the programme's currency. Raises PermissionDenied for anyone but its
    coordinators, ValidationError naming the field for a bad value."""
    require_coordinator(actor, programme)
    if category not in CostCategory.values:
        raise ValidationError({"category": _("Choose one of the categories.")})
    if not description.strip():
        raise ValidationError({"description": _("Say what the money was spent on.")})
    value = _money_in_programme_currency(programme, amount, "amount")
    with transaction.atomic():
        cost = ProgrammeCost.objects.create(
            programme=programme,
            category=category,
            description=description.strip(),
            incurred_on=incurred_on,
            amount=value,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="impact.cost_add",
            target=cost,
            programme=programme,
            changes={"category": category, "amount": str(value.amount), "incurred_on": incurred_on},
        )
    return cost


def outcome_value_add(
    *,
    actor: User,
    programme: Programme,
    name: str,
    basis: str,
    unit_value,
    source: str,
    deadweight_percent: int = 0,
    attribution_percent: int = 0,
) -> OutcomeValue:
    """An estimated saving per outcome, with where the figure comes from."""
    require_coordinator(actor, programme)
    errors = {}
    if not name.strip():
        errors["name"] = _("Name the outcome, for example “Eviction avoided”.")
    elif OutcomeValue.objects.filter(programme=programme, name=name.strip()).exists():
        errors["name"] = _("The programme already has an outcome of this name.")
    if basis not in OutcomeBasis.values:
        errors["basis"] = _("Choose how the outcome is counted.")
    if not source.strip():
        errors["source"] = _("Say where the saving per outcome comes from, so a reader can check it.")
    for field, value in (("deadweight_percent", deadweight_percent), ("attribution_percent", attribution_percent)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            errors[field] = _("Enter a whole percentage from 0 to 100.")
    if errors:
        raise ValidationError(errors)
    value = _money_in_programme_currency(programme, unit_value, "unit_value")
    with transaction.atomic():
        outcome = OutcomeValue.objects.create(
            programme=programme,
            name=name.strip(),
            basis=basis,
            unit_value=value,
            source=source.strip(),
            deadweight_percent=deadweight_percent,
            attribution_percent=attribution_percent,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action="impact.outcome_value_add",
            target=outcome,
            programme=programme,
            changes={"name": outcome.name, "unit_value": str(value.amount), "basis": basis},
        )
    return outcome


def outcome_record(*, actor: User, outcome: OutcomeValue, occurred_on: dt.date, count: int) -> OutcomeRecord:
    """Record that a recorded outcome happened `count` times on a date (no names)."""
    require_coordinator(actor, outcome.programme)
    if outcome.basis != OutcomeBasis.RECORDED:
        raise ValidationError(
            {"outcome": _("This outcome is counted from the programme's records; it cannot be entered by hand.")}
        )
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ValidationError({"count": _("Enter how many times, 1 or more.")})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("The date cannot be in the future.")})
    with transaction.atomic():
        record = OutcomeRecord.objects.create(outcome=outcome, occurred_on=occurred_on, count=count, created_by=actor)
        audit_record(
            actor=actor,
            action="impact.outcome_record",
            target=record,
            programme=outcome.programme,
            changes={"outcome": outcome.name, "count": count, "occurred_on": occurred_on},
        )
    return record


def narrative_save(
    *, actor: User, programme: Programme, start: dt.date, end: dt.date, narrative: str, case_study: str = ""
) -> ImpactNarrative:
    """The coordinators' narrative and case study for a period; saving the same period again replaces it."""
    require_coordinator(actor, programme)
    errors = {}
    if end < start:
        errors["end"] = _("The end of the period must not be before its start.")
    if not narrative.strip():
        errors["narrative"] = _("Write a few sentences about what happened in the period.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        saved, created = ImpactNarrative.objects.update_or_create(
            programme=programme,
            start=start,
            end=end,
            defaults={"narrative": narrative.strip(), "case_study": case_study.strip(), "updated_by": actor},
        )
        audit_record(
            actor=actor,
            action="impact.narrative_save",
            target=saved,
            programme=programme,
            changes={"start": start, "end": end, "created": created},
        )
    return saved


# --- Asking for a statement ---------------------------------------------------------------


def statement_request(
    *,
    actor: User,
    programmes: list[Programme],
    start: dt.date,
    end: dt.date,
    include_demographics: bool = False,
    idempotency_key: str | None = None,
) -> StatementRequest:
    """Ask for a statement of `programmes` from `start` to `end`; a Celery task builds it
    after the commit. Funders may ask only of the programmes they fund, coordinators of
    theirs (their statements say they are previews).

    Raises PermissionDenied, ValidationError naming the field, or RateLimited when the
    person asked for IMPACT_REQUESTS_PER_HOUR statements in the last hour. A retry with
    the same `idempotency_key` returns the first request, and does not count towards the
    limit; the same key for another statement raises IdempotencyConflict. The key belongs
    to its programme when the statement is of one, to the person alone when of several."""
    programmes = sorted(set(programmes), key=lambda p: p.pk)
    if not programmes:
        raise ValidationError({"programmes": _("Choose at least one programme.")})
    allowed = set(reportable_programmes(actor).values_list("pk", flat=True))
    if any(p.pk not in allowed for p in programmes):
        raise PermissionDenied(_("You may ask for statements only of the programmes you fund or coordinate."))
    errors = {}
    if end < start:
        errors["end"] = _("The end of the period must not be before its start.")
    elif (end - start).days + 1 > LONGEST_PERIOD_DAYS:
        errors["end"] = _("A statement covers at most three years; ask for several.")
    if end > timezone.localdate():
        errors["end"] = _("The period cannot end after today.")
    if errors:
        raise ValidationError(errors)

    limit = settings.IMPACT_REQUESTS_PER_HOUR
    with transaction.atomic():
        asked = idempotent_request(
            actor=actor,
            operation="impact.statement",
            key=idempotency_key,
            programme=programmes[0] if len(programmes) == 1 else None,
            request={
                "programmes": [p.pk for p in programmes],
                "start": start,
                "end": end,
                "include_demographics": include_demographics,
            },
        )
        if asked.replayed:
            return asked.result(StatementRequest)
        # The person's own rows, locked, so two requests at once cannot both slip under the limit.
        since = timezone.now() - timedelta(hours=1)
        recent = list(
            StatementRequest.objects.select_for_update(no_key=True)
            .filter(requested_by=actor, requested_at__gte=since)
            .order_by("requested_at")
            .values_list("requested_at", flat=True)
        )
        if len(recent) >= limit:
            wait = max(1, math.ceil((recent[0] + timedelta(hours=1) - timezone.now()).total_seconds()))
            raise RateLimited(
                _("You asked for %(limit)s statements in the last hour; try again in %(minutes)s minutes.")
                % {"limit": limit, "minutes": max(1, wait // 60)},
                wait=wait,
            )
        request = StatementRequest.objects.create(
            requested_by=actor,
            start=start,
            end=end,
            include_demographics=include_demographics,
            prepared_for=_prepared_for(actor, programmes),
        )
        request.programmes.set(programmes)
        audit_record(
            actor=actor,
            action="impact.statement_request",
            target=request,
            programme=programmes[0] if len(programmes) == 1 else None,
            changes={"programmes": [p.slug for p in programmes], "start": start, "end": end},
        )
        transaction.on_commit(lambda: build_statement.delay(request.pk))
        return asked.finish(request)


def _prepared_for(actor: User, programmes: list[Programme]) -> str:
    name = actor.get_full_name() or actor.get_username()
    funded = programme_ids_with_role(actor, Role.FUNDER)
    if not is_admin(actor) and all(p.pk in funded for p in programmes):
        return name
    return _("Preview for the coordinators (%(name)s)") % {"name": name}
