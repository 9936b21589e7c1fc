"""Writes of the mentoring app. This step holds what a mentoring need requires: the
supported person's record (the minimum) and their request for a mentor, which
becomes a matching need."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.models import Need, Topic
from matching.services import mentoring_need_create
from mentoring.models import MentoringRequest, SupportedKind, SupportedPerson
from timebank.core.dates import add_months
from timebank.core.models import Programme, User
from timebank.core.permissions import require_coordinator
from timebank.core.services.audit import audit_record


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
    return need
