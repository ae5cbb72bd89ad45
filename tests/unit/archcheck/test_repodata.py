"""The byte-level repodata reader: the same records as json.loads, whatever the layout."""

from __future__ import annotations

import json
import random

import pytest

from conda_tuna.archcheck.repodata import RepodataFile, key_name, records_in


def rec(name: str, version: str = "1.0", build: str = "h0_0", **extra) -> dict:
    return {"build": build, "build_number": 0, "depends": extra.pop("depends", []),
            "name": name, "subdir": "linux-64", "version": version, **extra}


def fn(record: dict, ext: str = ".conda") -> str:
    return f"{record['name']}-{record['version']}-{record['build']}{ext}"


def repodata(*records: dict, tar: tuple[dict, ...] = (), **top) -> dict:
    return {"info": {"subdir": "linux-64"},
            "packages": {fn(r, ".tar.bz2"): r for r in tar},
            "packages.conda": {fn(r): r for r in records},
            "removed": [], "repodata_version": 1, **top}


FORMATS = {
    "pretty-1": lambda d: json.dumps(d, indent=1, sort_keys=True),
    "pretty-2": lambda d: json.dumps(d, indent=2, sort_keys=True),
    "compact": lambda d: json.dumps(d, separators=(",", ":"), sort_keys=True),
    "spaced": lambda d: json.dumps(d, sort_keys=True),
    "crlf": lambda d: json.dumps(d, indent=2, sort_keys=True).replace("\n", "\r\n"),
}


def reader(data: dict, fmt: str = "pretty-1") -> RepodataFile:
    return RepodataFile(FORMATS[fmt](data).encode())


def names(found) -> list[tuple[str, str]]:
    return sorted((r["name"], r["version"]) for _, r in found)


