"""conda-tuna speaks the user's language in real conda commands (issue 12, "Two languages").

Each command runs twice in the same sandbox: under ``LANG=zh_CN.UTF-8`` (no LC_ALL, no
LANGUAGE), where conda-tuna's lines must carry Chinese, and under ``LANG=C.UTF-8``, where
no output may carry any. conda's own words stay English in both (conda has no
translations); what is checked is conda-tuna's part. Then the ways to choose: the setting
``plugins.tuna_language: en`` beats a Chinese locale, and ``LANGUAGE=zh_CN:en`` beats
``LANG=C`` (as gettext orders them). JSON is for scripts: the same in both languages.

The sandbox's locale is neutral by default (tests/support/conda_runner.py), so every other
test in the suite sees English whatever the developer's shell is set to.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.test_arch_check import (  # noqa: F401  (fixtures used by name)
    AARCH64,
    arch_mirror,
    arch_tree,
    configure,
)
from tests.support.conda_runner import CondaResult, CondaSandbox

pytestmark = pytest.mark.integration

CHINESE = {"LANG": "zh_CN.UTF-8"}
NEUTRAL = {"LANG": "C.UTF-8"}
CJK = re.compile(r"[\u3400-\u9fff\uff01-\uff5e\u3000-\u303f]")
HAN = re.compile(r"[\u3400-\u9fff]")
#: URLs, paths, `code`, $VARIABLES, --flags and dotted.names: kept as they are in Chinese
#: (a "word" character here is anything but space, CJK and full-width punctuation)
_NOT_CJK = r"[^\s\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
CODE = re.compile(rf"{_NOT_CJK}+://{_NOT_CJK}+|{_NOT_CJK}*/{_NOT_CJK}*|`[^`]*`|\$\w+"
                  r"|--?[\w-]+|\w+(?:\.\w+)+")
ENGLISH_RUN = re.compile(r"\b[A-Za-z][a-z']+(?:[ ,]+[A-Za-z][a-z']+){3,}")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:[+-]\d\d:\d\d|Z)?")


def run_in(sandbox: CondaSandbox, locale: dict[str, str], *args: str) -> CondaResult:
    """`conda *args` with exactly this locale (LANG, and LANGUAGE/LC_* only if given)."""
    saved = dict(sandbox.extra_env)
    for name in ("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        sandbox.extra_env.pop(name, None)
    sandbox.extra_env.update(locale)
    try:
        return sandbox.run(*args)
    finally:
        sandbox.extra_env.clear()
        sandbox.extra_env.update(saved)


def english_runs(line: str) -> list[str]:
    """Runs of four or more English words in a line, outside URLs, paths and `code`: an
    untranslated sentence (command names, flags, channel names and values stay as they
    are in a translation, and are short)."""
    text = CODE.sub(" | ", line)  # what is cut out also ends a run
    return [m.group(0) for m in ENGLISH_RUN.finditer(text)]


def assert_chinese(result: CondaResult, lines: list[str] | None = None) -> None:
    """conda-tuna's lines (all output unless given) are Chinese: the first line that says
    anything has Chinese characters, and no line carries an untranslated English sentence."""
    lines = lines if lines is not None else result.output.splitlines()
    said = [line for line in lines if re.search(r"[A-Za-z]{2}|[\u3400-\u9fff]", line)]
    assert said, f"no output from conda {' '.join(result.args)}:\n{result.output}"
    assert HAN.search(said[0]), (f"conda {' '.join(result.args)}: the first line is not "
                                 f"Chinese under LANG=zh_CN.UTF-8: {said[0]!r}")
    english = [f"  {line.strip()}   <- {runs}" for line in said
               if (runs := english_runs(line))]
    assert not english, (f"conda {' '.join(result.args)}: English under LANG=zh_CN.UTF-8:\n"
                         + "\n".join(english))


def assert_english(result: CondaResult) -> None:
    found = sorted({line for line in result.output.splitlines() if CJK.search(line)})
    assert not found, (f"conda {' '.join(result.args)} printed Chinese under LANG=C.UTF-8:\n"
                       + "\n".join(found))


@pytest.fixture
def enabled(world, sandbox) -> CondaSandbox:
    world.setup(sandbox)
    return sandbox


# ------------------------------------------------------------------- each command, both ways
COMMANDS = {
    "status": ("tuna", "status", "--offline"),
    "status-probing": ("tuna", "status"),
    "mirrors": ("tuna", "mirrors"),
    "enable-dry-run": ("tuna", "enable", "--dry-run", "-y"),
    "help": ("tuna", "--help"),
    "pip-help": ("tuna", "pip", "--help"),
    "enable-help": ("tuna", "enable", "--help"),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_command_speaks_the_locale(enabled, command):
    args = COMMANDS[command]
    chinese = run_in(enabled, CHINESE, *args)
    english = run_in(enabled, NEUTRAL, *args)
    assert chinese.returncode == english.returncode == 0, chinese.output + english.output
    assert_chinese(chinese)
    assert_english(english)


def test_help_translates_argparse_and_conda_words(enabled):
    text = run_in(enabled, CHINESE, "tuna", "enable", "--help").check().stdout
    for word in ("用法：", "选项", "显示此帮助信息并退出", "输出、提示与流程控制选项"):
        assert word in text, text
    english = run_in(enabled, NEUTRAL, "tuna", "enable", "--help").check().stdout
    assert english.startswith("usage: ") and "Show this help message and exit." in english


def test_conda_s_own_help_stays_english(enabled):
    """Only conda-tuna's parsers are translated: conda's own --help is untouched."""
    result = run_in(enabled, CHINESE, "create", "--help").check()
    assert result.stdout.startswith("usage: ") and " create " in result.stdout.splitlines()[0]
    assert not HAN.search(result.stdout)


def test_a_failing_command_explains_itself_in_chinese(enabled):
    chinese = run_in(enabled, CHINESE, "tuna", "enable", "--url", "ftp://x", "-y")
    english = run_in(enabled, NEUTRAL, "tuna", "enable", "--url", "ftp://x", "-y")
    assert chinese.returncode == english.returncode != 0
    assert "Traceback" not in chinese.output + english.output
    assert_chinese(chinese, [line for line in chinese.stderr.splitlines() if line.strip()])
    assert_english(english)


def test_a_parse_error_in_chinese(enabled):
    result = run_in(enabled, CHINESE, "tuna", "enable", "--scope", "nowhere")
    assert result.returncode == 2
    assert "错误：参数 --scope：无效的取值：'nowhere'" in result.stderr, result.stderr
    english = run_in(enabled, NEUTRAL, "tuna", "enable", "--scope", "nowhere")
    assert "error: argument --scope: invalid choice: 'nowhere'" in english.stderr
    assert_english(english)


def test_a_warning_inside_a_conda_command(sandbox, arch_mirror):  # noqa: F811
    """The architecture check's diagnosis of a failed solve, whichever route this conda
    delivers it by (error hint, exception observer or at exit)."""
    configure(sandbox, arch_mirror, **AARCH64)
    chinese = run_in(sandbox, CHINESE, "create", "-n", "archtest", "--dry-run",
                     "armtest-x64only")
    english = run_in(sandbox, NEUTRAL, "create", "-n", "archtest", "--dry-run",
                     "armtest-x64only")
    assert chinese.returncode != 0 and english.returncode != 0
    assert "armtest-x64only" in english.output and "conda-tuna" in english.output
    ours = [line for line in chinese.stderr.splitlines() if "conda-tuna" in line]
    assert ours, chinese.output
    for line in ours:
        assert HAN.search(line), f"an English conda-tuna line under zh_CN: {line}"
    assert_english(english)


# ----------------------------------------------------------------------- choosing a language
def test_the_setting_beats_a_chinese_locale(enabled):
    enabled.extra_env["CONDA_PLUGINS_TUNA_LANGUAGE"] = "en"
    assert_english(run_in(enabled, CHINESE, "tuna", "status", "--offline").check())
    assert_english(run_in(enabled, CHINESE, "tuna", "--help").check())


def test_the_setting_in_condarc_beats_a_chinese_locale(enabled):
    enabled.condarc.write_text(enabled.condarc.read_text()
                               + "plugins:\n  tuna_language: en\n")
    assert_english(run_in(enabled, CHINESE, "tuna", "status", "--offline").check())
    assert_english(run_in(enabled, CHINESE, "tuna", "--help").check())
    assert_english(run_in(enabled, CHINESE, "tuna", "enable", "--url", "ftp://x", "-y"))


def test_the_setting_chooses_chinese_under_an_english_locale(enabled):
    enabled.extra_env["CONDA_PLUGINS_TUNA_LANGUAGE"] = "zh_CN"
    assert_chinese(run_in(enabled, NEUTRAL, "tuna", "status", "--offline").check())


def test_language_list_beats_lang_c(enabled):
    result = run_in(enabled, {"LANGUAGE": "zh_CN:en", "LANG": "C"}, "tuna", "--help").check()
    assert "用法：" in result.stdout
    assert_chinese(run_in(enabled, {"LANGUAGE": "zh_CN:en", "LANG": "C"},
                          "tuna", "status", "--offline").check())


def test_lc_all_c_beats_a_chinese_lang(enabled):
    assert_english(run_in(enabled, {"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"},
                          "tuna", "status", "--offline").check())


def test_traditional_chinese_locale_gets_english(enabled):
    assert_english(run_in(enabled, {"LANG": "zh_TW.UTF-8"}, "tuna", "status",
                          "--offline").check())


# -------------------------------------------------------------------------- JSON is neutral
JSON_COMMANDS = {
    "status": ("tuna", "status", "--offline", "--json"),
    "mirrors": ("tuna", "mirrors", "--json"),
    "enable-dry-run": ("tuna", "enable", "--dry-run", "-y", "--json"),
}


@pytest.mark.parametrize("command", JSON_COMMANDS)
def test_json_is_the_same_in_both_languages(enabled, command):
    args = JSON_COMMANDS[command]
    chinese = timeless(run_in(enabled, CHINESE, *args).check().stdout)
    english = timeless(run_in(enabled, NEUTRAL, *args).check().stdout)
    assert chinese == english, "JSON differs by language:\n" + "\n".join(
        differences(chinese, english))


def timeless(text: str) -> object:
    """The JSON with its timestamps blanked (the two runs are seconds apart)."""
    return json.loads(TIMESTAMP.sub("<time>", text))


def differences(zh: object, en: object, path: str = "$") -> list[str]:
    """Where two JSON documents differ, as `path: zh_CN value != C value` lines."""
    if isinstance(zh, dict) and isinstance(en, dict):
        return [d for key in sorted(set(zh) | set(en), key=str)
                for d in differences(zh.get(key), en.get(key), f"{path}.{key}")]
    if isinstance(zh, list) and isinstance(en, list) and len(zh) == len(en):
        return [d for i, (a, b) in enumerate(zip(zh, en, strict=True)) for d in differences(a, b,
                                                                            f"{path}[{i}]")]
    if isinstance(zh, str) and isinstance(en, str) and zh != en:
        lines = [f"{path}: line {n}: {a!r} != {b!r}" for n, (a, b) in enumerate(
            zip(zh.splitlines(), en.splitlines(), strict=False), 1) if a != b]
        return lines or [f"{path}: {zh!r} != {en!r}"]
    return [] if zh == en else [f"{path}: {zh!r} != {en!r}"]
