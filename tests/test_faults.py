"""Faults a real office meets: a full disk during an import, and the power cut or
`kill -9` in the middle of an import or of a capacity change. Each leaves the store as
it was, says what happened in one line, and the next run works.

The kill tests pause a real CLI process inside its writing transaction (after the rows
are written, before COMMIT) by wrapping one step of it, then SIGKILL it: no timing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dashboard import cli, ingest, roles, store
from tests.test_concurrency import _write_requests

ROOT = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 300  # bounds for polling, never assertions about speed
ADMIN = roles.Actor.cli("tester")

# Tables whose every row is compared before and after (the large ones by fingerprint).
TABLES = (
    "requests",
    "appointments",
    "request_closures",
    "quarantine",
    "imports",
    "import_warnings",
    "capacity_rules",
    "capacity_overrides",
    "capacity_audit",
    "meta",
)

PAUSED = r"""
import sys, time
from pathlib import Path
from dashboard import capacity, cli, ingest

what, flag = sys.argv[1], Path(sys.argv[2])


def paused(step):
    def run(*args, **kwargs):
        result = step(*args, **kwargs)
        flag.touch()  # inside the transaction, its rows written: kill me now
        time.sleep(3600)
        return result
    return run


if what == "ingest":
    ingest._import_findings = paused(ingest._import_findings)
    sys.exit(cli.main(["ingest", sys.argv[3]]))
capacity._audit = paused(capacity._audit)
sys.exit(cli.main(
    ["capacity", "set", "--default", "--cap", "25", "--reason", "tambah petugas", "--user", "kepala"]
))
"""


def _snapshot() -> dict[str, tuple]:
    out = {}
    with store.connect(read_only=True) as con:
        for table in TABLES:
            out[table] = con.execute(
                f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {table} AS t"  # noqa: S608 - fixed names
            ).fetchall()[0]
    return out


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "DASHBOARD_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("DASHBOARD_DEBUG", None)
    return env


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
    )


def _kill_while_writing(home: Path, tmp_path: Path, *args: str) -> None:
    flag = tmp_path / "inside-transaction"
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSED, *args[:1], str(flag), *args[1:]],
        cwd=ROOT,
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        while not flag.exists():
            if proc.poll() is not None:
                pytest.fail(f"the writer ended before the kill: {proc.stderr.read()}")
            if time.monotonic() > deadline:
                pytest.fail("the writer never reached its transaction")
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=WAIT_SECONDS)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL


@pytest.fixture
def seeded(home: Path, tmp_path: Path) -> Path:
    first = tmp_path / "awal.csv"
    _write_requests(first, 0, 100)
    done = _cli(home, "ingest", str(first))
    assert done.returncode == 0, done.stderr
    done = _cli(
        home, "capacity", "set", "--default", "--cap", "12", "--reason", "awal", "--user", "kepala"
    )
    assert done.returncode == 0, done.stderr
    return home


# --- kill -9 -------------------------------------------------------------------------------


@pytest.mark.slow
def test_kill_9_during_an_import_leaves_the_store_as_it_was(seeded: Path, tmp_path: Path) -> None:
    before = _snapshot()
    big = tmp_path / "besar.csv"
    # Large enough that DuckDB writes row groups to the file before COMMIT.
    _write_requests(big, 1_000, 200_000)
    _kill_while_writing(seeded, tmp_path, "ingest", str(big))

    assert _snapshot() == before
    done = _cli(seeded, "ingest", str(big))  # the next run works
    assert done.returncode == 0, done.stderr
    assert "read 200000, inserted 200000" in done.stdout
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM requests").fetchall()[0][0] == 200_100


@pytest.mark.slow
def test_kill_9_during_a_capacity_change_leaves_the_store_as_it_was(
    seeded: Path, tmp_path: Path
) -> None:
    before = _snapshot()
    _kill_while_writing(seeded, tmp_path, "capacity")

    assert _snapshot() == before
    done = _cli(
        seeded,
        "capacity",
        "set",
        "--default",
        "--cap",
        "25",
        "--reason",
        "lagi",
        "--user",
        "kepala",
    )
    assert done.returncode == 0, done.stderr
    with store.connect(read_only=True) as con:
        audit = con.execute(
            "SELECT old_value, new_value, reason FROM capacity_audit ORDER BY audit_id"
        ).fetchall()
    assert audit[-1] == ("12", "25", "lagi")
    assert len(audit) == before["capacity_audit"][0] + 1


# --- a full disk -----------------------------------------------------------------------------


def test_a_full_disk_during_an_import_changes_nothing(
    seeded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    before = _snapshot()
    real = ingest._import_findings

    def disk_full(*_args, **_kwargs):
        # Where DuckDB would report it: rows already written inside the transaction.
        raise duckdb.IOException(
            'IO Error: Could not write file "dashboard.duckdb.wal": No space left on device'
        )

    monkeypatch.setattr(ingest, "_import_findings", disk_full)
    more = tmp_path / "lagi.csv"
    _write_requests(more, 5_000, 1_000)
    with pytest.raises(store.StoreDiskFull) as info:
        ingest.ingest_file(more, actor=ADMIN)
    text = str(info.value)
    assert "disk is full" in text and "free some space" in text and "\n" not in text
    assert _snapshot() == before

    code = cli.main(["ingest", str(more)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "disk is full" in err and "Traceback" not in err
    assert _snapshot() == before
    assert not list((seeded / "tmp").glob("*")), "temp files left behind"

    monkeypatch.setattr(ingest, "_import_findings", real)
    assert ingest.ingest_file(more, actor=ADMIN).inserted == 1_000


@contextlib.contextmanager
def _tiny_disk(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): the injected test covers this")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_really_full_disk(tmp_path: Path) -> None:
    with _tiny_disk(tmp_path / "tiny", "4m") as disk:
        home = disk / "home"
        small, big = tmp_path / "kecil.csv", tmp_path / "besar.csv"
        _write_requests(small, 0, 100)
        _write_requests(big, 1_000, 60_000)
        assert _cli(home, "ingest", str(small)).returncode == 0
        done = _cli(home, "ingest", str(big))
        assert done.returncode == 1
        assert done.stderr.count("\n") == 1 and "disk is full" in done.stderr, done.stderr
        done = _cli(home, "ingest", str(small))
        assert done.returncode == 0, done.stderr
        assert "read 100, inserted 0, updated 0, unchanged 100" in done.stdout
        done = _cli(home, "export", "daily", "--start", "2020-06-01", "--end", "2020-06-30")
        assert done.returncode == 0, done.stderr
        assert sum(int(line.split(",")[1]) for line in done.stdout.splitlines()[1:]) == 100
