"""Output shared by the `conda tuna` subcommands."""

from __future__ import annotations

import json


def emit_json(payload: dict[str, object]) -> None:
    """Print one JSON object, the way conda's --json output looks."""
    print(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str))
