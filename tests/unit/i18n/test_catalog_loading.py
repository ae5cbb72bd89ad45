"""The catalog is found however conda-tuna is installed: the wheel's .mo, or a source
checkout's .po when its .mo is missing or stale, read with the standard library only."""

from __future__ import annotations

import gettext
import io
import os
from pathlib import Path

import pytest

from conda_tuna import i18n
from conda_tuna.i18n import catalog

babel_pofile = pytest.importorskip("babel.messages.pofile")
babel_mofile = pytest.importorskip("babel.messages.mofile")

PO, _MO = catalog.catalog_paths(i18n.LOCALE_DIR, i18n.SIMPLIFIED, i18n.DOMAIN)

SAMPLE = r'''# a translator's comment
msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\n"
"Plural-Forms: nplurals=1; plural=0;\n"

#: conda_tuna/x.py:1
#, python-brace-format
msgid "Mirror {name} "
"failed."
msgstr "镜像 {name} "
"失败。"

#, fuzzy
msgid "Half done."
msgstr "半成品。"

msgid "Untranslated."
msgstr ""

msgid "{n} channel"
msgid_plural "{n} channels"
msgstr[0] "{n} 个频道"

msgctxt "noun"
msgid "Mirror"
msgstr "镜像站"

msgid "Quote \" and \\ and\ttab\n"
msgstr "引号 \" 与 \\ 和\t制表符\n"

#~ msgid "Gone."
#~ msgstr "已删除。"
'''


def babel_translations(text: bytes) -> gettext.GNUTranslations:
    buf = io.BytesIO()
    babel_mofile.write_mo(buf, babel_pofile.read_po(io.BytesIO(text)), use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def ours(text: str) -> gettext.GNUTranslations:
    return gettext.GNUTranslations(io.BytesIO(catalog.compile_po(text)))


def test_reader_matches_babel_on_the_sample():
    mine, babel = ours(SAMPLE), babel_translations(SAMPLE.encode())
    assert {k: v for k, v in mine._catalog.items() if k} \
        == {k: v for k, v in babel._catalog.items() if k}
    assert mine.gettext("Mirror {name} failed.") == "镜像 {name} 失败。"
    assert mine.gettext("Half done.") == "Half done."  # fuzzy: left out
    assert mine.gettext("Untranslated.") == "Untranslated."
    assert mine.ngettext("{n} channel", "{n} channels", 3) == "{n} 个频道"
    assert mine.pgettext("noun", "Mirror") == "镜像站"
    assert mine.gettext("Gone.") == "Gone."


def test_reader_matches_babel_on_the_real_catalog():
    """Every translation of the shipped zh_CN catalog reads the same through either path."""
    mine, babel = ours(PO.read_text("utf-8")), babel_translations(PO.read_bytes())
    mine_msgs = {k: v for k, v in mine._catalog.items() if k}
    assert mine_msgs, "the zh_CN catalog has no translations"
    assert mine_msgs == {k: v for k, v in babel._catalog.items() if k}
    assert mine.plural(7) == babel.plural(7) == 0


def write_catalog(root: Path, text: str, *, mo: bytes | None, mo_older: bool) -> Path:
    po, mo_path = catalog.catalog_paths(root, "zh_CN", "demo")
    po.parent.mkdir(parents=True)
    po.write_text(text, "utf-8")
    if mo is not None:
        mo_path.write_bytes(mo)
        stamp = po.stat().st_mtime_ns
        mo_time = stamp - 10**9 if mo_older else stamp + 10**9
        os.utime(mo_path, ns=(mo_time, mo_time))
    return root


def test_missing_mo_reads_the_po(tmp_path):
    root = write_catalog(tmp_path, SAMPLE, mo=None, mo_older=False)
    assert catalog.load(root, "zh_CN", "demo").gettext("Mirror {name} failed.") \
        == "镜像 {name} 失败。"


def test_stale_mo_gives_way_to_the_newer_po(tmp_path):
    old = catalog.compile_po(SAMPLE.replace("镜像 {name} ", "旧的 {name} "))
    root = write_catalog(tmp_path, SAMPLE, mo=old, mo_older=True)
    assert catalog.load(root, "zh_CN", "demo").gettext("Mirror {name} failed.") \
        == "镜像 {name} 失败。"


def test_fresh_mo_is_used(tmp_path):
    mo = catalog.compile_po(SAMPLE.replace("镜像 {name} ", "编译的 {name} "))
    root = write_catalog(tmp_path, SAMPLE, mo=mo, mo_older=False)
    assert catalog.load(root, "zh_CN", "demo").gettext("Mirror {name} failed.") \
        == "编译的 {name} 失败。"


def test_wheel_layout_has_only_the_mo(tmp_path):
    mo = tmp_path / "zh_CN" / "LC_MESSAGES" / "demo.mo"
    mo.parent.mkdir(parents=True)
    mo.write_bytes(catalog.compile_po(SAMPLE))
    assert catalog.load(tmp_path, "zh_CN", "demo").gettext("Untranslated.") == "Untranslated."
    assert catalog.load(tmp_path, "zh_CN", "demo").gettext("Mirror {name} failed.") \
        == "镜像 {name} 失败。"


@pytest.mark.parametrize("text", ['msgid "a"\nmsgstr "b', 'bogus "x"\n', '"orphan"\n'])
def test_a_broken_catalog_means_english(tmp_path, text):
    root = write_catalog(tmp_path, text, mo=None, mo_older=False)
    assert type(catalog.load(root, "zh_CN", "demo")) is gettext.NullTranslations
    assert catalog.load(root, "zh_CN", "demo").gettext("a") == "a"


def test_no_catalog_means_english(tmp_path):
    assert catalog.load(tmp_path, "zh_CN", "demo").gettext("Mirror") == "Mirror"


def test_the_package_speaks_chinese_from_this_checkout(monkeypatch):
    """An editable install (this checkout) speaks Chinese whether or not a .mo was built."""
    monkeypatch.setenv(i18n.SETTING_ENV, "zh_CN")
    monkeypatch.delitem(__import__("sys").modules, "conda.base.context", raising=False)
    i18n.reset()
    try:
        entry = next(e for e in catalog.parse_po(PO.read_text("utf-8"))
                     if e["msgid"] and "msgid_plural" not in e and not e["fuzzy"]
                     and e["msgstr"][0])
        assert i18n._(entry["msgid"]) == entry["msgstr"][0]
    finally:
        i18n.reset()
