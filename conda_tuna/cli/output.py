"""Output shared by the `conda tuna` subcommands."""

from __future__ import annotations

import json

from ..base.urls import redact


def emit_json(payload: dict[str, object]) -> None:
    """Print one JSON object, the way conda's --json output looks.

    Every URL in it is redacted (base/urls.py): a password or token that reached a value
    (a channel, pip's index, a setting) is never printed.
    """
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    print(redact(text))


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: CJK (wide and full-width) characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    """`text` padded with spaces to `width` terminal columns (aligned in Chinese too)."""
    return text + " " * max(0, width - display_width(text))
