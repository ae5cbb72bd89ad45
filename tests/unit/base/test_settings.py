"""Numeric plugins.* settings: one parser that clamps or names the setting (issue 11)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conda_tuna.base.errors import TunaError
from conda_tuna.base.settings import PROBE_TIMEOUT, parse_number


@pytest.mark.parametrize(("value", "expected", "warns"), [
    (None, 3.0, False), ("", 3.0, False), (5, 5.0, False), ("2.5", 2.5, False),
    (float("inf"), 60.0, True), (-1, 0.05, True), ("1e400", 60.0, True), (0, 0.05, True),
])
def test_numbers_are_used_or_clamped(value, expected, warns):
    number, warning = parse_number(PROBE_TIMEOUT, value)
    assert number == expected
    assert bool(warning) is warns
    if warning:
        assert "plugins.tuna_probe_timeout" in warning


@pytest.mark.parametrize("value", [float("nan"), "abc", True, [1], {"a": 1}, "nan"])
def test_non_numbers_are_errors_naming_the_setting_and_the_fix(value):
    with pytest.raises(TunaError) as err:
        parse_number(PROBE_TIMEOUT, value)
    text = str(err.value)
    assert "plugins.tuna_probe_timeout" in text and "conda config --set" in text


@given(st.one_of(st.floats(), st.integers(), st.text(max_size=12), st.booleans(), st.none()))
def test_result_is_always_a_finite_number_in_range(value):
    try:
        number, _warning = parse_number(PROBE_TIMEOUT, value)
    except TunaError:
        return
    assert math.isfinite(number) and PROBE_TIMEOUT.low <= number <= PROBE_TIMEOUT.high
