#!/usr/bin/env python3
"""Keep conda-tuna's message catalogs in step with the code (maintainers; needs Babel).

    python scripts/update-catalog.py            # extract, update the .po files, report
    python scripts/update-catalog.py --check    # report only; exit 1 when anything is missing

1. Extracts every marked message from conda_tuna/ (keywords ``_``, ``N_`` and
   ``ngettext:1,2``, as ``pybabel extract -k _ -k N_ -k ngettext:1,2`` does) into the
   template conda_tuna/i18n/conda_tuna.pot (git-ignored: it is derived from the code).
2. Updates each conda_tuna/i18n/locale/<lang>/LC_MESSAGES/conda_tuna.po from it, keeping every
   translation and translator comment: new messages are added untranslated; a reworded
   message gets the old translation of a similar one marked ``fuzzy`` (for a translator to
   check; ``--no-fuzzy-matching`` turns that off); messages no code uses any more are dropped
   and listed (``--keep-obsolete`` keeps them as ``#~`` comments).
3. Reports per language the number of messages, translated, untranslated and fuzzy, and
   lists each untranslated and fuzzy message with where it is used.

``--check`` writes nothing and exits 1 when a .po lacks a message, has an untranslated or
fuzzy one, or keeps one no code uses (what tests/unit/i18n/test_catalog.py enforces).
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import datetime, timezone
from pathlib import Path

try:
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po, write_po
except ImportError:  # pragma: no cover
    sys.exit("update-catalog needs Babel: pip install babel (or pip install -e '.[test]')")

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "conda_tuna"
DOMAIN = "conda_tuna"
LOCALE_DIR = ROOT / PACKAGE / "i18n" / "locale"
TEMPLATE = ROOT / PACKAGE / "i18n" / f"{DOMAIN}.pot"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
WIDTH = 100  # the width the catalogs are written with (long lines stay readable in diffs)


def extract() -> Catalog:
    """The template: every message marked in conda_tuna/, with the files that use it."""
    template = Catalog(project="conda-tuna", domain=DOMAIN, fuzzy=False,
                       creation_date=datetime(2026, 1, 1, tzinfo=timezone.utc))
    found = extract_from_dir(str(ROOT / PACKAGE), method_map=[("**.py", "python")],
                             keywords=KEYWORDS, strip_comment_tags=True)
    for filename, lineno, message, comments, context in found:
        template.add(message, None, [(f"{PACKAGE}/{filename}", lineno)],
                     auto_comments=comments, context=context)
    return template


def catalogs() -> list[Path]:
    return sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def first_line(message) -> str:
    text = key(message).strip().splitlines()[0] if key(message).strip() else key(message)
    return text if len(text) <= 90 else text[:87] + "..."


def where(message, po: Path | None = None) -> str:
    """The code that uses a message, or (for one no code uses) its line in the .po."""
    if po is not None and not message.locations:
        return f"{po.relative_to(ROOT)}:{message.lineno}"
    return ", ".join(sorted({f"{f}:{n}" if n else f for f, n in message.locations})) or "?"


def update(po: Path, template: Catalog, *, fuzzy_matching: bool) -> tuple[Catalog, list]:
    """The .po updated from the template, and the messages it had that no code uses now."""
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=po.parts[-3])
    known = {key(m) for m in template if m.id}
    before = [m for m in catalog if m.id and key(m) not in known]
    catalog.update(template, no_fuzzy_matching=not fuzzy_matching, update_header_comment=False)
    return catalog, before


def report(po: Path, catalog: Catalog, obsolete: list, missing: int) -> int:
    """Print what a translator must do; the number of problems."""
    messages = [m for m in catalog if m.id]
    untranslated = [m for m in messages if not all(
        (s or "").strip() for s in (m.string if isinstance(m.string, tuple) else (m.string,)))]
    empty = {id(m) for m in untranslated}
    fuzzy = [m for m in messages if m.fuzzy and id(m) not in empty]
    translated = len(messages) - len(untranslated) - len(fuzzy)
    print(f"{po.parts[-3]}: {len(messages)} messages, {translated} translated, "
          f"{len(untranslated)} untranslated, {len(fuzzy)} fuzzy, "
          f"{len(obsolete)} no longer used" + (f" ({missing} new)" if missing else ""))
    for label, group in (("untranslated", untranslated), ("fuzzy", fuzzy),
                         ("no longer used", obsolete)):
        for m in group:
            print(f"  {label}: {first_line(m)!r}  [{where(m, po)}]")
    return len(untranslated) + len(fuzzy) + len(obsolete)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when any message needs a translator")
    parser.add_argument("--no-fuzzy-matching", action="store_true",
                        help="add new messages empty instead of guessing from similar ones")
    parser.add_argument("--keep-obsolete", action="store_true",
                        help="keep translations no code uses as #~ comments")
    args = parser.parse_args(argv)

    template = extract()
    print(f"{len([m for m in template if m.id])} messages in {PACKAGE}/")
    if not args.check:
        with TEMPLATE.open("wb") as handle:
            write_po(handle, template, width=WIDTH, include_lineno=False)
    problems = 0
    for po in catalogs():
        with po.open("rb") as handle:
            had = {key(m) for m in read_po(handle) if m.id}
        catalog, obsolete = update(po, template, fuzzy_matching=not args.no_fuzzy_matching)
        missing = len({key(m) for m in catalog if m.id} - had)
        problems += report(po, catalog, obsolete, missing)
        if args.check:
            continue
        buffer = io.BytesIO()
        write_po(buffer, catalog, width=WIDTH, include_lineno=False,
                 ignore_obsolete=not args.keep_obsolete)
        po.write_bytes(buffer.getvalue())
    if args.check and problems:
        print("Catalogs need work: run scripts/update-catalog.py, then translate the "
              "messages listed above.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
