"""The zh_CN catalog is complete and sound for every message the code marks.

Messages are extracted from conda_tuna/ with Babel's own extractor and the keywords of
scripts/update-catalog.py (``_``, ``N_``, ``ngettext:1,2``). Each test lists every problem
it finds as ``file:line: problem: message`` (the code's location; the .po's line for
entries no code uses), so a translator can work down the list. The fix for most of them:
``python scripts/update-catalog.py``, then translate what it reports.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

babel_extract = pytest.importorskip("babel.messages.extract")
babel_pofile = pytest.importorskip("babel.messages.pofile")

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "conda_tuna"
LOCALE_DIR = PACKAGE / "i18n" / "locale"
LANGUAGES = ("zh_CN",)
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
#: %-style conversions (argparse's words, logging): %s, %(name)s, %r, %d, %.1f ...
_PERCENT = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
_WORD = re.compile(r"[A-Za-z]{2,}")


@dataclass
class Extracted:
    ids: tuple[str, ...]  # msgid, and msgid_plural for ngettext
    where: list[str] = field(default_factory=list)  # conda_tuna/path.py:line


@cache
def extracted() -> dict[str, Extracted]:
    """msgid -> what the code marks, with every place that uses it."""
    found: dict[str, Extracted] = {}
    for filename, lineno, message, _comments, _context in babel_extract.extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS):
        ids = tuple(m for m in (message if isinstance(message, tuple) else (message,)) if m)
        if not ids:
            continue
        entry = found.setdefault(ids[0], Extracted(ids))
        entry.where.append(f"conda_tuna/{filename}:{lineno}")
    return found


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "conda_tuna.po"


@cache
def catalog(language: str):
    with po_path(language).open("rb") as handle:
        return babel_pofile.read_po(handle, locale=language)


def msgid(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def strings(message) -> tuple[str, ...]:
    value = message.string
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def placeholders(text: str) -> Counter:
    """What a translation must keep: each {name!conv:spec} field and %(name)s conversion
    (present or not: a translation may use one twice), and the number of unnamed %s-style
    conversions (argparse's and logging's positional arguments)."""
    found: Counter = Counter()
    try:
        for _lit, name, spec, conv in string.Formatter().parse(text):
            if name is not None:
                found["{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec
                                                                       else "") + "}"] = 1
    except ValueError:  # a lone brace: compare the braces themselves
        found.update(ch for ch in text if ch in "{}")
    for match in _PERCENT.finditer(text):
        conversion = match.group(0)
        if conversion == "%%":
            continue
        if conversion.startswith("%("):
            found[conversion] = 1
        else:
            found[conversion] += 1
    return found


def english_words(text: str) -> int:
    """Words of English in a message, not counting {placeholders} and %-conversions."""
    text = _PERCENT.sub(" ", re.sub(r"\{[^{}]*\}", " ", text))
    return len(_WORD.findall(text))


def first_place(mid: str) -> str:
    return extracted()[mid].where[0]


def report(problems: list[str], what: str) -> str:
    return (f"{len(problems)} {what} (run `python scripts/update-catalog.py` and translate; "
            "see README, 'Translations'):\n" + "\n".join(problems))


def test_extraction_finds_the_messages():
    assert len(extracted()) > 50
    assert "usage: " in extracted()  # argparse's words, listed in i18n/argparse_l10n.py


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_has_a_translation(language):
    cat = catalog(language)
    problems = []
    for mid, code in extracted().items():
        entry = cat.get(mid)
        if entry is None:
            problems.append(f"{first_place(mid)}: not in the catalog: {mid!r}")
        elif not all((s or "").strip() for s in strings(entry)):
            problems.append(f"{first_place(mid)}: untranslated: {mid!r}")
        elif entry.fuzzy:
            problems.append(f"{first_place(mid)}: fuzzy (check and remove the flag): {mid!r}")
        elif len(code.ids) > 1 and not isinstance(entry.id, tuple):
            problems.append(f"{first_place(mid)}: plural message without msgid_plural: {mid!r}")
        elif len(code.ids) > 1 and len(strings(entry)) < cat.num_plurals:
            problems.append(f"{first_place(mid)}: {len(strings(entry))} of {cat.num_plurals} "
                            f"plural forms: {mid!r}")
    assert not problems, report(problems, f"message(s) without a {language} translation")


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language):
    cat = catalog(language)
    problems = []
    for mid, code in extracted().items():
        entry = cat.get(mid)
        if entry is None:
            continue
        # a plural's forms keep the fields of msgid and msgid_plural together (English may
        # spell out "one channel" in the singular; zh_CN has one form for both)
        wanted = placeholders(code.ids[0]) | (placeholders(code.ids[1]) if len(code.ids) > 1
                                              else Counter())
        for form in strings(entry):
            if form and placeholders(form) != wanted:
                problems.append(f"{first_place(mid)}: placeholders {sorted(wanted)} -> "
                                f"{sorted(placeholders(form))}: {mid!r} -> {form!r}")
    assert not problems, report(problems, "translation(s) with other placeholders")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_english_copies(language):
    """A msgstr equal to its English msgid (more than two English words, placeholders and
    layout not counted) was never translated."""
    cat = catalog(language)
    problems = [f"{first_place(mid)}: msgstr is the English text: {mid!r}"
                for mid in extracted() if (entry := cat.get(mid)) is not None
                and english_words(mid) > 2 and any(s == mid for s in strings(entry))]
    assert not problems, report(problems, "English copies")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_obsolete_entries(language):
    """Entries no code uses (and #~ leftovers) are noise that misleads translators."""
    cat = catalog(language)
    po = po_path(language).relative_to(ROOT)
    problems = [f"{po}:{m.lineno}: no code uses: {msgid(m)!r}" for m in cat
                if m.id and msgid(m) not in extracted()]
    problems += [f"{po}:{m.lineno}: obsolete (#~) entry: {msgid(m)!r}"
                 for m in cat.obsolete.values()]
    assert not problems, report(problems, "obsolete entries")


def test_placeholder_reader():
    assert placeholders("Mirror {name} answered in {ms:.0f} ms ({url!r}).") == Counter(
        {"{name}": 1, "{ms:.0f}": 1, "{url!r}": 1})
    assert placeholders("invalid choice: %(value)r (choose from %(choices)s)") == Counter(
        {"%(value)r": 1, "%(choices)s": 1})
    assert placeholders("100%% sure, %s of %d") == Counter({"%s": 1, "%d": 1})
    assert placeholders("{name} and {name}, %s %s") == Counter({"{name}": 1, "%s": 2})
    assert english_words("  {channel}  -> {via}  {url}") == 0
    assert english_words("Mirror {name} is stale.") == 3
