"""`conda doctor` health checks contributed by conda-tuna (listed here, implemented lazily).

One module per check, like conda's own ``conda/plugins/subcommands/doctor/``: each is a thin
printer of conda doctor's marks over the feature that knows the answer.
"""

from __future__ import annotations

from collections.abc import Iterator

from .marks import OK_MARK, X_MARK

__all__ = ["OK_MARK", "X_MARK", "health_checks"]


def _health_check(**fields: object) -> object:
    """A CondaHealthCheck with the fields this conda knows.

    conda 26 added `fixer`, `summary` and `fix`; conda 24-25 take only `name` and `action`,
    and an unknown field would break `conda doctor` as a whole.
    """
    import inspect

    from conda.plugins.types import CondaHealthCheck

    # a dataclass in conda 25+, a NamedTuple in 24.x: the signature covers both
    known = set(inspect.signature(CondaHealthCheck).parameters)
    return CondaHealthCheck(**{k: v for k, v in fields.items() if k in known})


def health_checks() -> Iterator[object]:
    """Yield CondaHealthCheck objects; their actions import their modules when run.

    The summaries are translated here, when conda asks for the checks (not at import).
    """
    from ..i18n import _

    yield _health_check(  # issue 5: hand-written mirror configs
        name="tuna-legacy-config",
        action=_legacy_check,
        fixer=_legacy_fix,
        summary=_("Hand-written mirror settings in .condarc (mirror URLs in channels, "
                  "pkgs/free, a mirror channel_alias, use_only_tar_bz2, dropped cloud "
                  "channels)"),
        fix=_("Back up the file and replace them with conda-tuna's routing"),
    )
    yield _health_check(  # issue 4: conda first, then pip
        name="tuna-conda-after-pip",
        action=_pip_order_check,
        summary=_("conda changed packages after pip installed into the environment"),
    )
    yield _health_check(  # issue 5: is the active mirror up and fresh
        name="tuna-mirror-health",
        action=_mirror_health_check,
        summary=_("The conda-tuna mirror answers and its last sync is recent"),
    )


def _pip_order_check(prefix: str, verbose: bool) -> None:
    from .conda_after_pip import doctor_check

    doctor_check(prefix, verbose)


def _legacy_check(prefix: str, verbose: bool) -> None:
    from .legacy_config import doctor_check

    doctor_check(prefix, verbose)


def _legacy_fix(prefix: str, args, confirm) -> int:
    from .legacy_config import doctor_fix

    return doctor_fix(prefix, args, confirm)


def _mirror_health_check(prefix: str, verbose: bool) -> None:
    from .mirror_health import doctor_mirror_check

    doctor_mirror_check(prefix, verbose)
