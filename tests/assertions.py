"""Assertions shared by the domain tests.

`database_state()` reads every row of every table of every Timebank app (the
many-to-many tables included), so comparing it before and after a refusal
catches a stray insert, update or delete anywhere, the audit log included.
The test databases hold a few dozen rows, so reading them all is cheap.
"""

from contextlib import contextmanager

from django.apps import apps

from timebank.accounts.models import AuditEntry, User
from timebank.volunteers.models import VolunteerProfile

# The access log is written by every granted view of a supported person's record, GETs
# included; tests/mentoring/test_mentoring.py checks what it holds (and that a refusal adds nothing).
NOT_COMPARED = {"mentoring.AccessLog"}
APPS = ("ledger", "accounts", "volunteers", "training", "earning", "spending", "matching", "mentoring", "impact")


def database_state() -> dict[str, list[tuple]]:
    return {
        model._meta.label: list(model.objects.order_by("pk").values_list())
        for app in APPS
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
        if model._meta.label not in NOT_COMPARED
    }


def row_counts() -> dict[str, int]:
    return {label: len(rows) for label, rows in database_state().items()}


@contextmanager
def unchanged():
    """Use as `with unchanged(), pytest.raises(...):` so the check runs after the refusal."""
    before = database_state()
    yield
    after = database_state()
    changed = sorted(label for label in before if before[label] != after[label])
    assert not changed, f"a refused action changed {changed}"


def user_of(request, persona: str) -> User:
    """The signing-in user behind a persona fixture (volunteer personas are profiles)."""
    value = request.getfixturevalue(persona)
    return value.user if isinstance(value, VolunteerProfile) else value


def last_audit() -> AuditEntry:
    return AuditEntry.objects.order_by("-id").first()


def assert_audited(entry: AuditEntry, *, action: str, actor: User | None, target) -> None:
    assert (entry.action, entry.actor, entry.target_type, entry.target_id) == (
        action,
        actor,
        target._meta.label_lower,
        target.pk,
    )


def errors_of(excinfo) -> dict[str, list[str]]:
    """The {field: [messages]} of a ValidationError caught by pytest.raises."""
    return excinfo.value.message_dict
