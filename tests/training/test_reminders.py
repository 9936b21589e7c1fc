"""Reminders before a qualification lapses: 30 and 7 days before, once per record and threshold.

Worked example: Vera's first aid, completed on 15 March 2023 and valid 36 months,
expires on 15 March 2026; 13 February 2026 is 30 days before, 8 March 7 days.
"""

import datetime as dt
import smtplib
import uuid

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connections
from django.utils import translation
from django.utils.translation import gettext as _

from timebank.accounts.models import AuditEntry, Membership, MembershipStatus, Role
from timebank.accounts.services.people import membership_status_change
from timebank.accounts.services.programmes import account_create, membership_grant
from timebank.celery import app as celery_app
from timebank.training.models import ExpiryReminder
from timebank.training.services.records import background_check_add, training_record_add
from timebank.training.services.reminders import qualification_reminders_send
from timebank.training.tasks import send_qualification_reminders
from timebank.volunteers.services.profiles import volunteer_register, volunteer_update

D = dt.date
EXPIRES = D(2026, 3, 15)
THIRTY_DAYS_BEFORE, SEVEN_DAYS_BEFORE = D(2026, 2, 13), D(2026, 3, 8)


@pytest.fixture
def first_aid(coordinator, volunteer, catalogue):
    record = training_record_add(
        actor=coordinator, volunteer=volunteer, course=catalogue["first_aid"], completed_on=D(2023, 3, 15), verify=True
    )
    assert record.expires_on == EXPIRES
    return record


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run the reminders as the beat task would, letting the mails queued on commit go out."""

    def run_on(today: dt.date) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return qualification_reminders_send(today=today)

    return run_on


def reminders():
    return sorted((r.training_record_id or r.background_check_id, r.days_before) for r in ExpiryReminder.objects.all())


def reminder_audits():
    return AuditEntry.objects.filter(action="qualification.reminder").count()


def test_thirty_days_before_the_volunteer_and_the_coordinators_are_warned(run, first_aid, volunteer):
    assert run(THIRTY_DAYS_BEFORE) == 1

    assert reminders() == [(first_aid.pk, 30)]
    to_volunteer, to_coordinators = mail.outbox
    assert to_volunteer.to == ["vera@example.org"]
    assert to_volunteer.subject == "Your First aid expires on 2026-03-15"
    assert "Tenants' time credits" in to_volunteer.body
    assert to_coordinators.to == ["coordinator@example.org"]
    assert to_coordinators.subject == "Vera Volunteer: First aid expires on 2026-03-15"
    assert volunteer.membership_number in to_coordinators.body
    entry = AuditEntry.objects.get(action="qualification.reminder")
    assert (entry.actor, entry.target_type, entry.target_id) == (None, "training.trainingrecord", first_aid.pk)
    assert entry.changes == {"days_before": 30, "expires_on": "2026-03-15"}


def test_running_twice_sends_nothing_more(run, first_aid):
    assert run(THIRTY_DAYS_BEFORE) == 1
    outbox, rows, audits = len(mail.outbox), reminders(), reminder_audits()

    assert run(THIRTY_DAYS_BEFORE) == 0
    assert run(THIRTY_DAYS_BEFORE + dt.timedelta(days=1)) == 0, "the next day is still inside the 30-day warning"

    assert (len(mail.outbox), reminders(), reminder_audits()) == (outbox, rows, audits) == (2, [(first_aid.pk, 30)], 1)


def test_the_seven_day_warning_follows_the_thirty_day_one(run, first_aid):
    assert run(D(2026, 2, 12)) == 0, "31 days before: too early"
    assert run(THIRTY_DAYS_BEFORE) == 1
    assert run(D(2026, 3, 7)) == 0, "8 days before: the 30-day warning has gone already"
    assert run(SEVEN_DAYS_BEFORE) == 1
    assert run(D(2026, 3, 14)) == 0
    assert run(EXPIRES) == 0, "on the expiry day there is nothing left to warn about"

    assert reminders() == [(first_aid.pk, 7), (first_aid.pk, 30)]
    assert len(mail.outbox) == 4
    assert reminder_audits() == 2


def test_a_record_first_seen_inside_seven_days_gets_only_the_seven_day_warning(run, first_aid):
    assert run(D(2026, 3, 10)) == 1
    assert run(D(2026, 3, 11)) == 0
    assert reminders() == [(first_aid.pk, 7)]


def test_volunteer_is_written_to_in_their_preferred_language(run, first_aid, volunteer, coordinator):
    volunteer_update(actor=volunteer.user, volunteer=volunteer, preferred_language="fr")
    run(THIRTY_DAYS_BEFORE)

    to_volunteer, to_coordinators = mail.outbox
    values = {"what": "First aid", "date": "2026-03-15"}
    with translation.override("fr"):
        assert to_volunteer.subject == _("Your %(what)s expires on %(date)s") % values
    with translation.override("en"):
        assert to_coordinators.subject == _("%(name)s: %(what)s expires on %(date)s") % {
            "name": "Vera Volunteer",
            **values,
        }


def test_a_verified_renewal_silences_the_warning(run, first_aid, coordinator, volunteer, catalogue):
    training_record_add(
        actor=coordinator, volunteer=volunteer, course=catalogue["first_aid"], completed_on=D(2026, 1, 10), verify=True
    )
    assert run(THIRTY_DAYS_BEFORE) == 0
    assert (reminders(), mail.outbox, reminder_audits()) == ([], [], 0)


def test_an_unverified_renewal_does_not_silence_the_warning(run, first_aid, volunteer, catalogue):
    training_record_add(
        actor=volunteer.user, volunteer=volunteer, course=catalogue["first_aid"], completed_on=D(2026, 1, 10)
    )
    assert run(THIRTY_DAYS_BEFORE) == 1
    assert reminders() == [(first_aid.pk, 30)]


def test_unverified_records_are_not_warned_about(run, volunteer, catalogue):
    training_record_add(
        actor=volunteer.user, volunteer=volunteer, course=catalogue["first_aid"], completed_on=D(2023, 3, 15)
    )
    assert run(THIRTY_DAYS_BEFORE) == 0
    assert (reminders(), mail.outbox) == ([], [])


def test_volunteers_who_left_are_not_warned(run, first_aid, coordinator, volunteer, programme):
    membership = Membership.objects.get(user=volunteer.user, programme=programme, role=Role.VOLUNTEER)
    membership_status_change(actor=coordinator, membership=membership, status=MembershipStatus.LEFT)
    assert run(THIRTY_DAYS_BEFORE) == 0
    assert (reminders(), mail.outbox) == ([], [])


def test_coordinators_who_left_are_not_written_to(run, first_aid, admin, programme):
    former = account_create(
        actor=admin,
        username="former",
        password="correct-horse-battery-42",
        full_name="Former",
        email="former@example.org",
    )
    membership = membership_grant(actor=admin, user=former, programme=programme, role=Role.COORDINATOR)
    membership_status_change(actor=admin, membership=membership, status=MembershipStatus.LEFT)
    run(THIRTY_DAYS_BEFORE)
    assert mail.outbox[1].to == ["coordinator@example.org"]


def test_only_coordinators_of_the_programme_are_written_to(
    run, first_aid, partner, funder, other_programme_coordinator, admin, programme
):
    second = account_create(
        actor=admin,
        username="second",
        password="correct-horse-battery-42",
        full_name="Sec Ond",
        email="second@example.org",
    )
    membership_grant(actor=admin, user=second, programme=programme, role=Role.COORDINATOR)
    run(THIRTY_DAYS_BEFORE)
    assert len(mail.outbox) == 2, "one e-mail to the volunteer and one to the programme's coordinators"
    assert mail.outbox[1].to == ["coordinator@example.org", "second@example.org"]


def test_person_without_email_is_warned_through_their_coordinator(run, coordinator, programme, catalogue):
    tenant = volunteer_register(
        actor=coordinator, programme=programme, full_name="Tom Tenant", status="active", consent_to_record=True
    )
    training_record_add(
        actor=coordinator, volunteer=tenant, course=catalogue["first_aid"], completed_on=D(2023, 3, 15), verify=True
    )
    assert run(THIRTY_DAYS_BEFORE) == 1
    (to_coordinators,) = mail.outbox
    assert to_coordinators.to == ["coordinator@example.org"]
    assert tenant.membership_number in to_coordinators.body


def test_background_checks_are_warned_about_too(run, coordinator, mentor, catalogue):
    check = background_check_add(
        actor=coordinator,
        volunteer=mentor,
        check_type=catalogue["dbs"],
        issued_on=D(2024, 1, 10),
        expires_on=D(2026, 3, 1),
        verify=True,
    )
    assert run(D(2026, 2, 22)) == 1
    assert reminders() == [(check.pk, 7)]
    assert mail.outbox[0].to == ["mehmet@example.org"]
    assert mail.outbox[0].subject == "Your Enhanced DBS expires on 2026-03-01"
    assert AuditEntry.objects.get(action="qualification.reminder").target_type == "training.backgroundcheck"


@pytest.fixture
def celery_eager():
    """The task through Celery, in this process. Without a broker that is how the
    settings configure Celery already; with one (the PostgreSQL + Redis run) this
    test still runs in-process, and the broker test below covers the real worker."""
    previous = celery_app.conf.task_always_eager
    if django_settings.CELERY_BROKER_URL:
        celery_app.conf.task_always_eager = True
    assert celery_app.conf.task_always_eager
    yield
    celery_app.conf.task_always_eager = previous


def test_the_beat_task_runs_through_celery(celery_eager, django_capture_on_commit_callbacks, first_aid):
    with django_capture_on_commit_callbacks(execute=True):
        result = send_qualification_reminders.delay(THIRTY_DAYS_BEFORE.isoformat())
    assert result.get() == 1
    with django_capture_on_commit_callbacks(execute=True):
        again = send_qualification_reminders.delay(THIRTY_DAYS_BEFORE.isoformat())
    assert again.get() == 0
    assert (reminders(), len(mail.outbox)) == ([(first_aid.pk, 30)], 2)


def test_the_beat_schedule_names_the_task():
    entry = django_settings.CELERY_BEAT_SCHEDULE["qualification-expiry-reminders"]
    assert entry["task"] == send_qualification_reminders.name


@pytest.mark.broker
def test_a_real_worker_sends_reminders_through_the_broker(transactional_db, first_aid):
    if not django_settings.CELERY_BROKER_URL:
        pytest.skip("no CELERY_BROKER_URL: Celery runs eagerly, there is no broker to send the task through")
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    # The worker thread opens its own database connection; close it when the task
    # ends, so the test database can be flushed and dropped after the test.
    def close_connections(**kwargs):
        connections.close_all()

    task_postrun.connect(close_connections, weak=False)
    # A queue of our own, so a worker of another test run on the same Redis cannot take the task.
    queue = f"test-reminders-{uuid.uuid4().hex[:8]}"
    try:
        with start_worker(celery_app, perform_ping_check=False, queues=[queue], shutdown_timeout=30):
            result = send_qualification_reminders.apply_async(args=[THIRTY_DAYS_BEFORE.isoformat()], queue=queue)
            assert result.get(timeout=30) == 1
            again = send_qualification_reminders.apply_async(args=[THIRTY_DAYS_BEFORE.isoformat()], queue=queue)
            assert again.get(timeout=30) == 0
    finally:
        task_postrun.disconnect(close_connections)

    assert reminders() == [(first_aid.pk, 30)]
    assert reminder_audits() == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["coordinator@example.org", "vera@example.org"]


class FailingOnceBackend(locmem.EmailBackend):
    """The outbox of the tests, behind a mail server that drops the first message it is given."""

    failures_left = 0

    def send_messages(self, messages):
        if FailingOnceBackend.failures_left:
            FailingOnceBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def mail_fails_once(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FailingOnceBackend"
    FailingOnceBackend.failures_left = 1
    yield
    FailingOnceBackend.failures_left = 0


def unsent():
    return sorted(r.training_record_id or r.background_check_id for r in ExpiryReminder.objects.filter(sent_at=None))


def test_a_reminder_whose_mail_failed_goes_out_with_the_next_run(
    run, mail_fails_once, caplog, first_aid, coordinator, mentor, catalogue
):
    dbs = background_check_add(
        actor=coordinator,
        volunteer=mentor,
        check_type=catalogue["dbs"],
        issued_on=D(2024, 1, 10),
        expires_on=D(2026, 3, 1),
        verify=True,
    )

    assert run(THIRTY_DAYS_BEFORE) == 2, "both warnings are written"
    assert [m.to for m in mail.outbox] == [["mehmet@example.org"], ["coordinator@example.org"]], (
        "Vera's mail failed; the run went on to Mehmet's"
    )
    assert unsent() == [first_aid.pk]
    assert "Could not send reminder" in caplog.text

    assert run(THIRTY_DAYS_BEFORE + dt.timedelta(days=1)) == 0, "no new warning to write"
    assert [m.to for m in mail.outbox[2:]] == [["vera@example.org"], ["coordinator@example.org"]]
    assert unsent() == []

    assert run(THIRTY_DAYS_BEFORE + dt.timedelta(days=2)) == 0
    assert len(mail.outbox) == 4
    assert reminders() == sorted([(first_aid.pk, 30), (dbs.pk, 30)])
    assert reminder_audits() == 2


def test_a_failed_reminder_that_no_longer_applies_is_not_sent(run, mail_fails_once, first_aid):
    assert run(THIRTY_DAYS_BEFORE) == 1
    assert (mail.outbox, unsent()) == ([], [first_aid.pk])

    assert run(SEVEN_DAYS_BEFORE) == 1
    assert [m.subject for m in mail.outbox] == [
        "Your First aid expires on 2026-03-15",
        "Vera Volunteer: First aid expires on 2026-03-15",
    ], "the seven-day warning only; the thirty-day one is stale"
