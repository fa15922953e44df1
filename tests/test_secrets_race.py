"""The installation's secrets are created atomically (config.secret): when many first
readers start at once on a fresh installation (eight people opening a freshly started
server; `init` racing the first page), every one of them gets the same, whole key.

Threads and processes both start behind a barrier so their first reads overlap.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dashboard import auth, pii

ROOT = Path(__file__).resolve().parent.parent
THREADS = 16
ROUNDS = 25
PROCESSES = 8

FIRST_READ = r"""
import os, sys, time
from pathlib import Path
go = Path(sys.argv[1])
from dashboard import auth, pii  # imported before the start: only the reads race
Path(sys.argv[2]).touch()
while not go.exists():
    time.sleep(0.001)
try:
    print(auth.cookie_key(), pii.load_key().hex())
except Exception as exc:
    print("ERROR", exc)
"""


def _first_reads_in_threads() -> list[tuple[str, str] | str]:
    barrier = threading.Barrier(THREADS)
    results: list[tuple[str, str] | str] = [""] * THREADS

    def read(i: int) -> None:
        barrier.wait()
        try:
            results[i] = (auth.cookie_key(), pii.load_key().hex())
        except Exception as exc:  # noqa: BLE001 - the test reports what each caller got
            results[i] = f"ERROR {exc}"

    threads = [threading.Thread(target=read, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def _assert_one_whole_key(results: list, home: Path) -> None:
    errors = [r for r in results if isinstance(r, str)]
    assert errors == []
    assert len(set(results)) == 1, "callers got different keys"
    cookie, pii_hex = results[0]
    assert len(cookie) == 64 and len(pii_hex) == 64
    assert (home / "secrets" / "cookie_key").read_text().strip() == cookie
    assert (home / "secrets" / "pii.key").read_bytes().hex() == pii_hex
    assert sorted(p.name for p in (home / "secrets").iterdir()) == ["cookie_key", "pii.key"]


def test_concurrent_first_reads_in_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for round_ in range(ROUNDS):
        home = tmp_path / f"home{round_}"
        monkeypatch.setenv("DASHBOARD_HOME", str(home))
        _assert_one_whole_key(_first_reads_in_threads(), home)


@pytest.mark.slow
def test_concurrent_first_reads_in_processes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    go = tmp_path / "go"
    env = {**os.environ, "DASHBOARD_HOME": str(home), "PYTHONPATH": str(ROOT)}
    ready = [tmp_path / f"ready{i}" for i in range(PROCESSES)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", FIRST_READ, str(go), str(flag)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    deadline = time.monotonic() + 300  # a bound for polling, not a timing assertion
    while not all(flag.exists() for flag in ready):
        assert all(p.poll() is None for p in procs), "a reader died before the start"
        assert time.monotonic() < deadline, "readers did not start"
        time.sleep(0.01)
    go.touch()
    results: list[tuple[str, str] | str] = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        words = out.split()
        results.append(out.strip() if words[:1] == ["ERROR"] else (words[0], words[1]))
    _assert_one_whole_key(results, home)
