"""`conda tuna ...`: argument parsing and dispatch.

conda builds the parsers of all plugin subcommands on every start-up, so this module holds
only argparse definitions; each subcommand's work lives in ``conda_tuna.cli.<name>`` (a thin
adapter with ``execute(args) -> int``: read conda's context, call the feature packages, print
or emit JSON) and is imported when that subcommand actually runs.

Every help text goes through `_()` when the parser is built: conda builds it in
``main_subshell`` after ``context.__init__`` has read the config files (so the setting
``plugins.tuna_language`` is known), before any command runs; the language is decided then.
"""

from __future__ import annotations

import argparse
from importlib import import_module

from ..i18n import N_, _

SUBCOMMANDS = ("enable", "disable", "status", "check", "pip", "mirrors", "installer")

_EPILOG = N_("""\
Examples:
  conda tuna enable                 route conda through TUNA (user scope)
  conda tuna enable --mirror bfsu   use Beijing Foreign Studies University instead
  conda tuna status                 where each channel really goes, and how fresh the mirror is
  conda tuna disable                put everything back exactly as it was
""")
#: what `conda tuna --help` says first (plugin.py's summary, which conda shows, is English)
_DESCRIPTION = N_("Route conda through the TUNA mirror (or another mirror), check and "
                  "repair it.")


def _add_scope(parser: argparse.ArgumentParser, default: str | None) -> None:
    parser.add_argument(
        "--scope",
        choices=("user", "system", "env"),
        default=default,
        help=_("Where the conda-tuna config file lives: user (~/.conda/condarc.d, default), "
               "system (the base installation's condarc.d, for shared servers) or env (the "
               "active or -n/-p environment)."),
    )


def _add_env_target(parser: argparse.ArgumentParser) -> None:
    from conda.cli.helpers import add_parser_prefix

    add_parser_prefix(parser)


