"""The conda (and requests) behaviour conda-tuna's routing relies on that is not public API.

One test per behaviour, in-process, no network (a recording adapter answers). Each docstring
says what breaks in conda-tuna when the test fails; the first one to fail after a conda
upgrade names the part of the design to revisit (ARCHITECTURE.md, "conda behaviour relied
on").
"""

from __future__ import annotations

import os
import threading

import pytest
import requests
from requests.adapters import BaseAdapter

pytestmark = pytest.mark.integration

UP = "https://conda.anaconda.org"


@pytest.fixture
def conda_ctx(tmp_path, monkeypatch):
    """conda's context with one user condarc and a conda-tuna drop-in (both in tmp)."""
    home = tmp_path / "home"
    (home / ".conda" / "condarc.d").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("CONDARC", str(home / ".condarc"))
    for key in list(os.environ):
        if key.startswith("CONDA_") and key != "CONDA_PREFIX":
            monkeypatch.delenv(key, raising=False)
    (home / ".conda" / "condarc.d" / "conda-tuna.yml").write_text(
        f'channel_settings:\n  - channel: "{UP}/*"\n    auth: conda-tuna\n'
        '  - channel: "https://repo.anaconda.com/*"\n    auth: conda-tuna\n')
    (home / ".condarc").write_text("channels: [conda-forge]\n")
    from conda.base.context import context, reset_context
    from conda.gateways.connection.session import CondaSession, get_session

    reset_context()
    get_session.cache_clear()
    CondaSession.cache_clear()
    yield context, home
    get_session.cache_clear()
    CondaSession.cache_clear()
    reset_context()


def test_auth_handler_plugin_types_exist():
    """`conda_auth_handlers` with CondaAuthHandler(name, handler=ChannelAuthBase subclass):
    if this fails, the plugin cannot register its router at all (plugin.py)."""
    from conda.plugins.types import ChannelAuthBase, CondaAuthHandler

    from conda_tuna.routing.handler import TunaAuth

    assert issubclass(TunaAuth, ChannelAuthBase)
    assert CondaAuthHandler(name="conda-tuna", handler=TunaAuth).name == "conda-tuna"


def test_url_pattern_selects_the_handler(conda_ctx):
    """get_session (conda >= 24.5) matches channel_settings URL patterns with fnmatch on
    netloc+path, scheme equal: if this fails, the drop-in routes nothing (every request goes
    upstream, as without conda-tuna)."""
    from conda.gateways.connection.session import get_session

    from conda_tuna.routing.handler import TunaAuth

    for path in ("conda-forge/linux-64/repodata.json", "conda-forge/noarch/x-1-0.conda",
                 "conda-forge/linux-64/repodata_shards.msgpack.zst", "conda-forge/notices.json",
                 "t/tok/conda-forge/linux-64/repodata.json"):
        assert isinstance(get_session(f"{UP}/{path}").auth, TunaAuth), path
    assert isinstance(get_session("https://repo.anaconda.com/pkgs/main/noarch/a.conda").auth,
                      TunaAuth)
    assert not isinstance(get_session("https://example.org/ch/noarch/a.conda").auth, TunaAuth)
    assert not isinstance(get_session("http://conda.anaconda.org/ch/noarch/a.conda").auth,
                          TunaAuth)


def test_no_handler_class_means_a_plain_session(conda_ctx, monkeypatch):
    """With conda-tuna uninstalled (or --no-plugins) the drop-in names an unknown handler and
    get_session falls back to conda's default session: if this fails, a leftover drop-in
    breaks conda for users who removed conda-tuna."""
    context, _home = conda_ctx
    from conda.gateways.connection.session import CondaHttpAuth, get_session

    monkeypatch.setattr(context.plugin_manager, "get_auth_handler", lambda name: None)
    assert isinstance(get_session(f"{UP}/conda-forge/noarch/repodata.json").auth,
                      CondaHttpAuth)


def test_credentialed_urls_still_reach_the_handler(conda_ctx):
    """conda's urlparse drops userinfo from netloc, so `https://u:p@conda.anaconda.org/...`
    matches the pattern too: the handler is asked and must leave such URLs to CondaHttpAuth
    (urls.plan returns None for them). If this changes, credentialed URLs simply bypass the
    handler (still safe); the user:password tests then show the new path."""
    from conda.common.url import urlparse
    from conda.gateways.connection.session import get_session

    from conda_tuna.routing.handler import TunaAuth

    assert urlparse(f"https://u:p@{UP[8:]}/x").netloc == UP[8:]
    assert isinstance(get_session(f"https://u:p@{UP[8:]}/conda-forge/noarch/a.conda").auth,
                      TunaAuth)


