"""Every message about uv and conda-pypi (issue 12) has a Simplified Chinese translation with
the same placeholders (the project-wide catalog test covers the rest of conda-tuna)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

babel_extract = pytest.importorskip("babel.messages.extract")
babel_pofile = pytest.importorskip("babel.messages.pofile")

PACKAGE = Path(__file__).resolve().parents[3] / "conda_tuna"
PO = PACKAGE / "i18n" / "locale" / "zh_CN" / "LC_MESSAGES" / "conda_tuna.po"
#: the uv editor is wholly this feature's; elsewhere, the messages that name uv/conda-pypi
WHOLE = ("pypi/uvtoml.py",)
SHARED = ("pypi/adapter.py", "cli/enable.py", "cli/disable.py", "cli/status.py",
          "cli/__init__.py")
ABOUT = re.compile(r"\buv\b|conda-pypi|--no-uv|^pip (would|now) use|Would write \{file\}")
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def _messages() -> list[tuple[str, str]]:
    found = []
    for name in (*WHOLE, *SHARED):
        for _line, msg, _c, _ctx in babel_extract.extract_from_file(
                "python", str(PACKAGE / name), keywords=KEYWORDS):
            text = msg if isinstance(msg, str) else msg[0]
            if name in WHOLE or ABOUT.search(text.strip()):
                found.append((name, text))
    return found


def _fields(text: str) -> set[str]:
    return {f for _lit, f, _spec, _conv in string.Formatter().parse(text) if f}


def test_the_messages_are_found():
    assert len(_messages()) > 30


@pytest.mark.parametrize(("module", "msgid"), _messages())
def test_each_message_has_a_chinese_translation(module, msgid):
    with open(PO, "rb") as handle:
        catalog = babel_pofile.read_po(handle)
    entry = catalog.get(msgid)
    assert entry is not None, f"{module}: no zh_CN entry for {msgid!r}"
    assert entry.string and not entry.fuzzy, f"{module}: untranslated {msgid!r}"
    assert _fields(entry.string) == _fields(msgid), (msgid, entry.string)
    assert re.search(r"[\u4e00-\u9fff]", entry.string), entry.string
