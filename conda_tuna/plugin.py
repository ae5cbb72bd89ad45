"""conda's entry point into conda-tuna: hook registrations only.

conda imports this module on every command, so it imports nothing but conda's hook marker
and defers every piece of real work to the module that owns it, imported inside the hook that
needs it. Each hook returns at once when its feature is switched off or the mirror is not
enabled. Plugin types are imported inside each hook too: hooks that an older conda does not
know (error hints arrived in 26.x) are then simply never called, instead of breaking the
import of the whole plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conda import plugins

if TYPE_CHECKING:
    from collections.abc import Iterable

    from conda.plugins.types import (
        CondaAuthHandler,
        CondaHealthCheck,
        CondaPostCommand,
        CondaPostSolve,
        CondaPreCommand,
        CondaPreSolve,
        CondaRequestHeader,
        CondaSetting,
        CondaSubcommand,
    )

#: conda commands that fetch repodata or packages (26.x reports `env create` as "create").
FETCHING_COMMANDS = frozenset(
    {"create", "install", "update", "env_create", "env_update", "search", "remove"}
)


def N_(message: str) -> str:
    """Mark a text for the catalog; :func:`_early` translates it when a hook runs."""
    return message


def _early(message: str) -> str:
    """`message` in the locale's language, for the texts conda asks for while it builds its
    context (setting descriptions, the subcommand summary).

    Not ``i18n._``: that may read ``context.plugins``, and inside ``conda_settings`` conda is
    loading those very settings (a recursion, and the language decided before the setting
    ``plugins.tuna_language`` is known). So only the locale and $CONDA_PLUGINS_TUNA_LANGUAGE
    decide here, and nothing is cached.
    """
    import os

    from .i18n import SETTING_ENV, resolve_language, translations

    return translations(resolve_language(os.environ.get(SETTING_ENV), os.environ)).gettext(
        message)


def _configure_parser(parser) -> None:
    from .cli import configure_parser
    from .i18n.argparse_l10n import localize

    configure_parser(parser)
    localize(parser)  # --help and parse errors in the user's language, argparse's words too


def _execute(args) -> int:
    from .cli import execute

    return execute(args)


@plugins.hookimpl
def conda_subcommands() -> Iterable[CondaSubcommand]:
    from conda.plugins.types import CondaSubcommand

    yield CondaSubcommand(
        name="tuna",
        summary=_early(N_("Route conda through the TUNA mirror (or another mirror), check and "
                          "repair it.")),
        action=_execute,
        configure_parser=_configure_parser,
    )


# name -> (default, description); all live under `plugins:` and are read as context.plugins.X
_SETTINGS: dict[str, tuple[object, str]] = {
    "tuna_mirror": ("", N_("Name of the mirror conda-tuna routes to (set by `conda tuna "
                           "enable`).")),
    "tuna_mirror_url": ("", N_("Root URL of that mirror (written by `conda tuna enable`).")),
    "tuna_arch_check": (
        "warn",
        N_("Before a solve, check every spec has a build for this machine: warn, error or off."),
    ),
    "tuna_pip_policy": (
        "warn",
        N_("conda-then-pip rule for environments holding pip packages: warn, strict or off."),
    ),
    "tuna_failover": (
        True,
        N_("When a mirror fails a request, send it on through the next site of the chain "
           "(announced in one line per command)."),
    ),
    "tuna_sync_max_age_hours": (24, N_("Warn when the mirror's last successful sync is "
                                       "older.")),
    "tuna_probe_timeout": (
        3.0,
        N_("Seconds that one round of mirror probes may take in all (a liveness check inside "
           "conda commands takes at most 1.5 s, or this if smaller)."),
    ),
    "tuna_language": (
        "auto",
        N_("Language of conda-tuna's messages: auto (from the locale), en or zh_CN."),
    ),
}


@plugins.hookimpl
def conda_settings() -> Iterable[CondaSetting]:
    from conda.common.configuration import PrimitiveParameter, SequenceParameter
    from conda.plugins.types import CondaSetting

    for name, (default, description) in _SETTINGS.items():
        yield CondaSetting(name=name, description=_early(description),
                           parameter=PrimitiveParameter(default))
    yield CondaSetting(
        name="tuna_fallback_mirrors",
        description=_early(N_(
            "Ordered mirrors (names or root URLs) to fail over to; empty means the active "
            "mirror's sister site, then upstream."
        )),
        parameter=SequenceParameter(PrimitiveParameter("", element_type=str), default=()),
    )


def _pre_command(command: str) -> None:
    from .runtime import pre_command

    pre_command(command)


def _post_command(command: str) -> None:
    try:
        from .runtime import post_command

        post_command(command)
    except ModuleNotFoundError as exc:
        # issue 6: `conda remove conda-tuna` deleted our modules during this very command;
        # lazily imported ones are gone now, and there is nothing left to do after it
        if not (exc.name or "").startswith("conda_tuna"):
            raise


@plugins.hookimpl
def conda_pre_commands() -> Iterable[CondaPreCommand]:
    from conda.plugins.types import CondaPreCommand

    yield CondaPreCommand(name="conda-tuna", action=_pre_command, run_for=FETCHING_COMMANDS)


@plugins.hookimpl
def conda_post_commands() -> Iterable[CondaPostCommand]:
    from conda.plugins.types import CondaPostCommand

    yield CondaPostCommand(name="conda-tuna", action=_post_command, run_for=FETCHING_COMMANDS)
    # issue 4: `conda config` relaxing tuna_pip_policy takes conda-tuna's PEP 668 markers away
    yield CondaPostCommand(name="conda-tuna-pip-policy", action=_after_config,
                           run_for={"config"})


def _after_config(command: str) -> None:
    from .pypi.adapter import after_config

    after_config()


def _pre_solve(specs_to_add, specs_to_remove) -> None:
    from conda.base.context import context

    if str(context.plugins.tuna_arch_check).lower() == "off":
        return
    from .archcheck.hooks import pre_solve

    pre_solve(specs_to_add, specs_to_remove)


@plugins.hookimpl
def conda_pre_solves() -> Iterable[CondaPreSolve]:
    from conda.plugins.types import CondaPreSolve

    yield CondaPreSolve(name="conda-tuna-arch-check", action=_pre_solve)


def _arch_hooks():
    """The arch check's hook module if its pre-solve hook ran in this process, else None
    (looked up, not imported: a command that never solved loads nothing)."""
    import sys

    return sys.modules.get("conda_tuna.archcheck.hooks")


def _post_solve(repodata_fn, unlink_precs, link_precs) -> None:
    hooks = _arch_hooks()
    if hooks is not None:
        hooks.post_solve(repodata_fn, unlink_precs, link_precs)


@plugins.hookimpl
def conda_post_solves() -> Iterable[CondaPostSolve]:
    """A solve that succeeded has nothing for the architecture check to explain."""
    from conda.plugins.types import CondaPostSolve

    yield CondaPostSolve(name="conda-tuna-arch-check", action=_post_solve)


@plugins.hookimpl
def conda_error_hints(error):
    from .hints import error_hints

    yield from error_hints(error)


@plugins.hookimpl
def conda_auth_handlers() -> Iterable[CondaAuthHandler]:
    """The request router: conda selects it for the upstream roots listed in the drop-in's
    ``channel_settings`` and hands it every request for them (routing/handler.py)."""
    from conda.plugins.types import CondaAuthHandler

    from .routing.handler import TunaAuth
    from .routing.urls import AUTH_NAME

    yield CondaAuthHandler(name=AUTH_NAME, handler=TunaAuth)


def _mirror_failure_observed(event) -> None:
    from .routing.handler import record_failure

    record_failure(event.exc_value)


def _arch_failure_observed(event) -> None:
    hooks = _arch_hooks()
    if hooks is not None:
        hooks.exception_observed(event)


@plugins.hookimpl
def conda_exception_observers():
    """conda 26.5+: a site that fails mid-command is remembered (at most 30 s), so the next
    command skips it at once."""
    from conda.plugins.types import CondaExceptionObserver

    yield CondaExceptionObserver(
        name="conda-tuna-mirror-failure",
        hook=_mirror_failure_observed,
        # package downloads fail as a CondaMultiError of CondaHTTPErrors
        watch_for={"CondaHTTPError", "CondaMultiError"},
    )

    # conda 26.5-26.6 (no error hints yet): the architecture diagnosis of a failed solve
    from .archcheck.session import WATCHED_ERRORS

    yield CondaExceptionObserver(
        name="conda-tuna-arch-check", hook=_arch_failure_observed, watch_for=set(WATCHED_ERRORS)
    )


@plugins.hookimpl
def conda_request_headers(host: str, path: str) -> Iterable[CondaRequestHeader]:
    """The last line of the credential guard: no request with credentials reaches a mirror.

    conda calls this for every HTTP request, with the host and path conda asked for (routed
    requests show their upstream URL here, so only an old drop-in or a hand-written mirror
    URL can trip it).
    """
    from conda.base.context import context

    if getattr(context.plugins, "tuna_mirror_url", ""):
        from .routing.handler import guard_request

        guard_request(host, path)
    return ()


@plugins.hookimpl
def conda_health_checks() -> Iterable[CondaHealthCheck]:
    from .doctor import health_checks

    yield from health_checks()
