"""conda-tuna's parsers speak the user's language, argparse's own words and conda's shared
option help included, without touching any other parser in the process.

These tests also pin the argparse behaviour that is not public API and that
conda_tuna/i18n/argparse_l10n.py relies on: argparse looks up its module globals `_` and
`ngettext` when it speaks, formats section titles through `HelpFormatter.start_section`,
help through `_get_help_string` and wraps it with `_split_lines`. If Python changes any of
that, the Chinese assertions below fail (not silently: they name the English they saw).
"""

from __future__ import annotations

import argparse
import gettext

import pytest

from conda_tuna.i18n import argparse_l10n
from conda_tuna.i18n.argparse_l10n import display_width, localize, wrap_by_display_width


def tuna_like_parser() -> argparse.ArgumentParser:
    """A tree shaped as conda builds `conda tuna`: conda's -h and option group, our help."""
    parser = argparse.ArgumentParser(prog="conda tuna", add_help=False,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="tuna_command", metavar="COMMAND")
    enable = sub.add_parser("enable", add_help=False, help="Enable.")
    enable.add_argument("--scope", choices=("user", "system", "env"), help="Where.")
    enable.add_argument("--mirror", help="镜像名称，例如 tuna、bfsu 或 auto；默认 tuna。" * 3)
    group = enable.add_argument_group("Output, Prompt, and Flow Control Options")
    group.add_argument("--json", action="store_true",
                       help="Report all output as json. Suitable for using conda "
                       "programmatically.")
    enable.add_argument("channels", nargs="*", help="Channels.")
    localize(parser)
    # conda adds -h after the plugin's configure_parser has run
    parser.add_argument("-h", "--help", action="help", help="Show this help message and exit.")
    enable.add_argument("-h", "--help", action="help", help="Show this help message and exit.")
    return parser


def subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices[name]


def test_help_in_chinese_includes_argparse_and_conda_words(speak, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    speak("zh_CN")
    text = subparser(tuna_like_parser(), "enable").format_help()
    for chinese in ("用法：", "位置参数", "选项", "显示此帮助信息并退出",
                    "输出、提示与流程控制选项", "以 JSON 格式输出全部结果"):
        assert chinese in text, text
    for english in ("usage:", "positional arguments", "options:", "Show this help",
                    "Output, Prompt", "Report all output"):
        assert english not in text, text


def test_chinese_help_is_wrapped_by_display_width(speak, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    speak("zh_CN")
    text = subparser(tuna_like_parser(), "enable").format_help()
    help_lines = [line for line in text.splitlines() if "镜像" in line or "默认" in line]
    assert len(help_lines) > 1
    assert max(display_width(line) for line in help_lines) <= 60, text


def test_parse_error_in_chinese(speak, capsys):
    speak("zh_CN")
    with pytest.raises(SystemExit) as exit_:
        tuna_like_parser().parse_args(["enable", "--scope", "nowhere"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "用法：" in err and "错误：参数 --scope：无效的取值：'nowhere'" in err, err


def test_english_is_argparse_unchanged(speak, capsys):
    speak("en")
    parser = tuna_like_parser()
    text = subparser(parser, "enable").format_help()
    assert "usage: conda tuna enable" in text and "Show this help message and exit." in text
    with pytest.raises(SystemExit):
        parser.parse_args(["enable", "--scope", "nowhere"])
    assert "error: argument --scope: invalid choice: 'nowhere'" in capsys.readouterr().err


def test_other_parsers_and_argparse_itself_are_left_alone(speak, capsys):
    speak("zh_CN")
    tuna_like_parser().parse_args(["enable", "--scope", "user"])
    assert argparse._ is gettext.gettext and argparse.ngettext is gettext.ngettext
    conda_own = argparse.ArgumentParser(prog="conda")
    conda_own.add_argument("--x", choices=("a",))
    assert "usage: conda" in conda_own.format_help()
    assert "show this help message and exit" in conda_own.format_help()
    with pytest.raises(SystemExit):
        conda_own.parse_args(["--x", "b"])
    assert "error: argument --x: invalid choice" in capsys.readouterr().err


def test_localize_is_idempotent():
    parser = tuna_like_parser()
    cls, formatter = type(parser), parser.formatter_class
    localize(parser)
    assert type(parser) is cls and parser.formatter_class is formatter
    assert type(parser).__mro__[1] is argparse.ArgumentParser


def test_plural_words_are_translated(speak):
    speak("zh_CN")
    assert argparse_l10n.plural_words(2)[0] == "需要 %s 个参数值"


@pytest.mark.parametrize(("text", "width"), [
    ("可重复使用：一次输出详细信息，两次输出 INFO 日志，三次输出 DEBUG 日志。", 20),
    ("用 `conda tuna enable --mirror bfsu` 切换到北京外国语大学镜像站。", 16),
])
def test_wrap_by_display_width(text, width):
    lines = wrap_by_display_width(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:
        assert display_width(line) <= width or " " not in line.strip(), lines
        assert not line.startswith(("，", "。", "："))
