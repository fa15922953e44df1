"""The limited workbook reader against bare calamine, on a generated register workbook.

`python -m bench.bench_workbook [--rows 50000] [--sheets 12] [--reps 5]` writes
`bench/out/register_v2_<rows>x<sheets>.xlsx` (openpyxl, 20 columns, a title row above the
header, seeded random digits for NIK and phone: nobody's data) unless it exists, then
times, interleaved, the median of `--reps` runs of

(a) bare calamine: `CalamineWorkbook.from_path` and `to_python()` of every sheet;
(b) ours: `workbook.Workbook` (archive checks, declared dimensions) and `rows()` of
    every sheet (reader process with memory limit, control characters removed).

Wall time and CPU time (this process plus its children) are both shown: the reader
process works while this one unpickles, so on two idle cores the wall ratio is the one
an import feels. The machine is shared: compare the ratios of one run.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

OUT = Path(__file__).resolve().parent / "out"
HEADER = [
    "No", "No. Register", "Tanggal Daftar", "Via", "NIK", "No. HP", "Nama", "Kecamatan",
    "Layanan", "No. Antrean", "Tanggal Rekam", "Suhu", "Masker", "Cuci Tangan",
    "Jam Datang", "Jam Selesai", "Keterangan", "Alamat", "Petugas", "Catatan",
]  # fmt: skip


def generate(path: Path, rows: int, sheets: int, seed: int = 1) -> None:
    import openpyxl

    rng = random.Random(seed)
    book = openpyxl.Workbook(write_only=True)
    for s in range(sheets):
        sheet = book.create_sheet(f"Bulan {s + 1}")
        sheet.append([f"DAFTAR PEREKAMAN KTP-EL BULAN {s + 1} 2020"])
        sheet.append([])
        sheet.append(HEADER)
        for i in range(rows // sheets):
            when = datetime(2020, s % 12 + 1, i % 28 + 1, 8, i % 60)
            status = rng.choice(["sudah rekam", "ditolak - demam", "tidak datang", ""])
            # As an office writes it: the screening and the arrival only for those who came,
            # the finish time only for those recorded (a turned-away person is not recorded;
            # CONTRACT 1.4 quarantines a finish time on a "ditolak" row).
            came = status in ("sudah rekam", "ditolak - demam")
            screening = [36.5 + i % 10 / 10, "ya", "ya", "08:15"] if came else [None] * 4
            if status == "ditolak - demam":
                screening[0] = 37.5 + i % 10 / 10
            finished = "08:30" if status == "sudah rekam" else None
            sheet.append(
                [
                    i + 1, f"REG-{s}-{i}", when, rng.choice(["WA", "Datang langsung"]),
                    str(rng.randrange(10**15, 10**16)), f"0812{rng.randrange(10**8):08d}",
                    f"Warga {i}", rng.choice(["Paringin", "Juai", "Halong"]), "ktp_el",
                    i % 100, when.date(), *screening, finished, status,
                    f"Jl. A. Yani km {i % 50}", "Budi", "",
                ]
            )  # fmt: skip
    book.save(path)


def bare(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    return sum(len(book.get_sheet_by_name(n).to_python()) for n in book.sheet_names)


def ours(path: Path) -> int:
    from dashboard import workbook

    with workbook.Workbook(path) as book:
        return sum(1 for s in book.sheets for _ in book.rows(s.name))


def _cpu() -> float:
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(step: Callable[[Path], int], path: Path) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), _cpu()
    step(path)
    return time.perf_counter() - wall, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--sheets", type=int, default=12)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / f"register_v2_{args.rows}x{args.sheets}.xlsx"
    if not path.exists():
        generate(path, args.rows, args.sheets)
    runs: dict[str, list[tuple[float, float]]] = {"bare": [], "ours": []}
    for _ in range(args.reps):
        runs["bare"].append(timed(bare, path))
        runs["ours"].append(timed(ours, path))
    med = {k: tuple(statistics.median(x[i] for x in v) for i in (0, 1)) for k, v in runs.items()}
    print(f"{path.name}: {path.stat().st_size / 1e6:.1f} MB, median of {args.reps}")
    for name, (wall, cpu) in med.items():
        print(f"  {name:5} wall {wall:6.3f} s   cpu {cpu:6.3f} s")
    print(
        f"  ours/bare: wall {med['ours'][0] / med['bare'][0]:.2f}x, "
        f"cpu {med['ours'][1] / med['bare'][1]:.2f}x"
    )


if __name__ == "__main__":
    main()
