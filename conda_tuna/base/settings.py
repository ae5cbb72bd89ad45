"""conda-tuna's numeric settings, parsed by one helper that names the setting when it fails.

Settings live under conda's ``plugins:`` key and are typed by conda (a float setting given
``inf``, ``nan``, ``-1`` or ``1e400`` arrives as a float; ``"abc"`` makes conda raise when it is
read). A probe timeout of ``inf`` or ``nan`` would otherwise reach ``Thread.join`` and crash:
every number is checked here. Rule: a value that is not a number (text, ``nan``, a bool) is
an error naming the setting and the command that fixes it; a number outside the sensible
range (``inf`` and negative values included) is clamped into it, with a warning that says
which value is used instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..i18n import _
from .errors import TunaError

# architecture: pure


@dataclass(frozen=True)
class NumberSetting:
    """A numeric ``plugins.<name>`` setting: its default and the range that makes sense."""

    name: str
    default: float
    low: float
    high: float

    @property
    def key(self) -> str:
        return f"plugins.{self.name}"


PROBE_TIMEOUT = NumberSetting("tuna_probe_timeout", 3.0, 0.05, 60.0)
SYNC_MAX_AGE_HOURS = NumberSetting("tuna_sync_max_age_hours", 24.0, 0.0, 24 * 3650.0)


def invalid(setting: NumberSetting, value: object, reason: str = "") -> TunaError:
    """The error for a value that is not a usable number: which setting, and the fix."""
    return TunaError(
        _("{key} = {value} is not a number{reason}.").format(
            key=setting.key, value=repr(value)[:60], reason=reason),
        hint=_("Set it to a number from {low:g} to {high:g}, e.g. `conda config --set {key} "
               "{default:g}`, or remove it: `conda config --remove-key {key}`.").format(
                   low=setting.low, high=setting.high, key=setting.key,
                   default=setting.default))


def parse_number(setting: NumberSetting, value: object) -> tuple[float, str | None]:
    """(the number to use, a warning when it had to be clamped); TunaError when not a number.

    None and "" mean "not set": the default.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return setting.default, None
    if isinstance(value, bool):
        raise invalid(setting, value)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise invalid(setting, value) from None
    if math.isnan(number):
        raise invalid(setting, value)
    clamped = min(max(number, setting.low), setting.high)
    if clamped == number:
        return number, None
    return clamped, _("conda-tuna: {key} = {value} is outside {low:g} to {high:g}; using "
                      "{used:g}.").format(key=setting.key, value=repr(value)[:60],
                                          low=setting.low, high=setting.high, used=clamped)
