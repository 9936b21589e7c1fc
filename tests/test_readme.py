"""The README is the newcomer's contract: two commands, and every setting documented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_first_code_block_holds_exactly_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```[^\n]*\n(.*?)```", readme, re.S).group(1)
    commands = [line for line in first_block.splitlines() if line.strip()]
    assert commands == ["bin/demo", "bin/test"]
    for command in commands:
        assert (ROOT / command).stat().st_mode & 0o111, f"{command} is not executable"


def test_every_environment_variable_the_settings_read_is_documented():
    settings_source = (ROOT / "timebank" / "settings.py").read_text()
    names = set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z_]+)"', settings_source))
    readme = (ROOT / "README.md").read_text()
    assert names, "the settings read no environment variables?"
    assert sorted(name for name in names if f"`{name}`" not in readme) == []
