"""YAML scalars and keys written by hand, so that conda's own loader reads back any value.

conda-tuna writes its drop-in without a YAML library (the plugin must not load ruamel at
start-up, and the output must be stable). Every string goes out as a double-quoted YAML
scalar in which everything but printable ASCII is escaped: line breaks (including U+0085,
U+2028 and U+2029, which YAML treats as line breaks), tabs, control characters, the BOM,
lone surrogates (a $HOME with undecodable bytes), quotes and backslashes. The file is
therefore pure ASCII: conda opens config files in the locale's encoding, and ASCII reads
the same in all of them. ``tests/unit/base/test_yamltext.py`` checks with hypothesis that
conda's loader (``base/yaml.py``) returns exactly the value written, for arbitrary text.
"""

from __future__ import annotations

import math
import re

# architecture: pure

_SHORT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r",
                  "\0": "\\0"}
#: keys written without quotes: plain names and channel paths that YAML reads as strings
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(?:[./][A-Za-z0-9_][A-Za-z0-9_.-]*)*$")
#: plain words YAML 1.1 or 1.2 would read as something other than a string
_RESERVED = frozenset({"true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan",
                       "inf"})


def _escape(char: str) -> str:
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if " " <= char <= "~":
        return char
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def quoted(text: str) -> str:
    """`text` as a double-quoted YAML scalar of printable ASCII."""
    return '"' + "".join(_escape(c) for c in text) + '"'


def scalar(value: object) -> str:
    """A YAML scalar for `value`: bools, None, ints and finite floats as such, else quoted."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    return quoted(str(value))


def key(name: object) -> str:
    """A mapping key: plain when YAML reads it back as the same string, else quoted."""
    text = str(name)
    if _PLAIN_KEY.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return quoted(text)