@pytest.mark.parametrize("fmt", FORMATS)
def test_finds_records_in_both_sections(fmt):
    data = repodata(rec("numpy", "1.26"), rec("numpy", "2.0"), rec("scipy"),
                    tar=(rec("numpy", "1.19"), rec("zlib")))
    rd = reader(data, fmt)
    assert names(rd.lookup("numpy")) == [("numpy", "1.19"), ("numpy", "1.26"),
                                         ("numpy", "2.0")]
    assert names(rd.lookup("zlib")) == [("zlib", "1.0")]
    assert rd.scans == 0
    assert {key for key, _ in rd.lookup("scipy")} == {"scipy-1.0-h0_0.conda"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_names_that_are_prefixes_of_other_names(fmt):
    data = repodata(rec("foo"), rec("foo-bar"), rec("foo-bar-baz"), rec("foo_bar"),
                    rec("foo", "2.0"), rec("foobar"), rec("fo"),
                    tar=(rec("foo-bar", "0.1"), rec("foo", "0.1")))
    rd = reader(data, fmt)
    assert names(rd.lookup("foo")) == [("foo", "0.1"), ("foo", "1.0"), ("foo", "2.0")]
    assert names(rd.lookup("foo-bar")) == [("foo-bar", "0.1"), ("foo-bar", "1.0")]
    assert names(rd.lookup("foo-bar-baz")) == [("foo-bar-baz", "1.0")]
    assert names(rd.lookup("fo")) == [("fo", "1.0")]
    assert rd.lookup("foo-b") == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_absent_names_are_confirmed_by_a_scan(fmt):
    data = repodata(rec("a"), rec("needs-x", depends=["x-tool", "x-tool >=1"]),
                    tar=(rec("c"),))
    rd = reader(data, fmt)
    assert rd.records("x-tool") == []  # only mentioned in depends: still absent
    assert rd.scans == 1
    assert rd.records("zzz") == [] and rd.records("0") == []
    assert rd.scans == 3


def test_unsorted_keys_are_scanned_not_trusted():
    records = [rec(f"pkg{i:03d}", f"1.{j}") for i in range(200) for j in range(3)]
    random.Random(7).shuffle(records)
    text = json.dumps({"packages.conda": {fn(r): r for r in records}, "info": {}})
    rd = RepodataFile(text.encode())
    assert not rd.sections()[0].ordered
    for i in (0, 57, 199):
        assert names(rd.lookup(f"pkg{i:03d}")) == [(f"pkg{i:03d}", f"1.{j}") for j in range(3)]


def test_a_key_out_of_place_never_makes_a_false_missing():
    """Sorted except one record moved to the end: the search may miss it, the confirming
    scan finds it."""
    records = [rec(f"pkg{i:03d}") for i in range(300)]
    moved = records.pop(42)
    text = json.dumps({"packages.conda": {**{fn(r): r for r in records}, fn(moved): moved}},
                      indent=1)
    rd = RepodataFile(text.encode())
    assert names(rd.records("pkg042")) == [("pkg042", "1.0")]


def test_records_with_braces_in_strings_and_nested_objects():
    odd = rec("odd", license="{MIT} or }weird{", summary='a "quoted" {brace}',
              extra={"nested": {"deep": "}"}}, depends=["b }"])
    data = repodata(rec("before"), odd, rec("other", license="}}}"), tar=(rec("zed"),))
    for fmt in FORMATS:
        rd = reader(data, fmt)
        ((key, found),) = rd.lookup("odd")
        assert found == odd and key == "odd-1.0-h0_0.conda"
        assert rd.scan("odd") == [(key, odd)]
        assert names(rd.lookup("other")) == [("other", "1.0")]


def test_non_ascii_text_in_records():
    data = repodata(rec("café-tools"), rec("plain", summary="naïve — 中文"))
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    rd = RepodataFile(text)
    assert rd.lookup("plain")[0][1]["summary"] == "naïve — 中文"
    assert rd.scan("plain")[0][1]["summary"] == "naïve — 中文"


def test_keys_not_named_after_the_package_are_found_by_the_scan():
    record = rec("real-name")
    text = json.dumps({"packages": {"renamed-1.0-0.tar.bz2": record}}, indent=1)
    rd = RepodataFile(text.encode())
    assert rd.lookup("real-name") == []
    assert rd.records("real-name") == [("renamed-1.0-0.tar.bz2", record)]


def test_signatures_and_removed_after_the_sections_are_not_records():
    data = repodata(*[rec(f"p{i:02d}") for i in range(50)],
                    signatures={fn(rec("p10")): {"a" * 64: {"signature": "f" * 128}},
                                fn(rec("zz")): {"b" * 64: {"signature": "0" * 128}}},
                    removed=[fn(rec("zz")), fn(rec("p10"), ".tar.bz2")])
    rd = reader(data)
    assert all(s.ordered for s in rd.sections())
    assert names(rd.lookup("p10")) == [("p10", "1.0")]
    assert rd.records("zz") == []


@pytest.mark.parametrize("text", [b"", b"not json", b'{"info": {"subdir": "x"}}', b"{",
                                  b"<html>404</html>"])
def test_files_without_packages_are_not_valid(text):
    rd = RepodataFile(text)
    assert not rd.valid
    assert rd.records("anything") == []


@pytest.mark.parametrize("text", [b"{}", b" {}\n"])
def test_the_empty_object_is_valid_repodata_without_records(text):
    """conda caches `{}` for a subdir the channel does not have (a 404): truly nothing."""
    rd = RepodataFile(text)
    assert rd.valid and rd.empty
    assert rd.records("anything") == []


def test_empty_sections_are_valid():
    rd = RepodataFile(json.dumps({"packages": {}, "packages.conda": {}}).encode())
    assert rd.valid
    assert rd.records("x") == []


def test_packages_conda_before_packages():
    text = ('{"packages.conda": {"a-1-0.conda": {"name": "a", "version": "1"}}, '
            '"packages": {"a-0.9-0.tar.bz2": {"name": "a", "version": "0.9"}, '
            '"b-1-0.tar.bz2": {"name": "b", "version": "1"}}}')
    rd = RepodataFile(text.encode())
    assert sorted(r["version"] for _, r in rd.lookup("a")) == ["0.9", "1"]
    assert names(rd.lookup("b")) == [("b", "1")]


def test_key_name():
    assert key_name(b"foo-bar-1.0-h0_0.conda") == b"foo-bar"
    assert key_name(b"foo-1.0-0.tar.bz2") == b"foo"
    assert key_name(b"_libgcc_mutex-0.1-main.conda") == b"_libgcc_mutex"


def test_open_maps_a_file(tmp_path):
    path = tmp_path / "repodata.json"
    path.write_text(FORMATS["pretty-2"](repodata(rec("numpy"), tar=(rec("numpy", "0.1"),))))
    assert {n: len(v) for n, v in records_in(path, ["numpy", "nope"]).items()} == \
        {"numpy": 2, "nope": 0}
    (tmp_path / "empty.json").write_bytes(b"")
    with RepodataFile.open(tmp_path / "empty.json") as rd:
        assert not rd.valid


def random_repodata(rng: random.Random, count: int) -> dict:
    """Names that share prefixes, two extensions, versions with letters, odd fields."""
    stems = ["py", "py-lib", "py-lib-extra", "pylib", "r", "r-base", "r-base-dev", "lib",
             "libfoo", "lib-foo", "x", "x-y-z", "a_b", "zz"]
    packages: dict[str, dict] = {}
    conda: dict[str, dict] = {}
    for _ in range(count):
        name = rng.choice(stems) + rng.choice(["", "", f"-{rng.randint(0, 3)}x"])
        version = rng.choice(["1.0", "2.1.3", "0.9a1", "10", "2024.1"])
        build = rng.choice(["h0_0", "py312h1_1", "0", "pyhd8ed1ab_0"])
        extra = rng.choice([{}, {"license": "{x}"}, {"constrains": [f"{name} <9"]}])
        record = rec(name, version, build, depends=[rng.choice(stems)], **extra)
        target = conda if rng.random() < 0.7 else packages
        target[fn(record, ".conda" if target is conda else ".tar.bz2")] = record
    return {"info": {}, "packages": packages, "packages.conda": conda, "removed": []}


def shuffled(data: dict, rng: random.Random) -> dict:
    """The same repodata with its packages in another order (json.dumps without sort_keys
    keeps it)."""
    out = dict(data)
    for section in ("packages", "packages.conda"):
        items = list(data[section].items())
        rng.shuffle(items)
        out[section] = dict(items)
    return out


UNSORTED = {"unsorted-pretty": lambda d: json.dumps(d, indent=1),
            "unsorted-compact": lambda d: json.dumps(d, separators=(",", ":"))}


@pytest.mark.parametrize("count", [3, 40, 2000])
def test_unsorted_files_find_every_record_including_each_sections_last(count):
    rng = random.Random(count)
    data = shuffled(random_repodata(rng, count), rng)
    for dump in UNSORTED.values():
        rd = RepodataFile(dump(data).encode())
        for section in ("packages", "packages.conda"):
            if data[section]:
                key, last = list(data[section].items())[-1]
                assert (key, last) in rd.lookup(last["name"]), (section, key)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("fmt", ["pretty-1", "compact", *UNSORTED])
def test_same_records_as_json_loads(seed, fmt):
    rng = random.Random(seed)
    data = random_repodata(rng, rng.choice([5, 60, 3000]))
    if fmt in UNSORTED:
        data = shuffled(data, rng)
        rd = RepodataFile(UNSORTED[fmt](data).encode())
    else:
        rd = reader(data, fmt)
    expected: dict[str, list] = {}
    for section in ("packages", "packages.conda"):
        for key, record in data[section].items():
            expected.setdefault(record["name"], []).append((key, record))
    for name in [*expected, "absent", "py-", "r-base-d"]:
        got = sorted(rd.records(name), key=lambda kr: kr[0])
        assert got == sorted(expected.get(name, []), key=lambda kr: kr[0]), name
        assert sorted(rd.lookup(name), key=lambda kr: kr[0]) == got