def test_later_sources_come_first_and_the_last_match_wins(conda_ctx):
    """Sequence merge puts later config sources first; get_session keeps the LAST match. So
    the file read earlier wins: a user-scope drop-in beats ~/.condarc, an env-scope one loses
    to it. If this fails, `enable`'s conflict report and `status`'s "who wins" are wrong
    (config/adapter.channel_settings_conflicts, base/context.read_order)."""
    context, home = conda_ctx
    from conda.base.context import reset_context
    from conda.gateways.connection.session import get_session

    from conda_tuna.base.context import read_order
    from conda_tuna.routing.handler import TunaAuth

    (home / ".condarc").write_text(
        f'channel_settings:\n  - channel: "{UP}/*"\n    auth: someone-else\n')
    reset_context()
    get_session.cache_clear()
    order = [dict(x)["auth"] for x in context.channel_settings]
    assert order[0] == "someone-else" and order[-1] == "conda-tuna"
    assert isinstance(get_session(f"{UP}/conda-forge/noarch/repodata.json").auth, TunaAuth)
    drop_in = home / ".conda" / "condarc.d" / "conda-tuna.yml"
    assert read_order(drop_in) < read_order(home / ".condarc") < read_order("envvars")


def test_sessions_are_cached_per_url_and_shared_across_threads(conda_ctx):
    """get_session is functools.cache'd by URL: a session (and its handler instance) made in
    one thread is returned to others. If this changes, nothing breaks -- the handler keeps no
    state on the instance (routing/handler.State is module-level and locked) -- but the
    per-process liveness gate must still be shared, which this pins."""
    from conda.gateways.connection.session import get_session

    url = f"{UP}/conda-forge/noarch/repodata.json"
    first = get_session(url)
    box = []
    t = threading.Thread(target=lambda: box.append(get_session(url)))
    t.start()
    t.join()
    assert box[0] is first
    assert first.auth.channel_name == "conda-forge"


class _Recorder(BaseAdapter):
    """Answers every request with `status`, recording what it was sent."""

    def __init__(self, status=200):
        super().__init__()
        self.status = status
        self.sent = []

    def send(self, request, **kwargs):
        self.sent.append((request.url, dict(request.headers), kwargs))
        resp = requests.Response()
        resp.status_code = self.status
        resp.url = request.url
        resp.request = request
        resp.connection = self
        resp._content = b""
        return resp

    def close(self):
        pass


def test_auth_runs_after_plugin_headers_and_before_proxy_resolution(conda_ctx, monkeypatch):
    """CondaSession.prepare_request adds plugin headers, then requests runs auth inside
    prepare(); Session.request resolves proxies for prep.url AFTER that. If this fails,
    Anaconda-only headers may reach a mirror (the allowlist would run before they are
    added) or a mirror would get upstream's proxy/NO_PROXY decision."""
    context, _home = conda_ctx
    from conda.gateways.connection.session import get_session

    seen = {}

    class Spy(requests.auth.AuthBase):
        def __call__(self, r):
            seen["headers"] = dict(r.headers)
            r.url = "http://mirror.invalid/anaconda/cloud/conda-forge/noarch/repodata.json"
            return r

    monkeypatch.setattr(context.plugin_manager, "get_cached_request_headers",
                        lambda host, path: {"Anaconda-ToS-Accept": "x"})
    session = get_session(f"{UP}/conda-forge/noarch/repodata.json")
    rec = _Recorder()
    session.mount("http://", rec)
    session.mount("https://", rec)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "conda.anaconda.org")
    session.get(f"{UP}/conda-forge/noarch/repodata.json", auth=Spy(), timeout=(1, 2))
    assert seen["headers"].get("Anaconda-ToS-Accept") == "x"
    url, _headers, kwargs = rec.sent[0]
    assert url.startswith("http://mirror.invalid/")
    assert kwargs["proxies"].get("http") == "http://proxy.invalid:3128"
    assert kwargs["timeout"] == (1, 2)


