"""What one failed sign-in costs with an empty failure log and with 200,000 past failures.

Times `auth.password_attempt` (the throttle's counted attempt plus the one bcrypt check)
in a throw-away DASHBOARD_HOME: first with no log, then after writing 200,000 old failure
lines into `logs/login_failures.jsonl`. A sign-in never reads that log (it reads the
throttle's small state file), so both should cost the same ~bcrypt time. Also counts the
`bcrypt.checkpw` calls of 12 simultaneous attempts for one name (at most 5).

Writes `bench/out/signin.json`. Run: `python -m bench.bench_signin [--lines N]`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "signin.json"


def _median_attempt(auth, name: str, runs: int) -> float:
    times = []
    for i in range(runs):
        start = time.perf_counter()
        auth.password_attempt(name, "wrong-password", f"10.1.{i}.1")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DASHBOARD_HOME"] = tmp
        import bcrypt

        from dashboard import auth, roles, throttle, users

        users.add("ani", name="Ani", role="staff", password="rahasia-123", actor=roles.Actor.cli())
        # Distinct names per run so the lock-out never refuses (a refusal costs nothing).
        _median_attempt(auth, "warm-up", 1)  # imports and the throttle's key
        empty = _median_attempt(auth, "nobody-a", args.runs)
        line = json.dumps(
            {
                "at": "2020-01-01T00:00:00+00:00",
                "username": "(unknown)",
                "client": "x",
                "event": "failure",
            }
        )
        log = throttle.failure_log_path()
        log.write_text((line + "\n") * args.lines)
        log_bytes = log.stat().st_size
        full = _median_attempt(auth, "nobody-b", args.runs)

        calls = []
        real = bcrypt.checkpw
        bcrypt.checkpw = lambda p, h: calls.append(1) or real(p, h)
        barrier = threading.Barrier(12)

        def attempt() -> None:
            barrier.wait()
            auth.password_attempt("ani", "wrong-password", "127.0.0.1")

        threads = [threading.Thread(target=attempt) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        bcrypt.checkpw = real
        result = {
            "log_lines": args.lines,
            "log_bytes": log_bytes,
            "attempt_empty_log_s": round(empty, 3),
            "attempt_full_log_s": round(full, 3),
            "ratio": round(full / empty, 2),
            "simultaneous_attempts": 12,
            "bcrypt_checks": len(calls),
        }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
