"""The auth handler in-process, with real conda sessions and a recording adapter.

What the whole-command tests cannot show cheaply: exactly which headers go to a mirror
(another plugin's Anaconda-* headers included), that a bug in the handler degrades to
conda's own auth, and delegation to a user's own auth handler. No network: liveness checks
are replaced by a verdict, the adapter answers.
"""

from __future__ import annotations

import os

import pytest
import requests
from requests.adapters import BaseAdapter

pytestmark = pytest.mark.integration

UP = "https://conda.anaconda.org"
TUNA = "https://mirrors.tuna.tsinghua.edu.cn"
BFSU = "https://mirrors.bfsu.edu.cn"


class Answers(BaseAdapter):
    """Answers by URL prefix (default 200), recording URL and headers of each request."""

    def __init__(self, statuses: dict[str, int] | None = None):
        super().__init__()
        self.statuses = statuses or {}
        self.sent: list[tuple[str, dict[str, str]]] = []

    def send(self, request, **kwargs):
        self.sent.append((request.url, dict(request.headers)))
        resp = requests.Response()
        resp.status_code = next((s for p, s in self.statuses.items()
                                 if request.url.startswith(p)), 200)
        resp.url = request.url
        resp.request = request
        resp.connection = self
        resp._content = b"{}"
        return resp

    def close(self):
        pass


def fresh_context():
    """reset_context, and rebuild context.plugins: conda 24's reset_context keeps the old
    PluginConfig whose settings it has just removed."""
    from conda.base.context import context, reset_context

    reset_context()
    context.__dict__.pop("plugins", None)
    return context


@pytest.fixture
def routed(tmp_path, monkeypatch):
    """conda's context with conda-tuna enabled for TUNA (chain tuna, bfsu, upstream)."""
    home = tmp_path / "home"
    (home / ".conda" / "condarc.d").mkdir(parents=True)
    for key in list(os.environ):
        if key.startswith(("CONDA_", "XDG_")) and key != "CONDA_PREFIX":
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("CONDARC", str(home / ".condarc"))
    monkeypatch.setenv("NETRC", str(home / "no-netrc"))
    (home / ".conda" / "condarc.d" / "conda-tuna.yml").write_text(
        f'channel_settings:\n  - channel: "{UP}/*"\n    auth: conda-tuna\n'
        '  - channel: "https://repo.anaconda.com/*"\n    auth: conda-tuna\n'
        f"plugins:\n  tuna_mirror: tuna\n  tuna_mirror_url: {TUNA}\n")
    (home / ".condarc").write_text("channels: [conda-forge]\n")
    from conda.base.context import context, reset_context
    from conda.gateways.connection.session import CondaSession, get_session

    from conda_tuna.routing import handler
    from conda_tuna.routing.chain import Verdict

    monkeypatch.setattr(handler, "_check", lambda state, cand: Verdict(True, "ok"))
    fresh_context()
    get_session.cache_clear()
    CondaSession.cache_clear()
    handler.reset_state()
    yield context, home
    handler.reset_state()
    get_session.cache_clear()
    CondaSession.cache_clear()
    reset_context()


def fetch(url: str, answers: Answers, **kwargs):
    from conda.gateways.connection.session import get_session

    session = get_session(url)
    session.mount("https://", answers)
    session.mount("http://", answers)
    return session.get(url, timeout=(1, 1), **kwargs)


def test_routed_request_goes_to_the_mirror_with_allowlisted_headers(routed, monkeypatch):
    context, _home = routed
    monkeypatch.setattr(context.plugin_manager, "get_cached_request_headers",
                        lambda host, path: {"Anaconda-ToS-Accept": "yes",
                                            "anaconda-telemetry-sys-info": "x"})
    answers = Answers()
    resp = fetch(f"{UP}/conda-forge/noarch/repodata.json", answers,
                 headers={"Authorization": "Basic c2VjcmV0", "If-None-Match": "e1"})
    url, headers = answers.sent[0]
    assert url == f"{TUNA}/anaconda/cloud/conda-forge/noarch/repodata.json"
    lowered = {k.lower() for k in headers}
    assert "authorization" not in lowered and not any(k.startswith("anaconda") for k in lowered)
    assert headers["If-None-Match"] == "e1" and "conda" in headers["User-Agent"]
    assert resp.status_code == 200


