"""Which language conda-tuna speaks: gettext's variable order, Simplified Chinese only for
the locales that use it, and the setting first."""

from __future__ import annotations

import pytest

from conda_tuna.i18n import ENGLISH, SIMPLIFIED, classify, resolve_language


@pytest.mark.parametrize(("tag", "expected"), [
    ("zh_CN.UTF-8", SIMPLIFIED), ("zh_CN", SIMPLIFIED), ("zh", SIMPLIFIED),
    ("zh_SG.UTF-8", SIMPLIFIED), ("zh-Hans-CN", SIMPLIFIED), ("zh-Hans-HK", SIMPLIFIED),
    ("zh_CN@pinyin", SIMPLIFIED),
    ("zh_TW.UTF-8", None), ("zh_HK", None), ("zh-Hant", None),
    ("en_US.UTF-8", ENGLISH), ("C", ENGLISH), ("POSIX", ENGLISH), ("C.UTF-8", ENGLISH),
    ("de_DE.UTF-8", None), ("", None),
])
def test_classify(tag, expected):
    assert classify(tag) == expected


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, ENGLISH),
    ({"LANG": "zh_CN.UTF-8"}, SIMPLIFIED),
    ({"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, ENGLISH),  # LC_ALL beats LANG
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, SIMPLIFIED),
    ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, SIMPLIFIED),
    ({"LANGUAGE": "de:zh_CN", "LANG": "en_US.UTF-8"}, SIMPLIFIED),  # next LANGUAGE entry
    ({"LANGUAGE": "zh_TW", "LANG": "zh_CN.UTF-8"}, SIMPLIFIED),  # no zh_TW: on to LANG
    ({"LANG": "zh_TW.UTF-8"}, ENGLISH),
])
def test_locale_order(environ, expected):
    assert resolve_language(None, environ, platform="linux") == expected


@pytest.mark.parametrize(("setting", "expected"), [
    ("en", ENGLISH), ("zh_CN", SIMPLIFIED), ("auto", SIMPLIFIED), ("", SIMPLIFIED),
    ("klingon", ENGLISH),
])
def test_setting_overrides_locale(setting, expected):
    assert resolve_language(setting, {"LANG": "zh_CN.UTF-8"}, platform="linux") == expected


def test_json_output_stays_english(monkeypatch):
    """Under --json every text is English, whatever the locale: scripts read one document."""
    import sys
    import types

    from conda_tuna import i18n

    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", i18n.SETTING_ENV):
        monkeypatch.delenv(name, raising=False)
    fake = types.SimpleNamespace(context=types.SimpleNamespace(json=True, plugins=None))
    monkeypatch.setitem(sys.modules, "conda.base.context", fake)
    i18n.reset()
    try:
        assert i18n.current_language() == i18n.SIMPLIFIED
        assert i18n._("Undo with `conda tuna disable`.") == "Undo with `conda tuna disable`."
        assert i18n.ngettext("{n} spec", "{n} specs", 2) == "{n} specs"
        assert i18n.json_output()
    finally:
        i18n.reset()
