"""scripts/update-catalog.py on a small package: extraction, update keeping translations,
the report, and --check's exit status."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytest.importorskip("babel")

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "update-catalog.py"

PO = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"

# 译者注释保留
msgid "Mirror {name} failed."
msgstr "镜像 {name} 失败。"

msgid "Nobody says this any more."
msgstr "已经没人用的句子。"

msgid "Switching to mirror {name} now."
msgstr "现在切换到镜像 {name}。"
'''

CODE = '''from conda_tuna.i18n import N_, _, ngettext
HELP = N_("Module help.")
print(_("Mirror {name} failed.").format(name=1))
print(_("Switching to mirror {name}.").format(name=1))
print(ngettext("{n} channel", "{n} channels", 2).format(n=2))
'''


@pytest.fixture
def script(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("update_catalog", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    package = tmp_path / "conda_tuna"
    (package / "i18n" / "locale" / "zh_CN" / "LC_MESSAGES").mkdir(parents=True)
    (package / "x.py").write_text(CODE, "utf-8")
    po = package / "i18n" / "locale" / "zh_CN" / "LC_MESSAGES" / "conda_tuna.po"
    po.write_text(PO, "utf-8")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "LOCALE_DIR", package / "i18n" / "locale")
    monkeypatch.setattr(module, "TEMPLATE", package / "i18n" / "conda_tuna.pot")
    return module, po


def test_check_reports_and_writes_nothing(script, capsys):
    module, po = script
    assert module.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "zh_CN: 4 messages, 1 translated, 2 untranslated, 1 fuzzy, 2 no longer used " \
        "(3 new)" in out
    assert "untranslated: 'Module help.'  [conda_tuna/x.py:2]" in out
    assert "fuzzy: 'Switching to mirror {name}.'" in out
    assert "no longer used: 'Nobody says this any more.'  [conda_tuna/i18n/locale/zh_CN/" \
        "LC_MESSAGES/conda_tuna.po:10]" in out
    # a reworded message: the old msgid is gone, its translation carried over as fuzzy
    assert "no longer used: 'Switching to mirror {name} now.'" in out
    assert po.read_text("utf-8") == PO
    assert not module.TEMPLATE.exists()


def test_update_keeps_translations_and_drops_unused(script, capsys):
    module, po = script
    assert module.main([]) == 0
    text = po.read_text("utf-8")
    assert 'msgstr "镜像 {name} 失败。"' in text and "# 译者注释保留" in text
    assert "Nobody says this" not in text
    assert '#, fuzzy' in text and 'msgid "Switching to mirror {name}."' in text
    assert 'msgid_plural "{n} channels"' in text
    assert module.TEMPLATE.is_file()
    capsys.readouterr()
    assert module.main(["--check"]) == 1  # still: two untranslated, one fuzzy
    assert "0 no longer used" in capsys.readouterr().out
