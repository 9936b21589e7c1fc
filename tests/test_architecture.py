"""Checks on the shape of the code: import directions, migrations, deployment settings."""

import os
import re
import secrets
import string
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_apps_depend_one_way():
    """import-linter, configured in pyproject.toml: the ledger depends on no app, then accounts,
    volunteers, training, earning and spending (independent of each other), matching, mentoring,
    impact and the demo each use only what lies below them; no app imports the project's glue."""
    result = subprocess.run(  # noqa: S603 - our own virtualenv's tool, fixed arguments
        [str(BIN / "lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    kept = re.search(r"Contracts: (\d+) kept, 0 broken", report)
    assert kept, report
    assert int(kept.group(1)) >= 3, report


@pytest.mark.django_db
def test_migrations_are_up_to_date():
    output = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=output, stderr=output)
    except SystemExit:
        pytest.fail(f"models changed without a migration:\n{output.getvalue()}")


def test_deployment_checks_pass_with_production_settings(tmp_path):
    alphabet = string.ascii_letters + string.digits + "!#%&()*+-=@^_"
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DEBUG": "0",
        "SECRET_KEY": "".join(secrets.choice(alphabet) for _ in range(50)),
        "ALLOWED_HOSTS": "timebank.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout + result.stderr
