"""Docs that tests keep honest: CONTRACT.md section 5, the CLI's --help and the README
name the same commands and options (STYLE.md convention 8)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from dashboard import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CONTRACT_CANDIDATES = (ROOT.parent / "shared" / "CONTRACT.md", ROOT / "docs" / "CONTRACT.md")
OPTION = re.compile(r"--[a-z][a-z-]*")


def _contract_text() -> str:
    for path in CONTRACT_CANDIDATES:
        if path.exists():
            return path.read_text(encoding="utf-8")
    # CI always lays shared/ beside the clone: there a missing contract is a failure.
    if os.environ.get("CI"):
        pytest.fail("CONTRACT.md is not beside the repository (../shared/CONTRACT.md)")
    pytest.skip("CONTRACT.md is not beside the repository (../shared/CONTRACT.md)")


def _section_5(text: str) -> str:
    match = re.search(r"^## 5\..*?(?=^## |\Z)", text, flags=re.M | re.S)
    assert match, "CONTRACT.md has no section 5"
    return match.group(0)


def _commands(section: str) -> list[tuple[list[str], str]]:
    """(command words, the usage cell) for each row of the section's table."""
    rows = []
    for line in section.splitlines():
        cell = re.match(r"\|\s*`([^`]+)`\s*\|", line)
        if not cell:
            continue
        usage = cell.group(1).replace("\\|", "|")
        words = []
        for token in usage.split():
            if not re.fullmatch(r"[a-z]+", token):
                break
            words.append(token)
        rows.append((words, usage))
    return rows


def _choices(usage: str) -> list[str]:
    """Enumerated values such as `requests|appointments` or `head|staff|...`."""
    return [
        value
        for group in re.findall(r"--[a-z-]+ ([a-z_]+(?:\|[a-z_]+)+)", usage)
        for value in group.split("|")
    ]


def _help(capsys: pytest.CaptureFixture[str], words: list[str]) -> str:
    assert cli.main([*words, "--help"]) == 0
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def contract_rows() -> list[tuple[list[str], str]]:
    rows = _commands(_section_5(_contract_text()))
    assert len(rows) >= 6
    return rows


def test_every_contract_command_and_option_is_in_help(
    contract_rows: list[tuple[list[str], str]], capsys: pytest.CaptureFixture[str]
) -> None:
    for words, usage in contract_rows:
        text = _help(capsys, words)
        for option in OPTION.findall(usage):
            assert option in text, f"{' '.join(words)} --help does not mention {option}"
        for value in _choices(usage):
            assert value in text, f"{' '.join(words)} --help does not mention {value}"


def test_every_contract_command_and_option_is_in_the_readme(
    contract_rows: list[tuple[list[str], str]],
) -> None:
    readme = README.read_text(encoding="utf-8")
    lines = readme.splitlines()
    for words, usage in contract_rows:
        command = " ".join(words)
        documented = [line for line in lines if f"`{command}" in line]
        assert documented, f"README does not document `{command}`"
        joined = " ".join(documented)
        for option in OPTION.findall(usage):
            assert option in joined, f"README's `{command}` does not mention {option}"


def test_every_cli_command_is_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:
        assert f"`{name}" in readme, f"README does not mention `{name}`"


def test_dates_and_weekdays_as_the_contract_says(capsys: pytest.CaptureFixture[str]) -> None:
    section = _section_5(_contract_text())
    assert "YYYY-MM-DD" in section and "senin" in section
    top = _help(capsys, [])
    assert "YYYY-MM-DD" in top and "senin..minggu" in top
    assert "senin" in _help(capsys, ["capacity", "set"])
    readme = README.read_text(encoding="utf-8")
    assert "YYYY-MM-DD" in readme and "senin" in readme
    # The parser accepts exactly what the help promises.
    for name in ("monday", "sunday", "senin", "minggu"):
        cli.parse_weekday(name)


def test_export_help_names_the_contract_columns(capsys: pytest.CaptureFixture[str]) -> None:
    section = _section_5(_contract_text())
    columns = re.search(r"columns exactly `([a-z_,]+)`", section)
    assert columns
    text = " ".join(_help(capsys, ["export", "daily"]).split())
    assert columns.group(1) in text.replace(", ", ",").replace(" ", "")
