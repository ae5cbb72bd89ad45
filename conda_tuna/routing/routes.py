"""Where one channel's requests go now, and why: the rows of ``conda tuna status`` and of the
table ``conda tuna enable`` prints.

conda names every channel by its own URL; conda-tuna's handler decides per request where it
really goes. :func:`explain` answers for a channel's representative request (its repodata for
one subdir) with what the handler would do now: which mirror serves it (skipping sites
remembered as failed or stale), or why conda sends it upstream itself.

Pure: no conda import. The conda side resolves channel names to URLs and tells which
``channel_settings`` entry conda would apply.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from ..base.urls import redact
from ..i18n import _
from ..mirrors.catalog import Mirror, Upstream
from .chain import Failure
from .urls import AUTH_NAME, Candidate, Skip, not_carried, plan, understand

# architecture: pure

MIRROR = "mirror"
UPSTREAM = "upstream"


@dataclass(frozen=True)
class Route:
    """One channel: the URL its requests go to now (`url`), through a mirror or upstream
    (`via`), why, the channel's own URL (what conda records) and the serving mirror's name."""

    channel: str
    url: str
    via: str
    reason: str
    channel_url: str = ""
    mirror: str | None = None

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _base(candidate: Candidate, rest: str) -> str:
    """The candidate's URL without the representative file (the channel's base URL)."""
    return candidate.url[: -len(rest) - 1] if rest and candidate.url.endswith(rest) \
        else candidate.url


def explain(channel: str, base_url: str, subdir: str, chain: Sequence[Mirror | None],
            upstreams: Sequence[Upstream], *, handler: str | None = AUTH_NAME,
            handler_source: str | None = None,
            unusable: Callable[[Candidate], Failure | None] = lambda c: None) -> Route:
    """Where requests for `channel` (resolved by conda to `base_url`) go now, and why.

    `handler` is the auth handler conda selects for the channel's URLs (from
    ``channel_settings``; None: no entry matches), `handler_source` the config file of that
    entry, `unusable` says which candidates are now remembered down or stale.
    """
    shown, base = redact(channel), redact(base_url)
    rest = f"{subdir}/repodata.json"
    url = f"{base_url.rstrip('/')}/{rest}"
    understood = understand(url, upstreams)
    if isinstance(understood, Skip):
        return Route(shown, base, UPSTREAM, understood.reason, base)
    if not chain or all(m is None for m in chain):
        return Route(shown, base, UPSTREAM, _("conda-tuna is not enabled"), base)
    if handler != AUTH_NAME:
        if handler is None:
            why = _("no channel_settings entry selects conda-tuna for this URL")
        else:
            why = _("channel_settings in {source} selects the auth handler {name} for this "
                    "URL, so conda-tuna never sees its requests").format(
                        source=handler_source or _("your configuration"), name=handler)
        return Route(shown, base, UPSTREAM, why, base)
    the_plan = plan(url, chain, upstreams)
    if the_plan is None:
        mirrors = [m for m in chain if m is not None]
        return Route(shown, base, UPSTREAM, not_carried(understood, mirrors), base)
    passed: list[str] = []
    for cand in the_plan.candidates:
        failure = unusable(cand)
        if failure is not None:
            passed.append(_("{site}: {why}").format(site=cand.label, why=failure.reason))
            continue
        if cand.mirror is None:
            reason = _("upstream is the next in the chain")
        else:
            reason = _("served by mirror {name}").format(name=cand.mirror.name)
        if passed:
            reason = _("{reason}; passed over: {passed}").format(reason=reason,
                                                               passed="; ".join(passed))
        via = MIRROR if cand.mirror is not None else UPSTREAM
        return Route(shown, _base(cand, rest), via, reason, base,
                     cand.mirror.name if cand.mirror is not None else None)
    first = the_plan.candidates[0]
    return Route(shown, _base(first, rest), MIRROR if first.mirror else UPSTREAM,
                 _("every site failed a moment ago ({passed}); the next request tries "
                   "again").format(passed="; ".join(passed)), base,
                 first.mirror.name if first.mirror else None)
