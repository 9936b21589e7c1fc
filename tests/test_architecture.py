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


APP_PACKAGES = ("timebank", "ledger", "matching", "mentoring", "impact")


def test_no_import_cycles_between_modules():
    """No module imports, even inside a function, a module that imports it back (directly or
    through others): a cycle is two ideas in one, or a dependency pointing the wrong way."""
    import grimp

    graph = grimp.build_graph(*APP_PACKAGES, include_external_packages=False)
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    cycles = _strongly_connected(imports)
    assert not cycles, f"import cycles: {cycles}"


def _strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iteratively: the groups of more than one module that reach each other."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_the_cycle_finder_finds_a_cycle():
    assert _strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_noqa_holds_the_structure_together():
    """Unused or late imports kept quiet with noqa are how a tangle hides: none outside migrations."""
    hushed = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in (*APP_PACKAGES, "tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"noqa: ?(E402|F401|F811)", line)
    ]
    assert not hushed, hushed


def _production_environment(tmp_path, **extra) -> dict:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "timebank.example.org",
        **extra,
    }


def test_deployment_checks_fail_with_the_development_secret_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "timebank.E001" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("extra", "starts"),
    [({}, False), ({"DEBUG": "1"}, True), ({"SECRET_KEY": "a-real-key-" + "k" * 40}, True)],
)
def test_the_server_refuses_to_start_with_the_development_key_unless_debug_is_on(tmp_path, extra, starts):
    result = subprocess.run(
        [sys.executable, "-c", "import timebank.wsgi"],
        cwd=ROOT,
        env=_production_environment(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (result.returncode == 0) is starts, result.stderr
    if not starts:
        assert "Set SECRET_KEY" in result.stderr
