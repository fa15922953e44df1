"""Files only the office can read (README "Where the data lives"): DASHBOARD_HOME 0700,
everything in it 0600, whatever the umask of the shell that started the program.

Each test starts from the umask most shells have (022, which makes files 0644 and
folders 0755, readable by every local user) and runs the real entry points: the CLI as
subprocesses, the dashboard through AppTest (app.py -> ui.page_setup).
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth, config, exports, metrics, roles, store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "samples" / "permohonan_juni_2020.csv"
SUBMIT = f"FormSubmitter:{auth.LOGIN_FORM_KEY}-{auth.LOGIN_BUTTON_LABEL}"


@pytest.fixture
def shell_umask() -> Iterator[None]:
    """The umask of an ordinary login shell, for this test and its subprocesses."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _loose(root: Path) -> list[str]:
    """Everything under `root` (itself included) that anyone but the owner may read."""
    found = []
    for path in [root, *root.rglob("*")]:
        want = 0o700 if path.is_dir() else 0o600
        if _mode(path) & 0o077 or (path.is_dir() and _mode(path) != want):
            found.append(f"{path.relative_to(root.parent)} {oct(_mode(path))}")
    return found


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DASHBOARD_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("DASHBOARD_DEBUG", None)
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done


def test_everything_the_entry_points_write_is_private(
    home: Path, tmp_path: Path, shell_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    home.chmod(0o755)  # as `mkdir` in that shell made it
    _cli(home, "init", "--no-demo")
    _cli(home, "ingest", str(SAMPLE))
    outside = tmp_path / "shared"
    outside.mkdir()
    _cli(
        home,
        "export",
        "daily",
        "--start",
        "2020-06-01",
        "--end",
        "2020-06-30",
        "--out",
        str(outside / "daily.csv"),
    )
    _cli(home, "backup")
    assert _mode(outside / "daily.csv") == 0o600
    assert (home / "dashboard.duckdb").exists() and list((home / "backups").glob("*.zip"))

    # The dashboard: a failed sign-in on the landing page (logs/login_failures.jsonl).
    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.text_input[0].input("admin")
    at.text_input[1].input("not-the-password")
    at.button(key=SUBMIT).click().run()
    assert (home / "logs" / "login_failures.jsonl").exists()
    # A row export as the exports page makes it, in the same (Streamlit) process, and a
    # write whose WAL is looked at before the connection closes.
    admin = roles.Actor.cli("admin")
    with store.connect() as con:
        made = exports.export_rows(
            con,
            admin,
            "requests",
            date(2020, 6, 1),
            date(2020, 6, 30),
            metrics.Filters(),
            "excel_csv",
        )
        con.execute("UPDATE meta SET value = value WHERE key = 'demo'")
        wal = home / "dashboard.duckdb.wal"
        if wal.exists():
            assert _mode(wal) == 0o600
    assert made.rows > 0 and made.path.exists()

    assert _loose(home) == []
    exports.read_and_remove(made.path)


def test_an_existing_installation_is_tightened(
    home: Path, shell_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An installation made by an earlier release, under umask 022.
    with store.connect() as con:
        con.execute("CHECKPOINT")
    for folder in ("secrets", "logs", "tmp"):
        (home / folder).mkdir(mode=0o755, exist_ok=True)
        (home / folder).chmod(0o755)
    (home / "secrets" / "pii.key").write_bytes(os.urandom(32))
    (home / "logs" / "login_failures.jsonl").write_text("{}\n")
    (home / "users.json").write_text('{"version": 1, "users": {}}')
    for path in [home / "dashboard.duckdb", *home.rglob("*")]:
        if path.is_file():
            path.chmod(0o644)
    home.chmod(0o755)
    assert len(_loose(home)) >= 8

    config.home()  # what every command and page does first

    assert _loose(home) == []
