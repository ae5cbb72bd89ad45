"""environment.yml parts and the pins that will not migrate to another platform."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conda_tuna.archcheck import envfile as env_file
from conda_tuna.base.errors import TunaError

EXPORTED = {
    "name": "old",
    "channels": ["conda-forge", "nodefaults"],
    "prefix": "/home/a/miniconda3/envs/old",
    "dependencies": [
        "_libgcc_mutex=0.1=conda_forge",
        "ld_impl_linux-64=2.40=h41732ed_0",
        "libgcc-ng=13.2.0=h807b86a_5",
        "numpy=1.26.4=py311h64a7726_0",
        "python=3.11",
        "scipy >=1.10",
        "__glibc=2.17=0",
        {"pip": ["requests==2.31.0", "torch @ https://x/torch-2.1-cp311-linux_x86_64.whl"]},
    ],
}


def test_parse_splits_the_file():
    env = env_file.parse(EXPORTED)
    assert env.channels == ["conda-forge"] and env.nodefaults
    assert env.prefix == "/home/a/miniconda3/envs/old"
    assert len(env.conda) == 7
    assert env.pip == ["requests==2.31.0", "torch @ https://x/torch-2.1-cp311-linux_x86_64.whl"]


@pytest.mark.parametrize("bad", [["a"], {"dependencies": [3]}])
def test_parse_rejects_garbage(bad):
    with pytest.raises(TunaError):
        env_file.parse(bad)


@pytest.mark.parametrize(
    ("spec", "build", "loose"),
    [("numpy=1.26.4=py311h64a7726_0", "py311h64a7726_0", "numpy=1.26.4"),
     ("numpy 1.26.4 py311h64a7726_0", "py311h64a7726_0", "numpy 1.26.4"),
     ("conda-forge::numpy=1.26=h1", "h1", "conda-forge::numpy=1.26"),
     ("numpy=1.26=py3*", None, "numpy=1.26=py3*"),
     ("numpy>=1.2", None, "numpy>=1.2"),
     ("numpy==1.2", None, "numpy==1.2"),
     ("numpy[build=h1]", "h1", "numpy[build=h1]")],
)
def test_exact_build(spec, build, loose):
    assert env_file.exact_build(spec) == build
    if build and "[" not in spec:
        assert env_file.without_build(spec) == loose


def test_migration_flags_for_aarch64():
    flags = env_file.migration_flags(env_file.parse(EXPORTED), ["linux-aarch64"])
    kinds = [(f.kind, f.item.split("=")[0]) for f in flags]
    assert ("prefix", "prefix: /home/a/miniconda3/envs/old") in kinds
    assert ("exact_build", "numpy") in kinds
    assert ("exact_build", "libgcc-ng") in kinds
    assert ("platform_package", "ld_impl_linux-64") in kinds
    assert ("virtual_package", "__glibc") in kinds
    assert ("pip_platform", "torch @ https://x/torch-2.1-cp311-linux_x86_64.whl") in kinds
    assert not [k for k in kinds if k[1] in ("python", "scipy >", "requests")]
    # libgcc-ng is a Linux package: fine on another Linux, flagged for macOS
    assert ("platform_package", "libgcc-ng") not in kinds
    mac = env_file.migration_flags(env_file.parse(EXPORTED), ["osx-arm64"])
    assert ("platform_package", "libgcc-ng") in [(f.kind, f.item.split("=")[0]) for f in mac]
    same = env_file.migration_flags(env_file.parse(EXPORTED), ["linux-64"])
    assert "ld_impl_linux-64" not in [f.item.split("=")[0] for f in same
                                      if f.kind == "platform_package"]


# ------------------------------------------------------------ hostile files (issue 11)

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)


def test_scalar_channels_is_one_channel_with_a_note():
    env = env_file.parse({"channels": "conda-forge", "dependencies": ["numpy"]}, "env.yml")
    assert env.channels == ["conda-forge"]
    assert env.notes and "single value, not a list" in env.notes[0]


def test_scalar_dependencies_is_one_spec_with_a_note():
    env = env_file.parse({"dependencies": "numpy>=1.26"}, "env.yml")
    assert env.conda == ["numpy>=1.26"] and env.notes


@pytest.mark.parametrize("data", [
    {"dependencies": {"numpy": "1.0"}},
    {"dependencies": 3},
    {"channels": {"a": 1}},
    {"channels": [None]},
    {"dependencies": [{"pip": {"requests": 1}}]},
    {"dependencies": [1.5]},
])
def test_unreadable_shapes_are_errors_that_say_what_to_do(data):
    with pytest.raises(TunaError) as err:
        env_file.parse(data, "env.yml")
    assert "env.yml" in str(err.value)


@given(JSONISH, JSONISH, JSONISH)
def test_parse_never_fails_with_anything_but_a_clear_error(channels, dependencies, name):
    data = {"channels": channels, "dependencies": dependencies, "name": name,
            "prefix": name}
    try:
        env = env_file.parse(data, "env.yml")
    except TunaError:
        return
    assert all(isinstance(c, str) and len(c) > 0 for c in env.channels)
    assert all(isinstance(s, str) for s in env.conda + env.pip)
    if isinstance(channels, str) and channels.strip() not in ("", "nodefaults"):
        assert env.channels == [channels.strip()]  # one channel, never its letters
    env_file.migration_flags(env, ["linux-64", "linux-aarch64"])
