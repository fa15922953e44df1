"""Babel-backed number and date formatting against the hand-written formatters it replaced.

`dashboard.i18n` formats every tick label, tile and table cell, so its cost per value
matters. This times, over 100,000 values and interleaved (median of `--reps` runs):

- `fmt_int` and `fmt_date` on 100,000 *distinct* values (every call misses the caches:
  the worst case), and on a 100,000-cell *column* drawn from few values (counts 0..999,
  one year of dates: what a page's table holds; the caches answer most calls);
- `fmt_decimal` and `fmt_pct` on distinct values (not cached: floats rarely repeat);
- `fmt_int`/`fmt_date` columns of 10,000 and 100,000 cells, to show the cost per cell
  stays flat (no quadratic step when a page formats a whole column).

The baseline is a copy of the old f-string formatters (`_old_*` below, as they were in
dashboard/i18n.py before issue 11). Both sides print the same text for every int and
date used here (checked before timing; floats differ only on exact halves, counted).
Writes `bench/out/i18n.json`.

Run: `python -m bench.bench_i18n [--n 100000] [--reps 5]` from the project root.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dashboard import i18n

OUT = Path(__file__).resolve().parent / "out" / "i18n.json"

# ---------------------------------------------------------------- the old formatters

_OLD_MONTHS_SHORT = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
_OLD_SEPARATORS = {"id": (".", ","), "en": (",", ".")}  # (thousands, decimal)


def _old_is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(value))  # type: ignore[arg-type]
    except TypeError:
        return False


def _old_fmt_decimal(value: float | int | None, digits: int = 1, lang: str = "id") -> str:
    if _old_is_missing(value):
        return "–"
    thousands, decimal = _OLD_SEPARATORS[i18n.normalize_lang(lang)]
    text = f"{float(value):,.{digits}f}"  # type: ignore[arg-type]
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def _old_fmt_int(value: float | int | None, lang: str = "id") -> str:
    if _old_is_missing(value):
        return "–"
    return _old_fmt_decimal(round(float(value)), 0, lang)  # type: ignore[arg-type]


def _old_fmt_pct(value: float | None, digits: int = 1, lang: str = "id") -> str:
    if _old_is_missing(value):
        return "–"
    return f"{_old_fmt_decimal(float(value) * 100, digits, lang)}%"  # type: ignore[arg-type]


def _old_fmt_date(value: date | None, lang: str = "id") -> str:
    if value is None:
        return "–"
    months = _OLD_MONTHS_SHORT[i18n.normalize_lang(lang)]
    return f"{value.day} {months[value.month - 1]} {value.year}"


# ---------------------------------------------------------------- timing


def _clear_caches() -> None:
    """Start each timed run cold, so a run never profits from the one before it."""
    i18n._fmt_int.cache_clear()
    i18n._fmt_date.cache_clear()


def _time(fn: Callable[[Any, str], str], values: Sequence[Any], lang: str) -> float:
    _clear_caches()
    start = time.perf_counter()
    for value in values:
        fn(value, lang)
    return time.perf_counter() - start


def _cases(n: int) -> dict[str, tuple[Sequence[Any], Callable, Callable]]:
    # Distinct ints with both signs and up to eight digits; distinct days over ~274 years.
    ints = [(i * 7_919) % 20_000_000 - 10_000_000 for i in range(n)]
    days = [date(1800, 1, 1) + timedelta(days=i) for i in range(n)]
    floats = [((i * 7_919) % 2_000_003) / 997 - 1_000 for i in range(n)]
    fractions = [(i * 7_919 % 100_003) / 100_003 for i in range(n)]
    year = [date(2020, 1, 1) + timedelta(days=i % 366) for i in range(n)]
    counts = [(i * 37) % 1_000 for i in range(n)]
    return {
        "fmt_int, distinct": (ints, i18n.fmt_int, _old_fmt_int),
        "fmt_int, column of counts 0..999": (counts, i18n.fmt_int, _old_fmt_int),
        "fmt_date, distinct": (days, i18n.fmt_date, _old_fmt_date),
        "fmt_date, column of one year's dates": (year, i18n.fmt_date, _old_fmt_date),
        "fmt_decimal(1 digit), distinct": (
            floats,
            lambda v, lang: i18n.fmt_decimal(v, 1, lang),
            lambda v, lang: _old_fmt_decimal(v, 1, lang),
        ),
        "fmt_pct(1 digit), distinct": (
            fractions,
            lambda v, lang: i18n.fmt_pct(v, 1, lang),
            lambda v, lang: _old_fmt_pct(v, 1, lang),
        ),
    }


def _differences(cases: dict, lang: str, sample: int = 5_000) -> dict[str, int]:
    """How many of the first `sample` values print differently on the two sides.

    Ints and dates must print the same (else the timing compares different work).
    Floats may differ on exact halves only: the old code rounded the binary value
    (0.15 is 0.1499... -> `0,1`), Babel rounds the decimal one half-even (`0,2`).
    """
    found = {}
    for name, (values, new, old) in cases.items():
        found[name] = sum(new(v, lang) != old(v, lang) for v in values[:sample])
        if found[name] and ("fmt_int" in name or "fmt_date" in name):
            raise AssertionError(f"{name}: {found[name]} values print differently")
    return found


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--lang", default="id", choices=i18n.LANGS)
    args = parser.parse_args(argv)

    cases = _cases(args.n)
    differences = _differences(cases, args.lang)
    print(f"values printed differently (of the first 5,000): {differences}")
    results: dict[str, dict[str, float]] = {}
    for name, (values, new, old) in cases.items():
        new_times, old_times = [], []
        for _ in range(args.reps):  # interleaved: a busy moment hits both sides alike
            old_times.append(_time(old, values, args.lang))
            new_times.append(_time(new, values, args.lang))
        old_s, new_s = statistics.median(old_times), statistics.median(new_times)
        results[name] = {
            "old_s": round(old_s, 4),
            "new_s": round(new_s, 4),
            "new_us_per_value": round(new_s / len(values) * 1e6, 2),
            "ratio": round(new_s / old_s, 2),
        }
        print(
            f"{name:40s} old {old_s:7.3f} s  new {new_s:7.3f} s  "
            f"{new_s / len(values) * 1e6:5.2f} µs/value  new/old {new_s / old_s:5.1f}×"
        )

    # Cost per cell of a whole column at two sizes: flat means linear, not quadratic.
    scaling: dict[str, dict[str, float]] = {}
    for name in ("fmt_int, column of counts 0..999", "fmt_date, column of one year's dates"):
        values, new, _ = cases[name]
        per_cell = {}
        for size in (args.n // 10, args.n):
            runs = [_time(new, values[:size], args.lang) for _ in range(args.reps)]
            per_cell[str(size)] = round(statistics.median(runs) / size * 1e6, 3)
        scaling[name] = per_cell
        print(f"{name:40s} µs per cell: {per_cell}")

    summary = {
        "n": args.n,
        "reps": args.reps,
        "lang": args.lang,
        "cases": results,
        "values_printed_differently_of_first_5000": differences,
        "per_cell_us_by_column_size": scaling,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    return summary


if __name__ == "__main__":
    main()
