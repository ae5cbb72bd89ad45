"""Output shared by the `conda tuna` subcommands."""

from __future__ import annotations

import json
from pathlib import Path

from ..base.context import home
from ..base.urls import redact
from ..i18n import N_, _
from ..routing.routes import MIRROR, Route


def emit_json(payload: dict[str, object]) -> None:
    """Print one JSON object, the way conda's --json output looks.

    Every URL in it is redacted (base/urls.py): a password or token that reached a value
    (a channel, pip's index, a setting) is never printed.
    """
    text = json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    print(redact(text))


# --------------------------------------------------------------------------- summary words
def shown_path(path: Path) -> str:
    """`path` with the home directory written as ~ (shorter, and what users type)."""
    try:
        return "~/" + path.relative_to(home()).as_posix()
    except ValueError:
        return str(path)


#: the scope names as a sentence says them ("Removed X (user scope).")
_SCOPE_NAMES = {"user": N_("user"), "system": N_("system"), "env": N_("env")}


def scope_name(scope: str) -> str:
    """`scope` (user/system/env) in the user's language, for "{scope} scope" sentences."""
    return _(_SCOPE_NAMES[scope]) if scope in _SCOPE_NAMES else scope


def scope_words(scope: str, path: Path) -> str:
    """The scope of conda-tuna's file at `path` in plain words: who is affected, and the
    directory conda reads it from ("for your user (~/.conda/condarc.d/)")."""
    where = shown_path(path.parent) + "/"
    if scope == "user":
        return _("for your user ({where})").format(where=where)
    if scope == "system":
        return _("for everyone using this conda installation ({where})").format(where=where)
    return _("for the environment {prefix} only ({where})").format(
        prefix=shown_path(path.parent.parent), where=where)


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: CJK (wide and full-width) characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int) -> str:
    """`text` padded with spaces to `width` terminal columns (aligned in Chinese too)."""
    return text + " " * max(0, width - display_width(text))


def _label(route: Route, repeated: bool) -> str:
    """The channel's name; for a name with several URLs (defaults), which one."""
    if not repeated or not route.channel_url:
        return route.channel
    tail = "/".join(route.channel_url.rstrip("/").split("/")[-2:])
    return _("{channel} ({part})").format(channel=route.channel, part=tail)


def channel_lines(routes: list[Route]) -> list[str]:
    """One line per channel URL (`enable` and `status`): where its requests go (mirror NAME
    or upstream), the URL, and why when that is more than "served by the mirror"."""
    names = [r.channel for r in routes]
    labels = [_label(r, names.count(r.channel) > 1) for r in routes]
    vias = [_("mirror {name}").format(name=r.mirror) if r.via == MIRROR and r.mirror
            else (_("mirror") if r.via == MIRROR else _("upstream")) for r in routes]
    width = max((display_width(x) for x in labels), default=8)
    via_width = max((display_width(x) for x in vias), default=8)
    lines = []
    for route, label, via in zip(routes, labels, vias, strict=True):
        plain = route.via == MIRROR and route.reason == _("served by mirror {name}").format(
            name=route.mirror)
        line = _("  {channel}  -> {via}  {url}").format(
            channel=pad(label, width), via=pad(via, via_width), url=route.url)
        if not plain:
            line = _("{line}  -- {reason}").format(line=line, reason=route.reason)
        lines.append(line)
    return lines
