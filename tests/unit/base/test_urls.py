"""The one mirror-URL validator and the one redaction (conda_tuna/base/urls.py).

The table in url_cases.py is shared with the POSIX sh copy of the rule in
scripts/bootstrap.sh (tests/unit/test_bootstrap_script.py); the properties below hold for
any text hypothesis can make up.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from conda_tuna.base.errors import TunaError
from conda_tuna.base.urls import (
    check_mirror_url,
    has_credentials,
    host_port,
    is_loopback_host,
    normalize_root,
    parse_mirror_url,
    redact,
)
from tests.unit.base.url_cases import CASES, ERROR, LOOPBACK


def verdict(url: str) -> str:
    try:
        parsed = check_mirror_url(url, allow_http=True)
    except TunaError:
        return ERROR
    return "loopback" if parsed.loopback else "remote"


@pytest.mark.parametrize(("url", "expected", "sh_rejects"), CASES, ids=repr)
def test_table(url, expected, sh_rejects):
    assert verdict(url) == expected
    if expected == ERROR:
        return
    if url.lower().startswith("http:"):
        if expected == LOOPBACK:
            check_mirror_url(url)  # no --allow-http needed
        else:
            with pytest.raises(TunaError, match="plain http://"):
                check_mirror_url(url)


@pytest.mark.parametrize(("url", "message"), [
    ("", "is empty"),
    ("http://127.0.0.1:abc", "port 'abc' is not a number from 1 to 65535"),
    ("http://127.0.0.1:70000", "port '70000'"),
    ("http://[::1", "no closing bracket"),
    ("https://u:hunter2@m.example", "user name or password"),
    ("https://m.example/t/tk-1/x", "anaconda.org token"),
    ("https://m.example?a=1", "query"),
    ("http://127.1", "not a valid IPv4 address"),
    ("https://m.example/\u2028", "character '\\u2028'"),
])
def test_errors_say_what_is_wrong_and_what_to_do(url, message):
    with pytest.raises(TunaError) as err:
        parse_mirror_url(url, what="--url")
    text = str(err.value)
    assert message in text and "--url" in text
    assert "https://mirrors.tuna.tsinghua.edu.cn" in text  # the next step
    assert "hunter2" not in text and "tk-1" not in text


def test_non_text_is_an_error():
    with pytest.raises(TunaError, match="must be text"):
        parse_mirror_url(8080)


@pytest.mark.parametrize(("url", "root"), [
    ("https://Mirrors.Example.edu.cn/anaconda/", "https://mirrors.example.edu.cn"),
    ("https://m.example/sub/anaconda/pkgs//", "https://m.example/sub"),
    ("https://m.example/Anaconda", "https://m.example/Anaconda"),  # paths keep their case
    ("http://[0:0::1]:00080/", "http://[::1]:80"),
    ("https://bücher.example/é", "https://xn--bcher-kva.example/%C3%A9"),
])
def test_normalize_root(url, root):
    assert normalize_root(url) == root


# --------------------------------------------------------------------------- properties
_FRAGMENTS = st.sampled_from([
    "127", "0", "1", "255", "256", ".", "..", ":", "::", "[", "]", "@", "%", "\\", "/", "-",
    "_", "x", "0x7f", "localhost", "LOCALHOST", "evil", "example", "::1", "ffff", "1.2.3.4",
    "\u3002", "\uff0e", "１", "２", "７", "\u2028", " ", "\t", "xn--", "a" * 63,
])
HOSTS = st.one_of(
    st.lists(_FRAGMENTS, min_size=1, max_size=8).map("".join),
    st.text(max_size=30),
    st.ip_addresses().map(lambda a: f"[{a}]" if a.version == 6 else str(a)),
)


def _really_loopback(host: str) -> bool:
    """An independent oracle: the host urllib sees in the normalised URL is loopback."""
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback if address.version == 4 else str(address) == "::1"


@settings(max_examples=600)
@given(host=HOSTS, port=st.one_of(st.none(), st.text(max_size=6)),
       path=st.text(max_size=12))
@example(host="127.evil.example", port=None, path="")
@example(host="127.0.0.1@evil.example", port=None, path="")
@example(host="[::ffff:127.0.0.1]", port=None, path="")
@example(host="localhost/@", port=None, path="")
def test_no_non_loopback_host_is_ever_accepted_as_loopback(host, port, path):
    url = f"http://{host}" + (f":{port}" if port is not None else "") + path
    try:
        parsed = check_mirror_url(url)  # no --allow-http: accepted only on loopback
    except TunaError:
        return
    assert parsed.loopback
    assert _really_loopback(parsed.host)
    assert _really_loopback(urlsplit(parsed.url).hostname or "")
    assert "@" not in urlsplit(parsed.url).netloc  # a path may hold @; the host never
    assert "?" not in parsed.url and "#" not in parsed.url


@settings(max_examples=300)
@given(host=HOSTS)
def test_loopback_is_decided_on_the_address(host):
    if is_loopback_host(host):
        bare = host.strip().lower()
        if bare.startswith("[") and bare.endswith("]"):
            bare = bare[1:-1]
        assert _really_loopback(bare)


@settings(max_examples=300)
@given(text=st.text(max_size=60))
def test_validation_only_ever_raises_tunaerror_and_is_idempotent(text):
    for candidate in (text, "https://" + text, "http://127.0.0.1" + text):
        try:
            root = normalize_root(candidate)
        except TunaError:
            continue
        assert normalize_root(root) == root
        assert root.isascii() and root.isprintable()


SECRET = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=8, max_size=16)


@settings(max_examples=300)
@given(secret=SECRET, user=st.sampled_from(["", "alice", "bob.smith"]),
       host=st.sampled_from(["m.example", "127.0.0.1:8080", "[::1]", "[::1"]),
       prefix=st.text(max_size=10), where=st.sampled_from(["password", "token", "query"]))
def test_redaction_hides_every_secret(secret, user, host, prefix, where):
    if where == "password":
        url = f"https://{user}:{secret}@{host}/simple"
    elif where == "token":
        url = f"https://{host}/t/{secret}/conda-forge"
    else:
        url = f"https://{host}/simple?key={secret}"
    assume(secret not in prefix)
    message = f"{prefix} failed: {url}. Next: retry"
    assert secret not in redact(message)
    assert secret not in redact(url)
    assert "Next: retry" in redact(message)


@given(st.text(max_size=80))
def test_redaction_never_raises(text):
    assert isinstance(redact(text), str)
    assert isinstance(host_port(text), str)
    assert isinstance(has_credentials(text), bool)


def test_redaction_examples():
    assert redact("https://u:pw@h.org/t/tok/c") == "https://u:***@h.org/t/<TOKEN>/c"
    assert redact("https://tok@h.org/c") == "https://***@h.org/c"
    assert redact("see http://h/x?a=1&b#f") == "see http://h/x?a=***&b#f"
    assert redact(None) == "None"
    assert re.search(r"\*\*\*", redact("index http://me:pw@[::1/simple"))
