"""The credential guard: a channel URL with a token or password never reaches a mirror.

conda's ``migrated_custom_channels`` (which conda-tuna uses so that explicit upstream URLs
reach the mirror) matches URLs with their token removed and then carries the token across
to the new location (``conda.models.channel.parse_conda_channel_url``: ``token or
configured_token``). So ``https://conda.anaconda.org/t/<token>/conda-forge`` would be sent,
token included, to the mirror. Two layers stop that:

1. :func:`install` wraps conda's ``parse_conda_channel_url`` for the running command: a
   credentialed URL that conda would move to another host is resolved as written, upstream.
   This is not public plugin API; ``tests/integration/test_enable_disable.py`` fails if conda
   changes the function's name or behaviour.
2. :func:`guard_request` runs in conda's request-header hook for every HTTP request and
   refuses any request to the mirror host that carries a token path or userinfo, so even an
   unforeseen path cannot leak a credential.
"""

from __future__ import annotations

import functools

from ..base.urls import host_port
from .routes import has_credentials, redact

_PATCHED_FLAG = "_conda_tuna_credential_guard"


def _upstream_channel(url: str):
    """The Channel for `url` exactly as written: its own host, its own credentials."""
    from conda.base.context import context
    from conda.common.url import split_conda_url_easy_parts
    from conda.models.channel import Channel

    scheme, auth, token, platform, filename, host, port, path, _ = split_conda_url_easy_parts(
        context.known_subdirs, url
    )
    location = f"{host}:{port}" if port else host
    return Channel(scheme or "https", auth, location, token, (path or "").strip("/"),
                   platform, filename)


def _host_of(channel) -> str:
    """host[:port] of a resolved Channel's location."""
    return (channel.location or "").split("/", 1)[0].lower()


def _netloc_of(url: str) -> str:
    """host[:port] of a URL as written, without user:password."""
    return host_port(url)


def install() -> bool:
    """Wrap conda's channel URL parser for this process; True when newly installed."""
    from conda.models import channel as channel_module

    original = channel_module.parse_conda_channel_url
    if getattr(original, _PATCHED_FLAG, False):
        return False

    @functools.wraps(original)
    def parse_keeping_credentials_upstream(url: str):
        resolved = original(url)
        if not has_credentials(url):
            return resolved
        if _host_of(resolved) == _netloc_of(url):
            return resolved
        return _upstream_channel(url)

    setattr(parse_keeping_credentials_upstream, _PATCHED_FLAG, True)
    channel_module.parse_conda_channel_url = parse_keeping_credentials_upstream
    channel_module.Channel._reset_state()  # drop Channels resolved before the guard
    return True


class CredentialLeakError(Exception):
    """Raised (as a CondaError) when a request would carry credentials to the mirror."""


def request_carries_credentials(host: str, path: str) -> bool:
    """True when a request's netloc has userinfo or its path has an anaconda.org token."""
    return "@" in host or has_credentials(f"https://example.invalid{path}")


def guard_request(host: str, path: str, mirror_root: str) -> None:
    """Refuse a request to the mirror's host that carries credentials."""
    mirror_host = host_port(mirror_root)  # never raises, even for a broken setting
    request_host = host.rpartition("@")[2].lower()
    if request_host != mirror_host or not request_carries_credentials(host, path):
        return
    from conda.exceptions import CondaError

    raise CondaError(
        "conda-tuna stopped a request that would have sent credentials to the mirror "
        f"{mirror_host}: {redact('https://' + host + path)}.\n"
        "Channels with a token or password always stay upstream; if you see this, report "
        "it as a conda-tuna bug."
    )
