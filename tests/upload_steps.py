"""Driving the data-quality page's two-step upload in AppTest (issue 10): choose a file
and press "Periksa" (check), then "Simpan" (save) once the preview is shown."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

CHECK = "dq_check"
PREVIEW = "dq_preview"
SAVE = "dq_save"
CANCEL = "dq_cancel"


def button_keys(at: AppTest) -> list[str]:
    return [b.key for b in at.button]


def check(at: AppTest, name: str, content: bytes, mime: str = "text/csv") -> AppTest:
    """Choose the file and press Periksa: the file is looked at, nothing is written."""
    at.file_uploader(key="dq_upload_file").set_value((name, content, mime))
    return at.button(key=CHECK).click().run()


def check_and_save(at: AppTest, name: str, content: bytes, mime: str = "text/csv") -> AppTest:
    """Periksa, then Simpan when the preview offers it (a refused file offers no Save)."""
    at = check(at, name, content, mime)
    if SAVE in button_keys(at):
        at = at.button(key=SAVE).click().run()
    return at
