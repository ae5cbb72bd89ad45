"""`conda doctor` check "tuna-mirror-health": does the active mirror answer, and is it fresh?

Thin adapter around ``mirrors/adapter.py`` (conda's settings) and ``mirrors/health.py``
(the probe) printing conda doctor's marks.
"""

from __future__ import annotations

from conda.base.context import context

from ..i18n import _
from ..mirrors import health as mirror_health
from ..mirrors.adapter import (
    active_mirror,
    fallback_setting,
    known_mirrors,
    probe_config,
    probe_timeout,
    sync_section,
)
from .marks import OK_MARK, X_MARK


def doctor_mirror_check(prefix: str, verbose: bool) -> None:
    """`conda doctor`: does the active mirror answer, and is its last sync recent?"""
    mirrors = known_mirrors()
    mirror = active_mirror(mirrors)
    if mirror is None:
        print(_("{mark} conda-tuna is not enabled; no mirror to check.").format(mark=OK_MARK)
              + "\n")
        return
    if context.offline:
        print(_("{mark} Offline: mirror {name} not checked.").format(mark=OK_MARK,
                                                                     name=mirror.name) + "\n")
        return
    url = mirror_health.probe_url(mirror, context.subdir)
    result = mirror_health.probe_all({mirror.name: url}, probe_timeout(),
                                     probe_config())[mirror.name]
    if result.healthy:
        print(_("{mark} Mirror {name} ({root}) answers: {how}.").format(
            mark=OK_MARK, name=mirror.name, root=mirror.root, how=result.describe()))
    else:
        chain, _notes = mirror_health.fallback_chain(mirror, fallback_setting(), mirrors)
        sister = next((m for m in chain if m is not None), None)
        # never `disable` for an outage: requests already fail over (upstream is slow from
        # China); offer the next mirror, or a look at all of them
        advice = (_("requests fail over to {name} meanwhile; to switch for good: "
                    "{command}").format(name=sister.name,
                                        command=mirror_health.switch_command(sister))
                  if sister else _("compare the mirrors with `conda tuna mirrors --probe`"))
        print(_("{mark} Mirror {name} ({root}) is failing: {why}; {advice}.").format(
            mark=X_MARK, name=mirror.name, root=mirror.root, why=result.describe(),
            advice=advice))
    sync = sync_section(mirror, offline=False)
    for warning in sync.get("warnings") or ():  # type: ignore[union-attr]
        print(_("{mark} Mirror sync: {warning}").format(mark=X_MARK, warning=warning))
    if not sync.get("available"):
        print(_("  Mirror freshness unknown: {error}").format(error=sync.get("error")))
    print()