def _configure_enable(sub) -> None:
    from conda.cli.helpers import add_output_and_prompt_options

    p = sub.add_parser(
        "enable",
        help=_("Send conda (and optionally pip) through a mirror."),
        description=_("Write one conda-tuna config file (a condarc.d drop-in) whose "
                      "channel_settings hand conda's requests for Anaconda's upstream hosts to "
                      "conda-tuna, which sends each one to the mirror (failing over per "
                      "request). conda keeps recording the channels' own URLs. Channels the "
                      "mirror does not carry, and any URL with credentials, go upstream "
                      "untouched. Your own .condarc is never edited; `conda tuna disable` "
                      "undoes everything."),
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument("--mirror", metavar="NAME",
                       help=_("Mirror from the catalog (see `conda tuna mirrors`), or `auto` "
                              "to probe and pick the fastest healthy one. Default: tuna."))
    which.add_argument("--url", metavar="URL",
                       help=_("Root of your own mirror with TUNA's /anaconda/{pkgs,cloud} "
                              "layout."))
    p.add_argument("--allow-http", action="store_true",
                   help=_("Accept a plain http:// mirror on a non-loopback host."))
    _add_scope(p, "user")
    _add_env_target(p)
    p.add_argument("--channels", dest="initial_channel", choices=("defaults", "conda-forge"),
                   help=_("Channel to use when none is configured (conda 25.9+ starts with "
                          "none); configured channels are never changed. Without it, enable "
                          "asks (conda-forge is the default answer), and with -y, --json or "
                          "no terminal it takes conda-forge, which is free for everyone; "
                          "Anaconda's `defaults` needs a paid licence in organisations of "
                          "more than 200 people."))
    p.add_argument("--show-file", action="store_true",
                   help=_("Also print the contents of the config file written (or, with "
                          "--dry-run, that would be written), after the summary."))
    p.add_argument("--pip", action="store_true",
                   help=_("Also point pip, and uv (its user uv.toml), at the mirror's PyPI "
                          "index (keeps your other pip and uv settings; `disable` restores "
                          "them)."))
    p.add_argument("--no-uv", action="store_true",
                   help=_("With --pip: leave uv's settings alone."))
    p.add_argument("--migrate", action="store_true",
                   help=_("Replace hand-written mirror settings in your .condarc (mirror URLs "
                          "in channels, a mirror channel_alias, pkgs/free, ...) after backing "
                          "it up."))
    p.add_argument("--force", action="store_true",
                   help=_("Enable even when your own channel_settings select another auth "
                          "handler for the upstream URLs conda-tuna routes (enable explains who "
                          "wins)."))
    add_output_and_prompt_options(p)


def _configure_disable(sub) -> None:
    from conda.cli.helpers import add_output_and_prompt_options

    p = sub.add_parser(
        "disable",
        help=_("Remove everything `conda tuna enable` wrote."),
        description=_("Delete conda-tuna's config file (and restore pip's and uv's config if "
                      "--pip was used). Every other file is left exactly as it was before "
                      "enable."),
    )
    _add_scope(p, None)
    _add_env_target(p)
    add_output_and_prompt_options(p)


def _configure_status(sub) -> None:
    from conda.cli.helpers import add_parser_json

    p = sub.add_parser(
        "status",
        help=_("Show the mirror, where each channel really goes, and the mirror's "
               "freshness."),
        description=_("Whether conda-tuna is enabled, at which scope and file; for each "
                      "channel the URL conda will really use (mirror or upstream, and why); "
                      "settings from later config sources that shadow conda-tuna's file; the "
                      "mirror's last sync."),
    )
    p.add_argument("--offline", action="store_true",
                   help=_("Do not ask the mirror for its sync status."))
    add_parser_json(p)


def _configure_check(sub) -> None:
    from conda.cli.helpers import add_parser_json

    p = sub.add_parser(
        "check",
        help=_("Check that specs or an environment file have builds for a platform."),
        description=_("For an environment.yml, or specs on the command line, report per "
                      "platform which specs the configured channels can provide and which "
                      "they cannot. Exit code 0 when everything is available, 1 otherwise."),
    )
    p.add_argument("items", nargs="*", metavar="FILE|SPEC",
                   help=_("An environment file (environment.yml) or package specs."))
    p.add_argument("--platform", "--subdir", dest="platforms", action="append",
                   metavar="SUBDIR", help=_("Target platform, e.g. linux-aarch64 "
                                            "(repeatable; default: this machine's)."))
    p.add_argument("-c", "--channel", dest="channel", action="append",
                   help=_("Channel to look in (default: the file's channels, else your "
                          "configured channels)."))
    add_parser_json(p)


def _configure_pip(sub) -> None:
    p = sub.add_parser(
        "pip",
        help=_("pip install into a conda environment, conda first, through the mirror."),
        description=_("`conda tuna pip install [-n ENV|-p PATH] [--force] [--conda-first] "
                      "[-y] [--dry-run] [--json] PIP-ARGS...`: refuses to let pip replace "
                      "packages conda installed, offers conda for what conda channels "
                      "provide, runs the environment's own pip against the mirror's PyPI "
                      "index and records what pip did in the history."),
    )
    p.add_argument("pip_command", choices=("install",), help=_("The pip command (install)."))
    p.add_argument("pip_args", nargs=argparse.REMAINDER,
                   help=_("conda-tuna options, then anything pip install accepts."))


def _configure_mirrors(sub) -> None:
    from conda.cli.helpers import add_parser_json

    p = sub.add_parser(
        "mirrors",
        help=_("List the known mirrors and which of this machine's platforms each carries; "
               "--probe measures them."),
        description=_("The mirror catalog with the platforms of this machine (its conda "
                      "subdir, which CONDA_SUBDIR overrides, and noarch) that each mirror "
                      "carries in defaults and conda-forge. With --probe every mirror is "
                      "asked concurrently, bounded by one timeout (plugins.tuna_probe_timeout)."),
    )
    p.add_argument("--probe", action="store_true",
                   help=_("Measure status and latency now. Exit code 0 when at least one "
                          "mirror answered, 1 when none did (also with --json)."))
    add_parser_json(p)


def _configure_installer(sub) -> None:
    from conda.cli.helpers import add_parser_json

    p = sub.add_parser(
        "installer",
        help=_("Find (or download and verify) the Miniconda/Miniforge installer for a "
               "machine."),
        description=_("The installer for the given (default: this) machine on the active "
                      "mirror. Downloads resume, are verified where a checksum is published, "
                      "and are never run."),
    )
    p.add_argument("--flavor", choices=("miniconda", "miniforge"), default="miniforge",
                   help=_("Which installer (default: miniforge, whose conda-forge channel is "
                          "free for everyone)."))
    p.add_argument("--os", dest="os_name", choices=("linux", "macos", "windows"),
                   help=_("Operating system of the machine (default: this one's)."))
    p.add_argument("--arch", choices=("x86_64", "aarch64", "arm64", "ppc64le"),
                   help=_("CPU architecture of the machine (default: this one's)."))
    out = p.add_mutually_exclusive_group()
    out.add_argument("--print-url", action="store_true", help=_("Print the URL only."))
    out.add_argument("--download", metavar="DIR", help=_("Download into DIR and verify."))
    add_parser_json(p)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Attach `conda tuna`'s sub-subcommands to the parser conda made for `tuna`."""
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = _(_DESCRIPTION)
    parser.epilog = _(_EPILOG)
    sub = parser.add_subparsers(dest="tuna_command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        globals()[f"_configure_{name}"](sub)


def execute(args: argparse.Namespace) -> int:
    """Run one `conda tuna` subcommand; every error reaches the user as a CondaError.

    Pure-module errors (TunaError) and the OSError/UnicodeError/ValueError that a hostile
    or unlucky input can still cause become CondaTunaErrors with a redacted message and a
    next step: no traceback from conda-tuna's code reaches a user. conda's own errors
    (CondaError, some of which are also ValueErrors) pass through unchanged.
    """
    from conda.exceptions import CondaError

    from ..base.errors import TunaError, from_exception
    from ..base.exceptions import CondaTunaError

    name = getattr(args, "tuna_command", None)
    if not name:
        raise CondaTunaError(_("Give a command: {commands} (see `conda tuna --help`).").format(
            commands=", ".join(SUBCOMMANDS)))
    module = import_module(f"conda_tuna.cli.{name}")
    try:
        return module.execute(args) or 0
    except CondaError:
        raise
    except TunaError as exc:
        raise CondaTunaError(str(exc), exit_code=exc.exit_code) from exc
    except (OSError, UnicodeError, ValueError) as exc:
        raise CondaTunaError(str(from_exception(exc, name))) from exc