def test_a_404_for_a_package_is_fetched_from_the_sister_in_the_same_request(routed, capsys):
    answers = Answers({f"{TUNA}/": 404})
    resp = fetch(f"{UP}/conda-forge/noarch/x-1-0.conda", answers)
    assert [u for u, _h in answers.sent] == [f"{TUNA}/anaconda/cloud/conda-forge/noarch/"
                                             "x-1-0.conda",
                                             f"{BFSU}/anaconda/cloud/conda-forge/noarch/"
                                             "x-1-0.conda"]
    assert resp.status_code == 200 and resp.url.startswith(BFSU)
    assert "mirror tuna lacks x-1-0.conda; using bfsu instead." in capsys.readouterr().err
    optional = Answers({f"{TUNA}/": 404})
    assert fetch(f"{UP}/conda-forge/noarch/current_repodata.json", optional).status_code == 404
    assert len(optional.sent) == 1  # an optional file's 404 is an answer


def test_upstream_fallback_gets_the_original_headers_and_conda_auth(routed):
    answers = Answers({f"{TUNA}/": 503, f"{BFSU}/": 503})
    resp = fetch(f"{UP}/conda-forge/noarch/x-1-0.conda", answers,
                 headers={"Anaconda-ToS-Accept": "yes"})
    assert [u.split("/")[2] for u, _h in answers.sent] == [
        "mirrors.tuna.tsinghua.edu.cn", "mirrors.bfsu.edu.cn", "conda.anaconda.org"]
    assert answers.sent[-1][1].get("Anaconda-ToS-Accept") == "yes"  # upstream: untouched
    assert resp.status_code == 200


def test_every_site_503_raises_a_conda_error_without_disable_advice(routed):
    from conda.exceptions import CondaError

    answers = Answers({"https://": 503})
    with pytest.raises(CondaError) as info:
        fetch(f"{UP}/conda-forge/noarch/x-1-0.conda", answers)
    text = str(info.value)
    assert "every mirror and upstream failed" in text and "disable" not in text


def test_credentialed_and_unmirrored_urls_are_left_to_conda(routed):
    answers = Answers()
    fetch(f"https://user:pw@{UP[8:]}/conda-forge/noarch/repodata.json", answers)
    fetch(f"{UP}/t/tk-1/conda-forge/noarch/repodata.json", answers)
    fetch(f"{UP}/nvidia/noarch/repodata.json", answers)
    urls = [u for u, _h in answers.sent]
    assert all(u.startswith(("https://user:pw@conda.anaconda.org", UP)) for u in urls), urls
    assert answers.sent[0][1]["Authorization"].startswith("Basic ")  # conda's own auth


def test_a_bug_in_the_handler_degrades_to_conda_auth(routed, monkeypatch):
    from conda_tuna.routing import handler

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(handler, "plan", broken)
    answers = Answers()
    resp = fetch(f"{UP}/conda-forge/noarch/repodata.json", answers)
    assert resp.status_code == 200 and answers.sent[0][0].startswith(UP)


def test_blank_mirror_url_routes_nothing(routed, monkeypatch):
    monkeypatch.setenv("CONDA_PLUGINS_TUNA_MIRROR_URL", "")
    fresh_context()
    answers = Answers()
    fetch(f"{UP}/conda-forge/noarch/repodata.json", answers)
    assert answers.sent[0][0].startswith(UP)


def test_unrouted_requests_use_the_users_own_auth_handler(routed, monkeypatch):
    """With `enable --force` over a user's channel_settings, requests conda-tuna does not
    route (e.g. a private channel) still get the user's handler."""
    context, home = routed
    from conda.plugins.types import ChannelAuthBase

    class Mine(ChannelAuthBase):
        def __call__(self, request):
            request.headers["Authorization"] = "Bearer mine"
            return request

    (home / ".condarc").write_text(
        f'channels: [conda-forge]\nchannel_settings:\n  - channel: "{UP}/*"\n'
        "    auth: mine\n")
    fresh_context()
    real = context.plugin_manager.get_auth_handler
    monkeypatch.setattr(context.plugin_manager, "get_auth_handler",
                        lambda name: Mine if name == "mine" else real(name))
    answers = Answers()
    fetch(f"{UP}/privatechan/noarch/repodata.json", answers)
    fetch(f"{UP}/conda-forge/noarch/repodata.json", answers)
    (private, priv_headers), (mirror, mirror_headers) = answers.sent
    assert private.startswith(UP) and priv_headers["Authorization"] == "Bearer mine"
    assert mirror.startswith(TUNA) and "Authorization" not in mirror_headers
