"""Settings read from the environment: the typed helpers and the embedded defaults.

The defaults are checked in a fresh interpreter with a clean environment, because
the test run itself may be configured for PostgreSQL and Redis.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from timebank.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), (" YES ", True), ("On", True), ("0", False), ("false", False), ("No", False)],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("TIMEBANK_FLAG", raw)
    assert env_bool("TIMEBANK_FLAG", not expected) is expected


@pytest.mark.parametrize("raw", [None, ""])
def test_unset_or_empty_variables_give_the_default(monkeypatch, raw):
    if raw is None:
        monkeypatch.delenv("TIMEBANK_SETTING", raising=False)
    else:
        monkeypatch.setenv("TIMEBANK_SETTING", raw)
    assert env_bool("TIMEBANK_SETTING", True) is True
    assert env_int("TIMEBANK_SETTING", 20) == 20
    assert env_list("TIMEBANK_SETTING", ["30", "7"]) == ["30", "7"]
    assert env_str("TIMEBANK_SETTING", "fallback") == "fallback"


def test_env_int_and_env_list_and_env_str(monkeypatch):
    monkeypatch.setenv("TIMEBANK_INT", " 42 ")
    monkeypatch.setenv("TIMEBANK_LIST", "timebank.example.org, ,www.timebank.example.org,")
    monkeypatch.setenv("TIMEBANK_STR", "redis://127.0.0.1:6379/0")
    assert env_int("TIMEBANK_INT", 0) == 42
    assert env_list("TIMEBANK_LIST") == ["timebank.example.org", "www.timebank.example.org"]
    assert env_str("TIMEBANK_STR") == "redis://127.0.0.1:6379/0"


def test_env_list_default_is_a_fresh_list_each_time(monkeypatch):
    monkeypatch.delenv("TIMEBANK_LIST", raising=False)
    default = ["localhost"]
    env_list("TIMEBANK_LIST", default).append("evil.example")
    assert default == ["localhost"]


@pytest.mark.parametrize(
    ("reader", "raw"),
    [(env_bool, "maybe"), (env_bool, "2"), (env_int, "4.5"), (env_int, "twenty"), (env_int, "1e3")],
)
def test_bad_values_raise_naming_the_variable(monkeypatch, reader, raw):
    monkeypatch.setenv("TIMEBANK_BROKEN", raw)
    with pytest.raises(ImproperlyConfigured, match="TIMEBANK_BROKEN") as excinfo:
        reader("TIMEBANK_BROKEN", 0)
    assert repr(raw) in str(excinfo.value)


SETTINGS_REPORT = """
import json
import django
django.setup()
from django.conf import settings
from django.db import connection
from timebank.celery import app

database = settings.DATABASES["default"]
report = {
    "debug": settings.DEBUG,
    "engine": database["ENGINE"],
    "name": str(database["NAME"]),
    "options": database.get("OPTIONS", {}),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "app_eager": app.conf.task_always_eager,
    "broker": settings.CELERY_BROKER_URL,
}
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        report["journal_mode"] = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        report["busy_timeout_ms"] = cursor.fetchone()[0]
print(json.dumps(report))
"""


def settings_in_a_clean_environment(tmp_path, **variables) -> subprocess.CompletedProcess:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "timebank.settings",
        "SQLITE_PATH": str(tmp_path / "timebank.sqlite3"),
        **variables,
    }
    return subprocess.run(  # noqa: S603 - this interpreter running our own fixed script
        [sys.executable, "-c", SETTINGS_REPORT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def report_of(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_fresh_machine_gets_sqlite_with_wal_immediate_transactions_and_a_busy_timeout(tmp_path):
    report = report_of(settings_in_a_clean_environment(tmp_path))
    assert report["engine"] == "django.db.backends.sqlite3"
    assert report["name"] == str(tmp_path / "timebank.sqlite3")
    assert report["options"]["transaction_mode"] == "IMMEDIATE"
    assert report["journal_mode"] == "wal"
    assert report["busy_timeout_ms"] == 20_000
    assert report["debug"] is False


def test_the_busy_timeout_is_configurable(tmp_path):
    report = report_of(settings_in_a_clean_environment(tmp_path, SQLITE_BUSY_TIMEOUT="5"))
    assert report["busy_timeout_ms"] == 5_000


def test_without_a_broker_celery_runs_tasks_eagerly(tmp_path):
    report = report_of(settings_in_a_clean_environment(tmp_path))
    assert (report["broker"], report["eager"], report["app_eager"]) == ("", True, True)


@pytest.mark.parametrize("variable", ["CELERY_BROKER_URL", "REDIS_URL"])
def test_a_broker_url_switches_celery_to_the_broker(tmp_path, variable):
    report = report_of(settings_in_a_clean_environment(tmp_path, **{variable: "redis://127.0.0.1:6379/3"}))
    assert (report["broker"], report["eager"], report["app_eager"]) == ("redis://127.0.0.1:6379/3", False, False)


def test_database_url_switches_to_postgresql(tmp_path):
    report = report_of(
        settings_in_a_clean_environment(tmp_path, DATABASE_URL="postgres://timebank@db.example.org:5432/timebank")
    )
    assert report["engine"] == "django.db.backends.postgresql"
    assert report["name"] == "timebank"


def test_a_typo_in_the_environment_stops_start_up_naming_the_variable(tmp_path):
    result = settings_in_a_clean_environment(tmp_path, DEBUG="ture")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DEBUG must be one of" in result.stderr


def test_the_suites_own_sqlite_connection_waits_instead_of_failing(db):
    if connection.vendor != "sqlite":
        pytest.skip("the suite runs on PostgreSQL; the SQLite settings are checked in a fresh interpreter above")
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == 20_000
