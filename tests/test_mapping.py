"""Column mappings (dashboard/mapping.py): the hand-written file format, saved mappings keyed
by the header's fingerprint, and what a mapping does to an import (CLI `--mapping`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dashboard import mapping, roles

STAFF = roles.Actor(username="petugas", role="staff")
HEAD = roles.Actor(username="kadis", role="head")


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_hand_written_mapping_is_read_with_headers_matched_loosely(tmp_path: Path) -> None:
    m = mapping.load_file(
        _write(
            tmp_path / "m.json",
            {"kind": "requests", "columns": {"Tgl. Masuk": "received_at", "Nama": None}},
        )
    )
    assert m.kind == "requests"
    assert m.meaning("TGL MASUK") == (True, "received_at")
    assert m.meaning(" tgl-masuk ") == (True, "received_at")
    assert m.meaning("nama") == (True, None)
    assert m.meaning("Via") == (False, None)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([1, 2], "a mapping is a JSON object"),
        ({"columns": {"A": "received_at"}, "kind": "register"}, "must be requests or appointments"),
        ({"kind": "requests", "columns": {"Tgl": "scheduled_date"}}, "not a column of requests"),
        ({"columns": {"Tgl": "tanggal"}}, "not a column of either log"),
        ({"columns": {"Tgl": "received_at", "TGL": "channel"}}, "mapped twice"),
        ({"columns": {"Masuk": "received_at", "Datang": "received_at"}}, "both mapped to"),
        ({"columns": {"...": "received_at"}}, "an empty header name"),
    ],
)
def test_a_bad_mapping_is_refused_with_one_line(
    tmp_path: Path, data: object, expected: str
) -> None:
    with pytest.raises(mapping.MappingError) as err:
        mapping.load_file(_write(tmp_path / "m.json", data))
    assert expected in str(err.value)
    assert "\n" not in str(err.value) and str(err.value).startswith("m.json: ")


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text('{"columns": {"A": ', encoding="utf-8")
    with pytest.raises(mapping.MappingError, match="not a JSON mapping file"):
        mapping.load_file(path)
    with pytest.raises(mapping.MappingError, match="cannot read"):
        mapping.load_file(tmp_path / "missing.json")


def test_a_number_in_a_mapped_header_is_never_echoed(tmp_path: Path) -> None:
    with pytest.raises(mapping.MappingError) as err:
        mapping.load_file(_write(tmp_path / "m.json", {"columns": {"6308011234560001": "x"}}))
    assert "6308011234560001" not in str(err.value)


def test_the_fingerprint_ignores_case_spaces_and_punctuation() -> None:
    a = mapping.fingerprint(["Tgl. Masuk", "Via", "No HP"])
    assert a == mapping.fingerprint(["tgl masuk", " VIA", "no-hp"])
    assert a != mapping.fingerprint(["Tgl. Masuk", "No HP", "Via"])
    assert len(a) == 16


def test_saved_mappings_are_found_by_header_listed_and_removed(home: Path) -> None:
    header = ["Tgl Masuk", "Via", "NIK 6308011234560001"]
    m = mapping.parse(
        {"kind": "requests", "columns": {"Tgl Masuk": "received_at", "Via": "channel"}}, "page"
    )
    assert mapping.saved_for(header) is None
    fp = mapping.save(header, m, actor=STAFF)
    again = mapping.saved_for(["tgl masuk", "via", "nik 6308011234560001"])
    assert again is not None and again.columns == m.columns and again.kind == "requests"
    (listed,) = mapping.list_saved()
    assert listed.fingerprint == fp and listed.saved_by == "petugas"
    # A number typed into a header is masked in what is kept.
    stored = (home / "mappings" / f"{fp}.json").read_text(encoding="utf-8")
    assert "6308011234560001" not in stored
    with pytest.raises(roles.PermissionDenied):
        mapping.remove(fp, actor=HEAD)
    assert mapping.remove(fp, actor=STAFF) is True
    assert mapping.saved_for(header) is None and mapping.list_saved() == []
    assert mapping.remove(fp, actor=STAFF) is False


def test_saving_needs_the_import_permission(home: Path) -> None:
    m = mapping.parse({"columns": {"A": "received_at"}}, "page")
    with pytest.raises(roles.PermissionDenied):
        mapping.save(["A"], m, actor=HEAD)
    assert not (home / "mappings").exists() or not list((home / "mappings").iterdir())


def test_a_fingerprint_from_outside_cannot_name_another_file(home: Path) -> None:
    with pytest.raises(mapping.MappingError):
        mapping.remove("../users", actor=STAFF)
