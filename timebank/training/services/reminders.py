"""Warnings before a training record or background check lapses."""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from timebank.accounts.models import Membership, MembershipStatus, Role, User
from timebank.accounts.services.audit import audit_record
from timebank.training.models import BackgroundCheck, ExpiryReminder, TrainingRecord

logger = logging.getLogger(__name__)


def _superseded(record) -> bool:
    """A renewal that lasts longer makes a warning about the old record pointless."""
    if isinstance(record, TrainingRecord):
        siblings = TrainingRecord.objects.filter(volunteer_id=record.volunteer_id, course_id=record.course_id)
    else:
        siblings = BackgroundCheck.objects.filter(volunteer_id=record.volunteer_id, check_type_id=record.check_type_id)
    return (
        siblings.exclude(pk=record.pk)
        .filter(verified_at__isnull=False)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gt=record.expires_on))
        .exists()
    )


def _programme_of(record):
    return record.course.programme if isinstance(record, TrainingRecord) else record.check_type.programme


def _still_volunteering(record, programme) -> bool:
    return (
        Membership.objects.filter(
            user_id=record.volunteer.user_id, programme=programme, role__in=(Role.VOLUNTEER, Role.MENTOR)
        )
        .exclude(status=MembershipStatus.LEFT)
        .exists()
    )


def _threshold(days_left: int, thresholds: list[int]) -> int | None:
    """The nearest threshold reached: with 20 days left that is 30; with 6 days left, 7."""
    reached = [t for t in thresholds if days_left <= t]
    return min(reached) if reached else None


def qualification_reminders_send(*, today: dt.date | None = None) -> int:
    """Warn volunteers and their coordinators of records lapsing within a threshold.

    Each (record, threshold) is warned once: the ExpiryReminder row is the
    guard, and its unique constraint makes a second or concurrent run a no-op.
    Mail goes out only after the row is committed, and the row is marked sent
    only once the mail went out: a failed send is logged, does not stop the
    run, and is tried again by the next run while the warning still applies.
    Returns the number of warnings written by this run.
    """
    today = today or timezone.localdate()
    thresholds = sorted(settings.QUALIFICATION_REMINDER_DAYS)
    horizon = today + dt.timedelta(days=max(thresholds))
    candidates = [
        *TrainingRecord.objects.filter(verified_at__isnull=False, expires_on__gt=today, expires_on__lte=horizon)
        .select_related("course__programme", "volunteer__user")
        .order_by("pk"),
        *BackgroundCheck.objects.filter(verified_at__isnull=False, expires_on__gt=today, expires_on__lte=horizon)
        .select_related("check_type__programme", "volunteer__user")
        .order_by("pk"),
    ]
    sent = 0
    for record in candidates:
        threshold = _threshold((record.expires_on - today).days, thresholds)
        if threshold is None or _superseded(record):
            continue
        programme = _programme_of(record)
        if not _still_volunteering(record, programme):
            continue
        if _remind_once(record, threshold, programme):
            sent += 1
    transaction.on_commit(lambda: _deliver_unsent(today, thresholds))
    return sent


def _remind_once(record, threshold: int, programme) -> bool:
    field = "training_record" if isinstance(record, TrainingRecord) else "background_check"
    try:
        with transaction.atomic():
            ExpiryReminder.objects.create(**{field: record, "days_before": threshold})
            audit_record(
                actor=None,
                action="qualification.reminder",
                target=record,
                programme=programme,
                changes={"days_before": threshold, "expires_on": record.expires_on},
            )
    except IntegrityError:
        # Another run wrote this reminder first: it has been (or is being) sent.
        return False
    return True


def _deliver_unsent(today: dt.date, thresholds: list[int]) -> None:
    """Send every reminder not sent yet whose warning still applies today: the ones
    this run wrote, and the ones an earlier run failed to send."""
    unsent = ExpiryReminder.objects.filter(
        Q(training_record__expires_on__gt=today) | Q(background_check__expires_on__gt=today), sent_at__isnull=True
    ).select_related(
        "training_record__course__programme",
        "training_record__volunteer__user",
        "background_check__check_type__programme",
        "background_check__volunteer__user",
    )
    for reminder in unsent.order_by("pk"):
        record = reminder.training_record or reminder.background_check
        programme = _programme_of(record)
        # Once a nearer threshold is reached, or a renewal or leaving made it moot, this warning is stale.
        if _threshold((record.expires_on - today).days, thresholds) != reminder.days_before:
            continue
        if _superseded(record) or not _still_volunteering(record, programme):
            continue
        # Claimed by a conditional update, so two runs at once cannot both send it;
        # released again if the mail fails.
        claimed_at = timezone.now()
        if not ExpiryReminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(sent_at=claimed_at):
            continue
        try:
            _send_mails(record, reminder.days_before, programme)
        except Exception:
            logger.exception("Could not send reminder %s; the next run tries again", reminder.pk)
            ExpiryReminder.objects.filter(pk=reminder.pk, sent_at=claimed_at).update(sent_at=None)


def _send_mails(record, threshold: int, programme) -> None:
    volunteer = record.volunteer
    what = str(getattr(record, "course", None) or record.check_type)
    if volunteer.user.email:
        with translation.override(volunteer.preferred_language or settings.LANGUAGE_CODE):
            send_mail(
                _("Your %(what)s expires on %(date)s") % {"what": what, "date": record.expires_on.isoformat()},
                _(
                    "Hello %(name)s,\n\nYour %(what)s for %(programme)s expires on %(date)s. "
                    "Please talk to your coordinator about renewing it, so you can keep volunteering.\n"
                )
                % {
                    "name": volunteer.display_name,
                    "what": what,
                    "programme": programme,
                    "date": record.expires_on.isoformat(),
                },
                None,
                [volunteer.user.email],
            )
    # One filter() call, so programme, role and status are conditions on the same membership.
    coordinators = User.objects.filter(
        memberships__programme=programme,
        memberships__role=Role.COORDINATOR,
        memberships__status__in=[s for s in MembershipStatus.values if s != MembershipStatus.LEFT],
        is_active=True,
    ).exclude(email="")
    emails = sorted({c.email for c in coordinators})
    # In the site's language, whatever language the thread was left in (a page request may have switched it).
    if emails:
        with translation.override(settings.LANGUAGE_CODE):
            send_mail(
                _("%(name)s: %(what)s expires on %(date)s")
                % {"name": volunteer.display_name, "what": what, "date": record.expires_on.isoformat()},
                _(
                    "%(name)s (%(number)s) holds a %(what)s for %(programme)s that expires on %(date)s "
                    "(in %(days)s days or fewer).\n"
                )
                % {
                    "name": volunteer.display_name,
                    "number": volunteer.membership_number,
                    "what": what,
                    "programme": programme,
                    "date": record.expires_on.isoformat(),
                    "days": threshold,
                },
                None,
                emails,
            )
    logger.info("Reminded about %s of volunteer %s (%s days)", what, volunteer.pk, threshold)
