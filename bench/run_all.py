"""Run every benchmark (`bench/bench_*.py`) and print one summary (`make bench`).

Each module's `main()` is called in turn (with an empty argument list when it takes
one, so each runs with its defaults); one that fails is reported and the others still
run. The environment is restored after each, so one benchmark's DASHBOARD_HOME does not
leak into the next. Results stay where each benchmark writes them (`bench/out/*.json`);
the summary lists the files written during this run and is saved as
`bench/out/summary.json`.

`bench_load` drives Debian's Chromium (/usr/bin/chromium) and takes about 5 minutes.

Run: `python -m bench.run_all [--only NAME ...] [--list]` from the project root.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"

#: Keys worth repeating in the summary when a benchmark returns a dict (the last four
#: are bench_load's: the p95 ratio and what must stay 0 under load).
_HEADLINE_KEYS = (
    "ratio",
    "meets_target",
    "target_ratio",
    "cli_median_s",
    "bare_median_s",
    "ratio_p95",
    "exceptions",
    "lost_rows",
    "lost_changes",
)


def discover() -> list[str]:
    """Module names of the benchmarks, sorted: `bench_export`, `bench_ingest`, ..."""
    return sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))


def run_one(name: str) -> dict[str, Any]:
    """Import `bench.<name>` and call its main(); never raises."""
    saved_env = dict(os.environ)
    saved_argv = list(sys.argv)
    began = time.perf_counter()
    entry: dict[str, Any] = {"name": name}
    try:
        module = importlib.import_module(f"bench.{name}")
        main = getattr(module, "main", None)
        if main is None:
            raise AttributeError(f"bench/{name}.py has no main()")
        sys.argv = [f"bench/{name}.py"]
        result = main([]) if inspect.signature(main).parameters else main()
        if isinstance(result, int) and not isinstance(result, bool) and result != 0:
            entry["status"] = f"failed (exit {result})"
        else:
            entry["status"] = "ok"
        if isinstance(result, dict):
            entry["headline"] = {k: result[k] for k in _HEADLINE_KEYS if k in result}
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        entry["status"] = "ok" if code == 0 else f"failed (exit {code})"
    except Exception as exc:  # noqa: BLE001 - one benchmark's failure must not stop the rest
        entry["status"] = f"failed: {type(exc).__name__}: {exc}".splitlines()[0]
        traceback.print_exc()
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.argv = saved_argv
    entry["seconds"] = round(time.perf_counter() - began, 1)
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these (bench_x or x)")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)

    names = discover()
    if args.list:
        print("\n".join(names))
        return 0
    if args.only:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in args.only}
        unknown = wanted - set(names)
        if unknown:
            print(f"error: no such benchmark: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        names = [n for n in names if n in wanted]

    started = time.time()
    entries = []
    for name in names:
        print(f"=== {name}", flush=True)
        entries.append(run_one(name))
    written = sorted(
        str(p.relative_to(BENCH_DIR.parent))
        for p in OUT_DIR.glob("*.json")
        if p.stat().st_mtime >= started and p.name != "summary.json"
    )

    print("\n=== summary")
    width = max((len(e["name"]) for e in entries), default=10)
    for e in entries:
        headline = " ".join(f"{k}={v}" for k, v in e.get("headline", {}).items())
        print(f"{e['name']:<{width}}  {e['seconds']:>7.1f} s  {e['status']}  {headline}".rstrip())
    for path in written:
        print(f"wrote {path}")
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    summary = {
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "benchmarks": entries,
        "results": written,
    }
    (OUT_DIR / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return 0 if all(e["status"] == "ok" for e in entries) else 1


if __name__ == "__main__":
    sys.exit(main())
