"""`conda tuna --help` and its parse errors in the user's language, argparse's words included.

conda has no translations, and argparse translates its own words ("usage: ", "options",
"error: argument --scope: invalid choice ...") through ``gettext.gettext``, the process-wide
default domain "messages", for which nobody ships a catalog. Binding that domain would
translate conda's own parsers (a half-Chinese ``conda --help``) and every other library in
the process, and would ignore ``plugins.tuna_language``. So :func:`localize` changes only
conda-tuna's parsers (the ``tuna`` parser conda made for us and every sub-parser below it):

* their class becomes a subclass whose ``parse_known_args``, ``format_help``,
  ``format_usage`` and ``error`` run with argparse's module-level ``_``/``ngettext``
  pointed at conda-tuna's catalog (put back when they return). So "usage: ", "error:",
  "invalid choice" and "the following arguments are required" come out translated,
  whichever of our parsers raises them;
* their formatter translates, at format time, section titles (set in English when a parser
  or group is made, conda's "Output, Prompt, and Flow Control Options" included) and every
  action's help (conda's shared ``--json``/``-y``/``-h`` help, added after our
  ``configure_parser`` ran, is listed below with :func:`N_`; a reworded conda help simply
  stays English), and wraps Chinese help by display width (a CJK character is two columns;
  argparse counts characters).

Errors raised by conda's own top-level parser (``conda tunaa``, unrecognized arguments,
which argparse reports from the top parser) stay English, as the rest of conda does.

Not public API, relied on here (``tests/unit/i18n/test_argparse_l10n.py`` fails loudly when
any of it changes): argparse looks up its module globals ``_`` and ``ngettext`` when it
speaks; ``HelpFormatter.start_section``, ``_get_help_string`` and ``_split_lines``;
``ArgumentParser._actions`` and ``_SubParsersAction.choices`` to find the sub-parsers.
Assigning ``__class__`` of conda's parser objects is plain Python.
"""

# architecture: pure

from __future__ import annotations

import argparse
import re
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps

from . import N_, _, ngettext

#: argparse's words (Python 3.10-3.13) and conda's, as they reach conda-tuna's --help and
#: its errors; listed so that extraction puts them in the catalog
FOREIGN_WORDS = (
    # argparse: help
    N_("usage: "), N_("options"), N_("optional arguments"), N_("positional arguments"),
    N_("subcommands"), N_("show this help message and exit"),
    N_("show program's version number and exit"), N_("%(heading)s:"),
    N_(" (default: %(default)s)"),
    # argparse: parse errors
    N_("%(prog)s: error: %(message)s\n"), N_("%(prog)s: warning: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("the following arguments are required: %s"), N_("unrecognized arguments: %s"),
    N_("one of the arguments %s is required"), N_("not allowed with argument %s"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("expected one argument"), N_("expected at least one argument"),
    N_("expected at most one argument"), N_("ignored explicit argument %r"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
    N_("option '%(option)s' is deprecated"), N_("argument '%(argument_name)s' is deprecated"),
    N_("command '%(parser_name)s' is deprecated"),
    # conda (conda/cli/helpers.py, 24.11-26.x): -h, output and environment options
    N_("Show this help message and exit."),
    N_("Output, Prompt, and Flow Control Options"),
    N_("Target Environment Specification"),
    N_("Name of environment."),
    N_("Full path to environment location (i.e. prefix)."),
    N_("Report all output as json. Suitable for using conda programmatically."),
    N_("Select the backend to use for normal output rendering."),
    N_("Can be used multiple times. Once for detailed output, twice for INFO logging, "
       "thrice for DEBUG logging, four times for TRACE logging."),
    N_("Do not display progress bar."),
    N_("Only display what would have been done."),
    N_("Sets any confirmation values to 'yes' automatically. Users will not be asked to "
       "confirm any adding, deleting, backups, etc."),
)


def plural_words(n: int) -> tuple[str, ...]:
    """argparse's plural messages, listed for extraction (and translated for `n`)."""
    return (ngettext("expected %s argument", "expected %s arguments", n),
            ngettext("conflicting option string: %s", "conflicting option strings: %s", n))


def localize(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Make `parser` and every sub-parser below it speak through conda-tuna's catalog.

    Call it once the parser tree is built (actions conda adds later, such as ``-h``, are
    translated too: translation happens when help is formatted). Idempotent.
    """
    parser.__class__ = _localized_parser_class(type(parser))
    parser.formatter_class = _localized_formatter_class(parser.formatter_class)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in {id(p): p for p in action.choices.values()}.values():
                localize(sub)
    return parser


@contextmanager
def argparse_speaks() -> Iterator[None]:
    """Point argparse's own ``_``/``ngettext`` at conda-tuna's catalog for a while."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _, ngettext  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


def _speaking(method: Callable) -> Callable:
    @wraps(method)
    def wrapper(self, *args, **kwargs):
        with argparse_speaks():
            return method(self, *args, **kwargs)

    return wrapper


_PARSER_CLASSES: dict[type, type] = {}
_FORMATTER_CLASSES: dict[type, type] = {}


def _localized_parser_class(base: type) -> type:
    if getattr(base, "_conda_tuna_localized", False):
        return base
    if base not in _PARSER_CLASSES:
        methods = {name: _speaking(getattr(base, name))
                   for name in ("parse_known_args", "format_help", "format_usage", "error")}
        _PARSER_CLASSES[base] = type(base.__name__, (base,),
                                     {"_conda_tuna_localized": True, **methods})
    return _PARSER_CLASSES[base]


def _localized_formatter_class(base: type) -> type:
    if getattr(base, "_conda_tuna_localized", False):
        return base
    if base not in _FORMATTER_CLASSES:

        class LocalizedHelpFormatter(base):  # type: ignore[valid-type, misc]
            _conda_tuna_localized = True

            def start_section(self, heading):
                return super().start_section(_(heading) if heading else heading)

            def _get_help_string(self, action):
                text = super()._get_help_string(action)
                return _(text) if text else text

            def _split_lines(self, text, width):
                if not has_wide_characters(text):
                    return super()._split_lines(text, width)
                return wrap_by_display_width(" ".join(text.split()), width)

        _FORMATTER_CLASSES[base] = LocalizedHelpFormatter
    return _FORMATTER_CLASSES[base]


#: a run of characters without spaces or wide characters, one wide character, or spaces
_TOKENS = re.compile(r"[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                     r"\uff00-\uff60\uffe0-\uffe6]+|\s+|.")
#: full-width punctuation that must not start a line (it stays with the character before)
_NO_LINE_START = frozenset("，。、：；！？）》」』】,.;:!?)")


def char_width(ch: str) -> int:
    """Terminal columns of one character: two for East Asian wide and full-width ones."""
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def has_wide_characters(text: str) -> bool:
    return any(char_width(ch) == 2 for ch in text)


def display_width(text: str) -> int:
    return sum(map(char_width, text))


def wrap_by_display_width(text: str, width: int) -> list[str]:
    """Greedy line filling by columns: breaks at spaces and between wide characters, never
    before closing punctuation; an ASCII word longer than the width gets its own line."""
    lines: list[str] = []
    line, used = "", 0
    for token in _TOKENS.findall(text):
        if token.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        size = display_width(token)
        if line.strip() and used + size > width and token not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return lines