def test_response_hooks_get_send_kwargs_and_the_adapter(conda_ctx):
    """The failover re-send is r.connection.send(prep, **kwargs), like
    requests.auth.HTTPDigestAuth.handle_401. If this fails, per-request failover (a 404 or
    5xx answered by a mirror) stops working; liveness failover still works."""
    from conda.gateways.connection.session import get_session

    session = get_session(f"{UP}/conda-forge/noarch/repodata.json")
    rec = _Recorder()
    session.mount("https://", rec)
    got = {}

    def hook(r, **kwargs):
        got.update(kwargs)
        got["connection"] = r.connection
        return r

    session.get(f"{UP}/x", hooks={"response": hook}, stream=True, timeout=(3, 4),
                auth=lambda r: r)
    assert {"timeout", "stream", "verify", "proxies", "cert"} <= set(got)
    assert got["connection"] is rec and hasattr(got["connection"], "send")


def test_conda_http_auth_api(conda_ctx):
    """What the handler delegates to for requests it leaves alone (credentials, unmirrored
    channels) and for upstream fallbacks: if this fails, tokens, netrc and proxy-407
    handling for those requests break (routing/handler._delegate, _to_site)."""
    from conda.gateways.connection.session import CondaHttpAuth

    auth = CondaHttpAuth()
    assert callable(auth)
    for name in ("add_binstar_token", "_apply_basic_auth", "handle_407"):
        assert callable(getattr(CondaHttpAuth, name)), name
    assert CondaHttpAuth.add_binstar_token(f"{UP}/conda-forge/noarch/a.conda").startswith(UP)


def test_conda_retries_5xx_before_hooks(conda_ctx):
    """conda's adapter retries 413/429/500/503 (remote_max_retries, backoff) inside urllib3:
    a mid-command 5xx reaches the response hook only after that schedule (~6 s by default).
    If this fails, only the cost model in the README changes."""
    from conda.gateways.connection.session import get_session

    adapter = get_session(f"{UP}/conda-forge/noarch/repodata.json").get_adapter(f"{UP}/")
    retry = adapter.max_retries
    assert 503 in retry.status_forcelist and retry.raise_on_status is False
    assert retry.total == conda_ctx[0].remote_max_retries


def test_http_error_keeps_the_wire_url(conda_ctx):
    """CondaHTTPError reports the URL conda asked for (upstream); the URL that answered (the
    mirror) is on the wrapped requests error. If this fails, the 26.7+ error hint and the
    26.5+ exception observer no longer see which mirror failed (routing/handler.wire_url)."""
    from conda.exceptions import CondaHTTPError
    from conda.gateways.connection.download import download_http_errors

    from conda_tuna.routing.handler import wire_url

    resp = requests.Response()
    resp.status_code = 403
    resp.url = "https://mirror.invalid/anaconda/cloud/conda-forge/noarch/a.conda"
    resp.reason = "Forbidden"
    with pytest.raises(CondaHTTPError) as info, \
            download_http_errors(f"{UP}/conda-forge/noarch/a.conda"):
        raise requests.HTTPError(response=resp)
    err = info.value
    assert err._kwargs["url"] == f"{UP}/conda-forge/noarch/a.conda"
    assert wire_url(err) == resp.url
    prep = requests.Request("GET", "https://mirror.invalid/x").prepare()
    with pytest.raises(CondaHTTPError) as info, download_http_errors(f"{UP}/x"):
        raise requests.ConnectionError("refused", request=prep)
    assert wire_url(info.value) == "https://mirror.invalid/x"


def test_multi_errors_keep_their_errors():
    """Failed package downloads arrive as a CondaMultiError with `.errors`: if this fails,
    the exception observer stops remembering a mirror that died mid-download."""
    from conda import CondaMultiError
    from conda.exceptions import CondaHTTPError

    one = CondaHTTPError("m", f"{UP}/x", 503, "x", None)
    assert CondaMultiError([one]).errors == [one]


def test_search_path_order_of_the_scopes():
    """conda reads $CONDA_ROOT/condarc.d, then ~/.conda/condarc.d, ~/.condarc,
    $CONDA_PREFIX/condarc.d: the scopes' order decides who wins a channel_settings tie (see
    test_later_sources_come_first_and_the_last_match_wins)."""
    from conda.base.constants import SEARCH_PATH

    order = [SEARCH_PATH.index(p) for p in ("$CONDA_ROOT/condarc.d/", "~/.conda/condarc.d/",
                                            "~/.condarc", "$CONDA_PREFIX/condarc.d/")]
    assert order == sorted(order)
