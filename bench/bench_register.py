"""Importing a 12-sheet register workbook against calamine alone reading it (issue 10).

`python -m bench.bench_register [--rows 50000] [--sheets 12] [--reps 3]` uses the workbook
of `bench_workbook.generate` (`bench/out/register_v2_<rows>x<sheets>.xlsx`: a title row and a
blank row above a 20-column register header, Excel dates, seeded random digits for NIK and
phone: nobody's data), then times, interleaved, each step in a fresh process (what a
person or a nightly job sees, interpreter start included), the median of `--reps` runs:

(a) calamine alone: python-calamine reads every sheet (`to_python()`), nothing else;
(b) import: `python -m dashboard ingest BOOK.xlsx` into an empty store (every sheet, each
    as a register: its requests and its appointments, two imports per sheet, made in one
    batch by dashboard/register_batch.py);
(c) preview of a new file: `ingest --dry-run` on an empty store (what the upload page
    shows before "Simpan");
(d) preview of a re-import: `ingest --dry-run` on the store that already holds it.

Target (issue 10): (b) and (c) at most 3x (a). Writes `bench/out/register.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_workbook import OUT, generate

ROOT = Path(__file__).resolve().parent.parent
CALAMINE_ALONE = (
    "import sys\n"
    "from python_calamine import CalamineWorkbook\n"
    "book = CalamineWorkbook.from_path(sys.argv[1])\n"
    "print(sum(len(book.get_sheet_by_name(n).to_python()) for n in book.sheet_names))\n"
)


def _timed(args: list[str], home: Path) -> tuple[float, str]:
    env = {**os.environ, "DASHBOARD_HOME": str(home)}
    started = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:4])} failed: {done.stderr.strip()[-400:]}")
    return seconds, done.stdout


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--sheets", type=int, default=12)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    book = OUT / f"register_v2_{args.rows}x{args.sheets}.xlsx"
    if not book.exists():
        print(f"generating {book.name} ...", flush=True)
        generate(book, args.rows, args.sheets)
    py = sys.executable
    times: dict[str, list[float]] = {"calamine": [], "import": [], "preview": [], "re_preview": []}
    summary = ""
    for _ in range(args.reps):
        with tempfile.TemporaryDirectory(prefix="bench-register-") as tmp:
            home = Path(tmp) / "home"
            home.mkdir()
            times["calamine"].append(_timed([py, "-c", CALAMINE_ALONE, str(book)], home)[0])
            ingest = [py, "-m", "dashboard", "ingest", str(book), "--user", "bench"]
            times["preview"].append(_timed([*ingest, "--dry-run"], home)[0])
            seconds, summary = _timed(ingest, home)
            times["import"].append(seconds)
            times["re_preview"].append(_timed([*ingest, "--dry-run"], home)[0])
    median = {k: statistics.median(v) for k, v in times.items()}
    result = {
        "rows": args.rows,
        "sheets": args.sheets,
        "reps": args.reps,
        "median_s": {k: round(v, 3) for k, v in median.items()},
        "import_over_calamine": round(median["import"] / median["calamine"], 2),
        "preview_over_calamine": round(median["preview"] / median["calamine"], 2),
        "re_preview_over_calamine": round(median["re_preview"] / median["calamine"], 2),
        "target": "<= 3",
        "load_average_at_end": os.getloadavg(),
        "last_import_lines": summary.strip().splitlines()[:4],
    }
    for key in ("calamine", "preview", "import", "re_preview"):
        print(f"{key:<11} {median[key]:7.2f} s  ({median[key] / median['calamine']:.2f}x calamine)")
    (OUT / "register.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
