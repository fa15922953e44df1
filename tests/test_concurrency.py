"""Two real processes share the store: the dashboard reading while `python -m dashboard
ingest` writes (README "How the store is shared").

DuckDB lets one process hold the file at a time; store.connect() waits with back-off
instead of failing. These tests run a reader that behaves like the dashboard (open,
a couple of metric queries, close, sleep ~50 ms, like cache.py does on every rerun) and
real CLI ingests as subprocesses. No timing is asserted: only that nothing fails, every
row arrives and the reader sees the new data version afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import store

ROOT = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 120  # an upper bound for polling, never an assertion about speed

READER = r"""
import json, sys, time, traceback
from datetime import date
from pathlib import Path
from dashboard import metrics, store

log_path, stop_path = Path(sys.argv[1]), Path(sys.argv[2])
with open(log_path, "a", buffering=1) as log:
    while not stop_path.exists():
        entry = {}
        try:
            with store.connect() as con:
                entry["version"] = store.data_version(con)
                daily = metrics.daily(con, date(2020, 6, 1), date(2020, 6, 30), metrics.Filters())
                entry["requests"] = int(daily["requests"].sum())
                entry["rows"] = con.execute("SELECT count(*) FROM requests").fetchone()[0]
        except Exception as exc:
            entry["error"] = "".join(traceback.format_exception_only(exc)).strip()
        log.write(json.dumps(entry) + "\n")
        time.sleep(0.05)
"""


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "DASHBOARD_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("DASHBOARD_DEBUG", None)
    return env


def _write_requests(path: Path, first: int, count: int) -> None:
    """`count` requests in June 2020 with IDs from `first` on (distinct across files)."""
    channels = ("whatsapp", "walk_in", "wa", "datang langsung")
    lines = ["request_id,received_at,channel,service,kecamatan,nik,phone"]
    for i in range(first, first + count):
        day = 1 + i % 30
        lines.append(
            f"R{i:07d},2020-06-{day:02d} {8 + i % 9:02d}:{i % 60:02d},{channels[i % 4]},"
            f"ktp_el,Paringin,9999{i:012d},08000{i:07d}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _ingest(home: Path, *files: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard", "ingest", *map(str, files)],
        cwd=ROOT,
        env=_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _entries(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.endswith("}")]


def _wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def start_reader(home: Path, tmp_path: Path) -> Iterator:
    """Start the dashboard-like reader (call it once the store is seeded)."""
    log, stop = tmp_path / "reader.jsonl", tmp_path / "reader.stop"
    procs: list[subprocess.Popen] = []

    def start() -> tuple[Path, subprocess.Popen]:
        proc = subprocess.Popen(
            [sys.executable, "-c", READER, str(log), str(stop)],
            cwd=ROOT,
            env=_env(home),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        _wait_for(lambda: len(_entries(log)) >= 5, "the reader's first queries")
        return log, proc

    yield start
    stop.touch()
    for proc in procs:
        try:
            proc.wait(timeout=WAIT_SECONDS)
        finally:
            if proc.poll() is None:
                proc.kill()


def _seed_store(home: Path, tmp_path: Path) -> int:
    """A store with 100 requests already in it; returns its data version."""
    first = tmp_path / "awal.csv"
    _write_requests(first, 0, 100)
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "ingest", str(first)],
        cwd=ROOT,
        env=_env(home),
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
    )
    assert done.returncode == 0, done.stderr
    with store.connect(read_only=True) as con:
        return store.data_version(con)


@pytest.mark.slow
def test_ingest_while_the_dashboard_reads(home: Path, tmp_path: Path, start_reader) -> None:
    version0 = _seed_store(home, tmp_path)
    log, proc = start_reader()

    big = tmp_path / "permohonan_juni.csv"
    _write_requests(big, 1000, 30_000)
    ingest = _ingest(home, big)
    out, err = ingest.communicate(timeout=WAIT_SECONDS)
    assert ingest.returncode == 0, err
    assert "read 30000, inserted 30000, updated 0, unchanged 0, quarantined 0" in out

    seen_before = len(_entries(log))
    _wait_for(lambda: len(_entries(log)) >= seen_before + 5, "the reader after the import")
    (tmp_path / "reader.stop").touch()
    proc.wait(timeout=WAIT_SECONDS)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""

    entries = _entries(log)
    errors = [e["error"] for e in entries if "error" in e]
    assert errors == []
    versions = [e["version"] for e in entries]
    assert versions[0] == version0
    assert versions == sorted(versions)  # never back to old data
    assert versions[-1] > version0
    last = entries[-1]
    assert last["rows"] == 30_100
    assert last["requests"] == 30_100  # all dated June 2020
    # Every snapshot the reader saw was whole: before the import or after, never half.
    assert {e["rows"] for e in entries} == {100, 30_100}
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM requests").fetchone()[0] == 30_100
        assert con.execute("SELECT count(*) FROM imports").fetchone()[0] == 2


@pytest.mark.slow
def test_two_ingests_at_the_same_time(home: Path, tmp_path: Path, start_reader) -> None:
    version0 = _seed_store(home, tmp_path)
    log, _ = start_reader()
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    _write_requests(a, 100_000, 20_000)
    _write_requests(b, 200_000, 20_000)
    first, second = _ingest(home, a), _ingest(home, b)
    out_a, err_a = first.communicate(timeout=WAIT_SECONDS)
    out_b, err_b = second.communicate(timeout=WAIT_SECONDS)
    assert first.returncode == 0, err_a
    assert second.returncode == 0, err_b
    assert "inserted 20000" in out_a and "inserted 20000" in out_b
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM requests").fetchone()[0] == 40_100
        assert (
            con.execute("SELECT count(DISTINCT request_id) FROM requests").fetchone()[0] == 40_100
        )
        assert store.data_version(con) >= version0 + 2
    _wait_for(lambda: any(e.get("rows") == 40_100 for e in _entries(log)), "the reader")
    assert [e for e in _entries(log) if "error" in e] == []
