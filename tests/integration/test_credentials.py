"""No token or password reaches a mirror, on any path (issue 9's credential holes).

Every test reads the headers the loopback mirrors logged: no ``Authorization``, no
``/t/<token>/`` path, no ``anaconda-*`` header ever reaches tuna or bfsu, while the upstream
stand-in gets the credentials it is owed (conda's own auth applies there, untouched).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

TOKEN = "tk-5ecret-0123"
PASSWORD = "pw-5ecret-4567"
BLANK = {f"CONDA_PLUGINS_TUNA_{name}": "" for name in (
    "MIRROR", "MIRROR_URL", "FAILOVER", "FALLBACK_MIRRORS", "SYNC_MAX_AGE_HOURS",
    "PROBE_TIMEOUT", "ARCH_CHECK", "PIP_POLICY", "LANGUAGE")}


def host(world) -> str:
    return world.upstream.url.split("://", 1)[1]


def token_url(world) -> str:
    return f"http://{host(world)}/t/{TOKEN}/conda-forge"


def password_url(world) -> str:
    return f"http://user:{PASSWORD}@{host(world)}/conda-forge"


def assert_nothing_leaked(world) -> None:
    assert not world.authorization_seen_by_mirrors()
    for server in (world.tuna, world.bfsu):
        text = " ".join(r.path + " " + " ".join(r.headers.values()) for r in server.requests)
        assert TOKEN not in text and PASSWORD not in text


def upstream_got_basic_auth(world) -> bool:
    return any(k.lower() == "authorization" and v.startswith("Basic ")
               for r in world.upstream.requests for k, v in r.headers.items())


@pytest.mark.parametrize("blank", [False, True], ids=["configured", "settings-blanked"])
@pytest.mark.parametrize("where", ["-c", "condarc", "envfile", pytest.param(
    "spec", marks=pytest.mark.solver("classic", "libmamba", reason="conda-rattler-solver 0.2 "
                                     "cannot solve URL::pkg with a custom channel_alias, with "
                                     "or without conda-tuna"))])
def test_token_channel_stays_upstream(sandbox, world, tmp_path, where, blank):
    world.setup(sandbox, (token_url(world),) if where == "condarc" else ("defaults",))
    if blank:
        sandbox.extra_env.update(BLANK)
    prefix = str(tmp_path / "env")
    if where == "-c":
        result = sandbox.run("create", "-p", prefix, "-y", "--override-channels",
                             "-c", token_url(world), "cf-tool")
    elif where == "envfile":
        env_file = tmp_path / "environment.yml"
        env_file.write_text(f"channels:\n  - {token_url(world)}\ndependencies:\n  - cf-tool\n")
        result = sandbox.run("env", "create", "-f", str(env_file), "-p", prefix, "-y")
    elif where == "spec":
        result = sandbox.run("create", "-p", prefix, "-y", f"{token_url(world)}::cf-tool")
    else:
        result = sandbox.run("create", "-p", prefix, "-y", "cf-tool")
    result.check()
    assert_nothing_leaked(world)
    if where == "spec":
        # conda's MatchSpec keeps only the channel's name ("conda-forge") and drops the token
        # before any request: nothing with the token is sent anywhere
        assert TOKEN not in " ".join(world.upstream.paths())
        return
    assert any(f"/t/{TOKEN}/conda-forge/" in p for p in world.upstream.paths()), result.output
    # the channel's index is read upstream, with its token. (conda asks for the channel's
    # notices without the token, and conda-rattler-solver 0.2 records package URLs without
    # it: those token-less requests may be routed, which sends no credential anywhere.)
    assert not [p for s in (world.tuna, world.bfsu) for p in s.paths()
                if "conda-forge" in p and "repodata" in p]


@pytest.mark.parametrize("blank", [False, True], ids=["configured", "settings-blanked"])
@pytest.mark.parametrize("command", ["create", "search", "check", "env-create"])
def test_password_channel_stays_upstream(sandbox, world, tmp_path, command, blank):
    """user:password@ (which conda's URL parser hides from channel_settings matching, so
    conda-tuna's handler is asked) is left to conda: Basic auth upstream, nothing to a
    mirror. `conda tuna check` leaked it before issue 9."""
    world.setup(sandbox, (password_url(world),))
    if blank:
        sandbox.extra_env.update(BLANK)
    if command == "create":
        result = sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "cf-tool")
    elif command == "search":
        result = sandbox.run("search", "cf-tool")
    elif command == "check":
        result = sandbox.run("tuna", "check", "cf-tool")
    else:
        env_file = tmp_path / "environment.yml"
        env_file.write_text(f"channels:\n  - {password_url(world)}\ndependencies:\n"
                            "  - cf-tool\n")
        result = sandbox.run("env", "create", "-f", str(env_file), "-p",
                             str(tmp_path / "env"), "-y")
    result.check()
    assert_nothing_leaked(world)
    assert upstream_got_basic_auth(world), result.output
    assert PASSWORD not in result.output


def test_netrc_credentials_never_go_to_a_mirror(sandbox, world, tmp_path):
    """requests would add ~/.netrc credentials for 127.0.0.1 to every request; conda-tuna's
    routed requests and its own liveness checks carry none, unrouted ones keep them."""
    world.setup(sandbox, ("conda-forge", "nvidia"))
    netrc = sandbox.home / ".netrc"
    netrc.write_text(f"machine 127.0.0.1 login someone password {PASSWORD}\n")
    netrc.chmod(0o600)
    sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "cf-tool", "nv-tool").check()
    assert_nothing_leaked(world)
    assert any("cf-tool" in p for p in world.tuna.paths())
    assert upstream_got_basic_auth(world)  # nvidia, upstream: conda's own auth applies


def test_a_mirror_root_with_a_token_is_refused(sandbox, world, tmp_path):
    world.configure(sandbox)
    sandbox.write_condarc(world.condarc())
    bad = f"{world.tuna.url}/t/{TOKEN}"
    result = sandbox.run("tuna", "enable", "--url", bad, "-y")
    assert result.returncode == 1 and "must not carry an anaconda.org token" in result.output
    assert TOKEN not in result.output and not sandbox.drop_in.exists()
    # set by hand instead: routing is off, nothing at all goes to that mirror
    world.setup(sandbox)
    sandbox.extra_env["CONDA_PLUGINS_TUNA_MIRROR_URL"] = bad
    sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "tunatest-base").check()
    assert not world.tuna.requests and not world.bfsu.requests
    status = sandbox.run("tuna", "status", "--json", "--offline").check().json()
    assert status["enabled"] is False and "not a usable mirror root" in status["routing"][
        "why_off"]
    assert TOKEN not in sandbox.run("tuna", "status", "--offline").output


def test_anaconda_login_token_stays_upstream(sandbox, world, tmp_path):
    """conda adds an `anaconda login` token to every URL below the server it was issued for
    (CondaHttpAuth.add_binstar_token); routed requests go to the mirror without it, unrouted
    ones (nvidia) keep it."""
    from urllib.parse import quote_plus

    world.setup(sandbox, ("conda-forge", "nvidia"))
    tokens = tmp_path / "binstar" / "data"
    tokens.mkdir(parents=True)
    (tokens / f"{quote_plus(world.upstream.url + '/')}.token").write_text(TOKEN)
    sandbox.extra_env["BINSTAR_CONFIG_DIR"] = str(tmp_path / "binstar")
    sandbox.run("create", "-p", str(tmp_path / "env"), "-y", "cf-tool", "nv-tool").check()
    assert any("cf-tool" in p for p in world.tuna.paths())
    assert_nothing_leaked(world)
    assert any(f"/t/{TOKEN}/nvidia/" in p for p in world.upstream.paths())
