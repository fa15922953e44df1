"""Write large, realistic, seeded request and appointment logs for the ingest benchmark.

`python -m bench.gen_large [--rows N] [--seed S]` writes `bench/out/requests_large.csv`
and `bench/out/appointments_large.csv` (1,000,000 rows each by default), as offices
export them: mixed timestamp forms (ISO, ISO with offset/`Z`, day-first with `/`, `-`,
`.`), Indonesian aliases, comma-decimal temperatures, and about 0.5% bad rows (bad
dates, unknown channels and statuses, short NIKs, impossible temperatures, ragged
lines, duplicate IDs). Phones and NIKs are random digits, not anyone's data. Also
writes a small `;`-delimited copy (first 10,000 rows) to check that form reads too.
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

from dashboard.ingest import INPUT_COLUMNS

OUT = Path(__file__).resolve().parent / "out"

CHANNELS = ["whatsapp", "wa", "WhatsApp", "walk_in", "Walk-in", "loket", "online", "web", "app"]
CHANNEL_WEIGHTS = [30, 10, 5, 20, 5, 5, 10, 5, 10]
KECAMATAN = ["Paringin", "Paringin Selatan", "Batumandi", "Lampihong", "Juai", "Awayan", "Halong"]
SERVICES = ["", "", "", "ktp_el", "kk", "akta_lahir"]
BAD_RATE = 0.005


def fmt_ts(rng: random.Random, ts: datetime) -> str:
    """One of the timestamp forms offices write (CONTRACT 1.3)."""
    r = rng.random()
    if r < 0.5:
        return ts.strftime("%Y-%m-%d %H:%M:%S")
    if r < 0.65:
        return ts.strftime("%d/%m/%Y %H.%M")
    if r < 0.75:
        return ts.strftime("%d-%m-%Y %H:%M")
    if r < 0.85:
        return ts.strftime("%Y-%m-%dT%H:%M")
    if r < 0.92:
        return (ts - timedelta(hours=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ts.strftime("%Y-%m-%d %H:%M:%S+08:00")


def fmt_date(rng: random.Random, d: datetime) -> str:
    return d.strftime("%Y-%m-%d") if rng.random() < 0.6 else d.strftime("%d/%m/%Y")


def gen_requests(rng: random.Random, n: int, path: Path) -> None:
    start = datetime(2020, 6, 8, 7, 0)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(INPUT_COLUMNS["requests"])
        for i in range(n):
            ts = start + timedelta(minutes=i * 0.3 + rng.random() * 60)
            rid = f"R{i:07d}"
            row = [
                rid,
                fmt_ts(rng, ts),
                rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
                rng.choice(SERVICES),
                rng.choice(KECAMATAN),
                f"+62 8{rng.randrange(10**9, 10**10)}" if rng.random() < 0.7 else "",
                f"63{rng.randrange(10**13, 10**14)}" if rng.random() < 0.5 else "",
                fmt_ts(rng, ts + timedelta(days=3)) if rng.random() < 0.05 else "",
            ]
            if rng.random() < BAD_RATE:
                kind = rng.randrange(5)
                if kind == 0:
                    row[1] = "31/02/2020"
                elif kind == 1:
                    row[2] = "fax"
                elif kind == 2:
                    row[6] = "12345"
                elif kind == 3:
                    row.append("stray")  # a ragged line
                else:
                    row[0] = f"R{max(i - 1, 0):07d}"  # duplicate of the previous ID
            w.writerow(row)


def request_for(rng: random.Random, i: int, n: int) -> int:
    """A request received within the two weeks before appointment i's day (~4,800 a day)."""
    newest = min(n - 1, (i // 600) * 4800)
    return rng.randrange(max(0, newest - 14 * 4800), newest + 1)


def gen_appointments(rng: random.Random, n: int, path: Path, delimiter: str = ",") -> None:
    start = datetime(2020, 6, 10, 8, 0)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(INPUT_COLUMNS["appointments"])
        for i in range(n):
            day = start + timedelta(days=i // 600)
            status = rng.choices(
                ["recorded", "terekam", "rejected", "no_show", "scheduled", "cancelled"],
                [55, 10, 5, 15, 10, 5],
            )[0]
            checked = recorded = temp = mask = hand = reason = ""
            if status in ("recorded", "terekam", "rejected"):
                arrive = day + timedelta(minutes=rng.randrange(0, 480))
                checked = fmt_ts(rng, arrive)
                t = 36.0 + rng.random() * 1.5
                temp = f"{t:.1f}".replace(".", ",") if rng.random() < 0.3 else f"{t:.1f}"
                mask = rng.choice(["ya", "yes", "1", "true"])
                hand = rng.choice(["ya", "Y", "true"])
                if status == "rejected":
                    reason = rng.choice(["fever", "demam", "no_mask", "symptoms"])
                    temp = "38.2"
                else:
                    recorded = fmt_ts(rng, arrive + timedelta(minutes=20))
            row = [
                f"A{i:07d}",
                f"R{request_for(rng, i, n):07d}",
                str(i % 600 + 1),
                fmt_date(rng, day),
                status,
                checked,
                temp,
                mask,
                hand,
                reason,
                recorded,
            ]
            if rng.random() < BAD_RATE:
                kind = rng.randrange(5)
                if kind == 0:
                    row[3] = "32/13/2020"
                elif kind == 1:
                    row[4] = "lost"
                elif kind == 2:
                    row[6] = "52"
                elif kind == 3:
                    row = row[:5]  # a ragged line
                else:
                    row[7] = "maybe"
            w.writerow(row)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2020)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    gen_requests(random.Random(args.seed), args.rows, OUT / "requests_large.csv")
    gen_appointments(random.Random(args.seed + 1), args.rows, OUT / "appointments_large.csv")
    gen_appointments(
        random.Random(args.seed + 2),
        min(args.rows, 10_000),
        OUT / "appointments_semicolon.csv",
        delimiter=";",
    )
    for p in sorted(OUT.glob("*.csv")):
        print(f"{p}: {p.stat().st_size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
