"""Backup and restore (README "Backups"), the backup a migration makes first, and the
one line that a damaged store or one from a newer release gives in the CLI and on
every page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import backup, capacity, cli, ingest, roles, store, users
from tests.test_concurrency import _entries, _wait_for, _write_requests, start_reader  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
ADMIN = roles.Actor.cli("kepala")
PASSWORD = "cadangan-2020-uji"
NAME = re.compile(r"backup-\d{8}-\d{6}\.zip")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _count(table: str) -> int:
    with store.connect(read_only=True) as con:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])  # noqa: S608


def _seed(home: Path, tmp_path: Path, first: int = 0, count: int = 50) -> None:
    f = tmp_path / f"req-{first}.csv"
    _write_requests(f, first, count)
    ingest.ingest_file(f, actor=ADMIN)


@pytest.fixture
def office(home: Path, tmp_path: Path) -> Path:
    """A store with 50 requests, one audited capacity change and one user."""
    _seed(home, tmp_path)
    with store.connect() as con:
        capacity.set_default(con, 12, reason="petugas tambahan", actor=ADMIN)
    users.add("ani", name="Ani", role="staff", password=PASSWORD, actor=roles.Actor.cli())
    return home


def test_backup_then_restore_puts_everything_back(
    office: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(capsys, "backup")
    assert code == 0, err
    made = list((office / "backups").iterdir())
    assert len(made) == 1 and NAME.fullmatch(made[0].name), made
    assert str(made[0]) in out
    assert stat.S_IMODE(made[0].stat().st_mode) == 0o600
    with zipfile.ZipFile(made[0]) as zf:
        assert sorted(zf.namelist()) == ["dashboard.duckdb", "manifest.json", "users.json"]
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["format"] == backup.FORMAT and manifest["format_version"] == 1
    assert manifest["schema_version"] == max(v for v, _ in store.MIGRATIONS)
    assert manifest["created_at"].endswith("+00:00")
    counts = manifest["counts"]
    assert (counts["requests"], counts["capacity_audit"], counts["users"]) == (50, 1, 1)
    assert manifest["includes_pii_key"] is False
    key = (office / "secrets" / "pii.key").read_bytes()
    assert key not in made[0].read_bytes()

    # Later: more rows, another capacity change, the user removed.
    _seed(office, tmp_path, 1_000, 30)
    with store.connect() as con:
        capacity.set_default(con, 20, reason="salah ketik", actor=ADMIN)
        version_before = store.data_version(con)
    users.add("budi", name="Budi", role="admin", password=PASSWORD, actor=roles.Actor.cli())
    users.remove("ani", actor=roles.Actor.cli("budi"))

    code, out, err = _run(capsys, "restore", str(made[0]))
    assert code == 0, err
    assert "restored" in out and err == ""  # same installation, same key: no warning
    assert (_count("requests"), _count("capacity_audit")) == (50, 1)
    assert [u.username for u in users.list_users()] == ["ani"]
    with store.connect(read_only=True) as con:
        assert store.data_version(con) > version_before  # pages do not reuse their caches
    aside = list(office.glob("dashboard.duckdb.before-restore-*"))
    assert len(aside) == 1 and str(aside[0]) in out
    with store.connect(aside[0], read_only=True) as con:
        assert con.execute("SELECT count(*) FROM requests").fetchall()[0][0] == 80
    assert list(office.glob("users.json.before-restore-*"))


def test_backup_out_and_restore_on_a_new_machine_warns_about_the_key(
    office: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    out_file = tmp_path / "malam.zip"
    code, out, err = _run(capsys, "backup", "--out", str(out_file))
    assert code == 0, err and out_file.exists()
    code, out, err = _run(capsys, "backup", "--out", str(out_file))
    assert code == 1 and "already exists" in err and err.count("\n") == 1

    new_home = tmp_path / "mesin-baru"
    monkeypatch.setenv("DASHBOARD_HOME", str(new_home))
    code, out, err = _run(capsys, "restore", str(out_file))
    assert code == 0, err
    assert _count("requests") == 50
    assert err.count("\n") == 1 and "pii.key" in err  # a different (or no) key: said once


def test_restore_refuses_what_is_not_a_backup(
    office: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "log.csv"
    plain.write_text("request_id,received_at\n")
    other_zip = tmp_path / "foto.zip"
    with zipfile.ZipFile(other_zip, "w") as zf:
        zf.writestr("foto.jpg", b"\xff\xd8")
    copied_store = tmp_path / "copy.duckdb"
    shutil.copyfile(office / "dashboard.duckdb", copied_store)
    before = (office / "dashboard.duckdb").read_bytes()
    for bad in (plain, other_zip, copied_store, tmp_path / "missing.zip"):
        code, out, err = _run(capsys, "restore", str(bad))
        assert code == 1
        assert err.count("\n") == 1 and "python -m dashboard backup" in err, err
        assert "Traceback" not in err
    assert (office / "dashboard.duckdb").read_bytes() == before
    assert not list(office.glob("*before-restore*"))


@pytest.mark.slow
def test_backup_and_restore_while_the_dashboard_reads(
    office: Path,
    tmp_path: Path,
    start_reader,  # noqa: F811 - the fixture of tests/test_concurrency.py
) -> None:
    log, proc = start_reader()
    env = {**os.environ, "DASHBOARD_HOME": str(office), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "backup"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    _seed(office, tmp_path, 5_000, 25)
    _wait_for(lambda: any(e.get("rows") == 75 for e in _entries(log)), "the reader")
    made = next((office / "backups").glob("backup-*.zip"))
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "restore", str(made)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    seen = len(_entries(log))
    _wait_for(lambda: len(_entries(log)) >= seen + 5, "the reader after the restore")
    (tmp_path / "reader.stop").touch()
    proc.wait(timeout=300)
    entries = _entries(log)
    assert [e for e in entries if "error" in e] == []
    assert entries[-1]["rows"] == 50  # the running reader sees the restored store


def test_a_migration_backs_the_store_up_first(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as m:
        m.setattr(store, "MIGRATIONS", [mig for mig in store.MIGRATIONS if mig[0] <= 2])
        m.setattr(store, "_migrated", set())
        with store.connect() as con:
            con.execute(
                "INSERT INTO requests VALUES ('R1', '2020-06-08 08:00', '2020-06-08', "
                "'whatsapp', 'ktp_el', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'x', 1, 2)"
            )
    store._migrated.clear()
    with store.connect() as con:  # applies migration 3 and later
        assert con.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] >= 3
    made = list((home / "backups").glob("backup-*-before-migration-3.zip"))
    assert len(made) == 1
    manifest = backup.read_manifest(made[0])
    assert (manifest["schema_version"], manifest["counts"]["requests"]) == (2, 1)

    # An empty store (a fresh installation) migrates without a backup.
    other = tmp_path / "kosong"
    monkeypatch.setenv("DASHBOARD_HOME", str(other))
    with store.connect():
        pass
    assert not (other / "backups").exists() or not list((other / "backups").iterdir())


# --- a store that cannot be used -------------------------------------------------------------


def _damage(home: Path) -> None:
    (home / "dashboard.duckdb").write_bytes(os.urandom(300_000))


def _from_a_newer_release(home: Path) -> None:
    with store.connect() as con:
        con.execute("INSERT INTO schema_migrations VALUES (999, now())")


@pytest.mark.parametrize("break_it", [_damage, _from_a_newer_release])
def test_an_unusable_store_gives_one_line_naming_the_backup(
    office: Path, capsys: pytest.CaptureFixture[str], break_it, monkeypatch
) -> None:
    code, _, err = _run(capsys, "backup")
    assert code == 0, err
    newest = next((office / "backups").glob("backup-*.zip"))
    break_it(office)
    store._migrated.clear()
    store._checked.clear()
    kind = "newer release" if break_it is _from_a_newer_release else "cannot be read"
    for argv in (
        ["capacity", "show", "--start", "2020-06-01", "--end", "2020-06-02"],
        ["export", "daily", "--start", "2020-06-01", "--end", "2020-06-02"],
        ["capacity", "set", "--date", "2020-06-01", "--cap", "3", "--reason", "x", "--user", "k"],
        ["backup"],
    ):
        code, out, err = _run(capsys, *argv)
        assert code == 1, argv
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert kind in err and f"python -m dashboard restore {newest}" in err, err

    # Every page: the same line (in the page's language), then nothing else.
    monkeypatch.setenv("DASHBOARD_TESTING", "1")
    for page in ("app.py", "pages/capacity.py", "pages/exports.py"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["authentication_status"] = True
        at.session_state["username"] = "ani"
        if page != "app.py":
            at.switch_page(page)
        at.run()
        assert not at.exception, (page, at.exception)
        errors = [e.value for e in at.error]
        assert len(errors) == 1 and f"python -m dashboard restore {newest}" in errors[0], errors
        assert not at.get("vega_lite_chart") and not at.metric

    # Restoring the backup makes everything work again.
    code, out, err = _run(capsys, "restore", str(newest))
    assert code == 0, err
    code, out, err = _run(
        capsys, "capacity", "show", "--start", "2020-06-01", "--end", "2020-06-02"
    )
    assert code == 0, err


def test_an_unusable_store_without_backups_says_where_to_look(
    office: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _damage(office)
    store._migrated.clear()
    code, out, err = _run(capsys, "export", "daily", "--start", "2020-06-01", "--end", "2020-06-02")
    assert code == 1 and err.count("\n") == 1
    assert "cannot be read" in err and "restore one you keep elsewhere" in err
