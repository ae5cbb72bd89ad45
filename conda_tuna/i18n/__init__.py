"""Which language conda-tuna speaks, and the gettext functions that speak it.

Every message conda-tuna shows a user goes through :func:`_` (or :func:`ngettext`);
module-level texts (argparse help, tables) are marked with :func:`N_` and translated where
they are shown. Catalogs are standard gettext: ``locale/<lang>/LC_MESSAGES/conda_tuna.po``
in git, compiled to ``.mo`` by ``hatch_build.py`` when the wheel is built; a source checkout
whose ``.mo`` is missing or older than its ``.po`` reads the ``.po`` (see :mod:`.catalog`).

Why a resolver of our own instead of ``gettext.translation(domain)`` alone: gettext walks
LANGUAGE, LC_ALL, LC_MESSAGES, LANG (the first non-empty wins) and falls back from ``zh_TW``
to ``zh``; with one catalog named ``zh_CN`` it would miss ``zh_SG``/``zh-Hans`` and, with one
named ``zh``, it would give Simplified Chinese to ``zh_TW``/``zh_HK`` users, who did not
choose it. This module keeps gettext's order but decides per entry; the setting
``plugins.tuna_language`` (``auto``, ``en``, ``zh_CN``) overrides the locale.

Pure: no conda import. When conda is already loaded (inside a conda command), the setting is
read from conda's context; otherwise from ``CONDA_PLUGINS_TUNA_LANGUAGE``. The catalog is
loaded on first use, so importing this module costs nothing.
"""

# architecture: pure

from __future__ import annotations

import gettext
import os
import sys
from collections.abc import Mapping
from functools import cache, lru_cache
from pathlib import Path

DOMAIN = "conda_tuna"
LOCALE_DIR = Path(__file__).with_name("locale")
ENGLISH, SIMPLIFIED = "en", "zh_CN"
LANGUAGES = (ENGLISH, SIMPLIFIED)
ENV_ORDER = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
SETTING_ENV = "CONDA_PLUGINS_TUNA_LANGUAGE"
_HANS_REGIONS = frozenset({"CN", "SG", "MY"})
_HANT_REGIONS = frozenset({"TW", "HK", "MO"})


def classify(tag: str) -> str | None:
    """One locale name -> "en", "zh_CN", or None when conda-tuna has no catalog for it.

    Accepts POSIX names (``zh_CN.UTF-8``, ``zh_CN@pinyin``), BCP 47 (``zh-Hans-CN``) and bare
    ``zh``. Traditional Chinese (zh_TW, zh_HK, zh_MO, zh-Hant) is None: Simplified text is not
    what those users chose, so they get the next LANGUAGE entry or English.
    """
    base = tag.strip().split(".")[0].split("@")[0].replace("-", "_")
    parts = [p for p in base.split("_") if p]
    if not parts:
        return None
    lang = parts[0].lower()
    if lang in ("c", "posix", "en"):
        return ENGLISH
    if lang != "zh":
        return None
    rest = {p.upper() if len(p) == 2 else p.title() for p in parts[1:]}
    if "Hans" in rest:  # an explicit script wins over the region (zh-Hans-HK)
        return SIMPLIFIED
    if "Hant" in rest or rest & _HANT_REGIONS:
        return None
    if not rest or rest & _HANS_REGIONS:
        return SIMPLIFIED
    return None


def resolve_language(setting: str | None, environ: Mapping[str, str],
                     platform: str = sys.platform) -> str:
    """The language to use: the setting unless empty or "auto", else the locale, as gettext."""
    if setting and str(setting).strip().lower() not in ("", "auto"):
        return classify(str(setting)) or ENGLISH
    for name in ENV_ORDER:
        value = environ.get(name, "")
        if not value:
            continue
        entries = value.split(":") if name == "LANGUAGE" else [value]
        for entry in entries:
            found = classify(entry) if entry else None
            if found:
                return found
        if name != "LANGUAGE":
            return ENGLISH  # gettext: the first non-empty locale variable decides
    if platform.startswith("win"):
        return _windows_ui_language()
    return ENGLISH


def _windows_ui_language() -> str:
    """Windows sets no LANG: ask for the user's display language (0x0804 is zh_CN)."""
    try:
        import ctypes
        import locale

        langid = ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]
        return classify(locale.windows_locale.get(langid, "")) or ENGLISH
    except Exception:  # any failure means: no preference known
        return ENGLISH


def _setting() -> str | None:
    """plugins.tuna_language from conda's context when conda is loaded, else the env var.

    conda is not imported here (this module is pure and cheap); inside a conda command it
    is already in sys.modules.
    """
    module = sys.modules.get("conda.base.context")
    if module is not None:
        try:
            value = getattr(module.context.plugins, "tuna_language", None)
            if value:
                return str(value)
        except Exception:  # context not ready, or the setting is unknown to this conda
            pass
    return os.environ.get(SETTING_ENV)


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog for `language` (English: none; no catalog found falls back to English)."""
    if language == ENGLISH:
        return gettext.NullTranslations()
    from .catalog import load

    return load(LOCALE_DIR, language, DOMAIN)


@lru_cache(maxsize=1)
def current_language() -> str:
    """The language of this process (decided once; :func:`reset` forgets it)."""
    return resolve_language(_setting(), os.environ)


def reset() -> None:
    """Forget the decided language and the loaded catalogs (tests, and after the setting or
    a catalog changed in-process)."""
    current_language.cache_clear()
    translations.cache_clear()


def json_output() -> bool:
    """True inside a conda command run with --json.

    JSON is for scripts: every text in it (notes, reasons, error messages) stays English so
    that a script reads the same document whatever the user's locale. Read per call from
    conda's context (already loaded inside a conda command) because the parser's help texts
    are translated before conda knows about --json.
    """
    module = sys.modules.get("conda.base.context")
    if module is None:
        return False
    try:
        return bool(module.context.json)
    except Exception:  # context not initialised yet
        return False


def _(message: str) -> str:
    """`message` in the user's language (English under --json)."""
    if json_output():
        return message
    return translations(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the user's language (English under --json)."""
    if json_output():
        return singular if n == 1 else plural
    return translations(current_language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a module-level text for extraction; translate it with _() where it is shown."""
    return message
