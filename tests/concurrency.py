"""Scenarios under real concurrency, run the same way on PostgreSQL and on SQLite.

A scenario is a plain module-level function that builds its own world through the
services (it runs outside any test transaction), sends requests at once through
`at_once`, and returns a JSON-ready report that its test module checks.

On PostgreSQL a test calls the scenario in its own process, with `transactional_db`.
The suite's SQLite database lives in memory, shared by the threads of one connection,
so there `run_on_sqlite` runs the scenarios in a fresh interpreter against a database
file, where the IMMEDIATE transactions of timebank/settings.py queue the threads on
SQLite's write lock. `python -m tests.concurrency` is that interpreter's entry point.
"""

import importlib
import json
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

ROOT = Path(__file__).resolve().parent.parent
# A thread still blocked after this long is reported as hung: a deadlock nobody detected.
JOIN_SECONDS = 120
SUBPROCESS_SECONDS = 600

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL; SQLite runs the same scenarios in a subprocess"
)
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the suite runs on PostgreSQL, where the same scenarios run in this process"
)


def at_once(count: int, work: Callable[[int], object]) -> list[str]:
    """Run work(0) .. work(count - 1) in `count` threads released together by a barrier,
    each on its own database connection, closed when it is done.

    Returns each call's outcome, in order: "ok"; the class name of the refusal it raised
    (a ValidationError or PermissionDenied, so also "InsufficientCredits" or
    "AlreadyReversed"); "error: <repr>" for any other exception; "hung" when it had not
    finished after JOIN_SECONDS. A scenario that needs what work returned keeps it itself.
    """
    start = threading.Barrier(count)
    outcomes = ["hung"] * count

    def run(i):
        try:
            start.wait()
            work(i)
            outcomes[i] = "ok"
        except (ValidationError, PermissionDenied) as refusal:
            outcomes[i] = type(refusal).__name__
        except Exception as exc:
            outcomes[i] = f"error: {exc!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    return outcomes


def tally(outcomes: list[str]) -> dict[str, int]:
    """How many threads ended each way: {"ok": 5, "InsufficientCredits": 11}."""
    return dict(Counter(outcomes))


def failures(outcomes: list[str]) -> list[str]:
    """The outcomes that are neither a success nor a refusal."""
    return [outcome for outcome in outcomes if outcome.startswith(("error", "hung"))]


def run_on_sqlite(tmp_path: Path, scenarios: Mapping[str, str | Callable[[], dict]]) -> dict[str, dict]:
    """Run each scenario, one after another, in a fresh interpreter against a migrated SQLite
    database file in `tmp_path`, and return their reports by name.

    A scenario is given as "module:attribute" or as the module-level function itself.
    Fails the test, with the interpreter's stderr, when a scenario raises.
    """
    targets = {name: _target(scenario) for name, scenario in scenarios.items()}
    reports_path = tmp_path / "reports.json"
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "timebank.settings",
        "SQLITE_PATH": str(tmp_path / "races.sqlite3"),
    }
    result = subprocess.run(  # noqa: S603 - this interpreter running our own module
        [sys.executable, "-m", "tests.concurrency", json.dumps(targets), str(reports_path)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(reports_path.read_text())


def _target(scenario: str | Callable[[], dict]) -> str:
    if isinstance(scenario, str):
        return scenario
    # The fresh interpreter finds the function again by name: no lambdas, no nested functions.
    assert scenario.__qualname__ == scenario.__name__, f"{scenario!r} is not a module-level function"
    return f"{scenario.__module__}:{scenario.__name__}"


def _main(targets_json: str, reports_path: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    # What tests/conftest.py sets for every test: cheap password hashes, mail kept in memory.
    override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ).enable()
    call_command("migrate", verbosity=0)

    reports = {}
    for name, target in json.loads(targets_json).items():
        module, attribute = target.split(":")
        reports[name] = getattr(importlib.import_module(module), attribute)()
    Path(reports_path).write_text(json.dumps(reports))


if __name__ == "__main__":
    _main(*sys.argv[1:])
