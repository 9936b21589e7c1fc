"""The beat task's work: flag mentorships with no session for MENTORSHIP_QUIET_DAYS days,
or past their planned end, once per occasion, and tell the programme's coordinators.

An occasion is the date the mentorship went quiet from (its last session, or its start) or
its planned end: a new session starts a new occasion, so a mentorship that goes quiet
again is flagged again. The mails are sent after the alerts commit; a run that finds
every alert written already sends nothing."""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.models import AlertKind, Mentorship, MentorshipAlert, MentorshipStatus
from timebank.accounts.models import Membership, MembershipStatus, Role

logger = logging.getLogger(__name__)


def alert_occasions(mentorship, last_session: dt.date | None, today: dt.date) -> list[tuple[str, dt.date]]:
    """What is to flag about an active mentorship today, as (kind, occasion): the rule the
    beat task and the coordinator's list share."""
    if mentorship.status != MentorshipStatus.ACTIVE:
        return []
    since = last_session or mentorship.starts_on
    occasions = []
    if (today - since).days > settings.MENTORSHIP_QUIET_DAYS:
        occasions.append((AlertKind.QUIET, since))
    if today > mentorship.planned_end_on:
        occasions.append((AlertKind.OVERDUE, mentorship.planned_end_on))
    return occasions


def mentorship_alerts_raise(*, today: dt.date | None = None) -> list[MentorshipAlert]:
    today = today or timezone.localdate()
    raised = []
    mentorships = Mentorship.objects.filter(status=MentorshipStatus.ACTIVE).annotate(last=Max("sessions__date"))
    for mentorship in mentorships.select_related("person", "mentor", "programme"):
        for kind, occasion in alert_occasions(mentorship, mentorship.last, today):
            try:
                with transaction.atomic():
                    alert = MentorshipAlert.objects.create(mentorship=mentorship, kind=kind, occasion=occasion)
            except IntegrityError:
                continue  # raised already, by an earlier run or one running now
            raised.append(alert)
            transaction.on_commit(lambda alert=alert: _tell_coordinators(alert))
    return raised


def _tell_coordinators(alert: MentorshipAlert) -> None:
    mentorship = alert.mentorship
    emails = list(
        Membership.objects.filter(programme=mentorship.programme, role=Role.COORDINATOR)
        .exclude(status=MembershipStatus.LEFT)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    if not emails:
        return
    if alert.kind == AlertKind.QUIET:
        body = _("%(mentor)s has had no session with %(person)s since %(date)s.")
    else:
        body = _("The mentorship of %(mentor)s with %(person)s was planned to end on %(date)s.")
    values = {
        "mentor": mentorship.mentor.display_name,
        "person": mentorship.person.reference,
        "date": alert.occasion.isoformat(),
    }
    try:
        send_mail(_("Mentorship to look at: %(person)s") % values, body % values, None, emails)
    except Exception:
        logger.exception("Could not send mentorship alert %s", alert.pk)
