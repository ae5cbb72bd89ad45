"""The hand-written YAML of conda-tuna's drop-in reads back, through conda's own loader, as
exactly the values written: for any text (line separators U+2028/U+2029/U+0085, controls,
tabs, quotes, backslashes, BOM, lone surrogates), in keys and values.

Integration-ish unit test: it imports conda's YAML loader (conda_tuna/base/yaml.py) and is
skipped, with the reason, where conda is not importable.
"""

from __future__ import annotations

import importlib.util
import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conda_tuna.base import yamltext
from conda_tuna.config import dropin

pytestmark = pytest.mark.skipif(importlib.util.find_spec("conda") is None,
                                reason="conda is not importable: its YAML loader is the oracle")

TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=20) | \
    st.sampled_from(["\u2028", "\u2029", "\x85", "\ufeff", "\ud800", "\udcff", "\t", "a\rb",
                     "true", "null", "~", "1", "0x1", ".inf", "- x", "#c", "x: y", "'", '"',
                     "\\", "", " lead", "trail ", "\U0001f600", "\x00", "\x7f"])
SCALARS = st.one_of(TEXT, st.booleans(), st.integers(), st.none(),
                    st.floats(allow_nan=False))
#: lists of flat mappings: the drop-in's channel_settings entries (issue 9)
ENTRIES = st.lists(st.dictionaries(TEXT, SCALARS, min_size=1, max_size=3), max_size=3)
LEAF = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), ENTRIES)
SETTINGS = st.dictionaries(TEXT, st.one_of(LEAF, st.dictionaries(TEXT, LEAF, max_size=3)),
                           max_size=4)


def plain(data):
    """ruamel's round-trip types as plain dicts and lists."""
    if isinstance(data, dict):
        return {plain(k): plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [plain(v) for v in data]
    if isinstance(data, str):
        return str(data)
    if isinstance(data, bool):
        return bool(data)
    if isinstance(data, int):
        return int(data)
    if isinstance(data, float):
        return float(data)
    return data


def load(text: str):
    from conda_tuna.base.yaml import yaml_loads

    return plain(yaml_loads(text))


@settings(max_examples=400, deadline=None)
@given(values=SETTINGS, meta=st.dictionaries(TEXT, TEXT, max_size=3))
@example(values={"plugins": {"tuna_mirror_url": "http://h/\u2028x"}},
         meta={"created_dirs": "/home/\u2029u/\udcff"})
@example(values={"channel_settings": [{"channel": "https://h\u2028/*", "auth": "conda-tuna"}]},
         meta={})
def test_drop_in_reads_back_as_written(values, meta):
    text = dropin.render(values, meta)
    assert text.isascii()  # conda reads config files in the locale's encoding
    loaded = load(text) or {}
    assert loaded == {k: ({} if v == {} else v) for k, v in values.items()}
    assert dropin.parse_meta(text) == json.loads(json.dumps(meta))


@settings(max_examples=300, deadline=None)
@given(TEXT)
@example("A\n")  # `$` matches before a final newline: keys must be matched whole
@example("channels\n")
def test_any_string_round_trips_as_key_and_value(text):
    doc = f"{yamltext.key(text)}: {yamltext.scalar(text)}\n"
    assert load(doc) == {text: text}


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), 0.1, -2.5e300, 10**30])
def test_numbers(value):
    assert load(f"x: {yamltext.scalar(value)}\n") == {"x": value}


def test_nan():
    loaded = load(f"x: {yamltext.scalar(float('nan'))}\n")["x"]
    assert loaded != loaded
