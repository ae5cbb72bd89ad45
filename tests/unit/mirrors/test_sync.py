"""mirrors/sync.py: judging tunasync.json jobs (pure, no network)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conda_tuna.mirrors import sync as sync_status
from tests.support.mirror import tunasync_job

NOW = 1_800_000_000.0


def test_fresh_successful_jobs_have_no_warnings():
    data = [tunasync_job("anaconda", age_hours=2, now=NOW), tunasync_job("pypi", now=NOW)]
    section = sync_status.report(data, now=NOW, max_age_hours=24)
    assert section["available"] is True
    assert section["warnings"] == []
    job = section["jobs"]["anaconda"]
    assert job["status"] == "success"
    assert job["age_hours"] == 2.0
    assert job["last_run_failed"] is False
    assert job["last_success_ts"] == int(NOW - 2 * 3600)


def test_failed_last_run_is_detected_from_timestamps_even_if_status_says_success():
    job = tunasync_job("anaconda", age_hours=3, failed=True, now=NOW)  # ended != updated
    section = sync_status.report([job], now=NOW, jobs=("anaconda",))
    report = section["jobs"]["anaconda"]
    assert report["last_run_failed"] is True
    assert any("failed" in w for w in report["warnings"])
    assert report["age_hours"] == 3.0  # age counts from the last *successful* sync


def test_status_failed_and_stale_job_both_warn():
    job = tunasync_job("pypi", age_hours=50, status="failed", failed=True, now=NOW)
    report = sync_status.job_report(job, "pypi", now=NOW, max_age_hours=24)
    assert report.status == "failed"
    assert len(report.warnings) == 2
    assert "50 h old" in report.warnings[1]


def test_threshold_is_a_setting():
    job = tunasync_job("anaconda", age_hours=5, now=NOW)
    assert sync_status.job_report(job, "anaconda", now=NOW, max_age_hours=4).warnings
    assert not sync_status.job_report(job, "anaconda", now=NOW, max_age_hours=6).warnings


def test_missing_job_and_malformed_entries():
    data = [{"name": "anaconda", "status": "weird", "last_update_ts": "x"}, 42, {"no": "name"}]
    section = sync_status.report(data, now=NOW)
    assert section["jobs"]["anaconda"]["status"] == "unknown"
    assert section["jobs"]["pypi"]["warnings"] == ["the mirror publishes no 'pypi' sync job"]
    assert sync_status.report("not json at all", now=NOW)["available"] is False


def test_nested_and_mapping_documents_are_accepted():
    job = tunasync_job("anaconda", now=NOW)
    assert "anaconda" in sync_status.parse_jobs({"jobs": [job]})
    as_map = {"anaconda": {k: v for k, v in job.items() if k != "name"}}
    assert sync_status.parse_jobs(as_map)["anaconda"]["status"] == "success"


def test_unknown_section_and_age_format():
    section = sync_status.unknown("timed out", "http://127.0.0.1:1/static/tunasync.json")
    assert section["available"] is False and section["error"] == "timed out"
    assert section["jobs"]["pypi"]["status"] == "unknown"
    assert sync_status.format_age(None) == "unknown"
    assert sync_status.format_age(0.5) == "30 min"
    assert sync_status.format_age(5.25) == "5.2 h"
    assert sync_status.format_age(72) == "3.0 d"


# ------------------------------------------------------------ hostile mirrors (issue 11)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                 max_size=5),
    max_leaves=20)
TS = st.one_of(st.integers(), st.floats(), st.text(max_size=25), st.booleans(), st.none(),
               st.sampled_from([10**20, -1, 2**63, float("inf"), float("nan"), "1e400",
                                "９９", 253402300800]))


def job(**fields):
    return {"name": "anaconda", **fields}


@settings(max_examples=300)
@given(JSON)
def test_any_json_gives_a_report_never_a_crash(data):
    section = sync_status.report(data, now=NOW)
    json.dumps(section)  # what status --json prints
    for text in section["warnings"]:
        assert text.isprintable()


@settings(max_examples=300)
@given(updated=TS, ended=TS, last=st.one_of(st.text(max_size=60), JSON),
       status=st.one_of(st.text(max_size=10), JSON))
def test_absurd_job_fields_never_crash(updated, ended, last, status):
    section = sync_status.report([job(last_update_ts=updated, last_ended_ts=ended,
                                      last_update=last, status=status)],
                                 now=NOW, jobs=("anaconda",))
    report = section["jobs"]["anaconda"]
    assert report["status"] in sync_status.STATUSES | {sync_status.UNKNOWN}
    if report["last_success"] is not None:
        assert report["last_success"].isprintable() and len(report["last_success"]) <= 40
    ts = report["last_success_ts"]
    assert ts is None or 0 < ts <= sync_status.MAX_TIMESTAMP
    json.dumps(section)


@pytest.mark.parametrize("data", [{"anaconda": "x"}, "not a list", 42, None])
def test_not_tunasync_is_said_so(data):
    section = sync_status.report(data, now=NOW)
    assert section["available"] is False and "tunasync" in section["error"]


def test_sync_time_in_the_future_is_flagged():
    section = sync_status.report([job(last_update_ts=int(NOW) + 10 * 86400, status="success",
                                      last_ended_ts=int(NOW) + 10 * 86400)],
                                 now=NOW, jobs=("anaconda",))
    assert any("future" in w for w in section["warnings"])


def test_network_failure_in_words(capsys):
    """issue 12: the freshness line names what failed and the next step, never an errno;
    --json keeps the machine kind."""
    from conda_tuna.base.neterrors import DNS, NetError

    error = NetError(DNS, "mirrors.example.cn", "gaierror: [Errno -2] Name or service not known")
    section = sync_status.unknown(error.detail, "https://mirrors.example.cn/x", error=error)
    assert section["network_error"]["kind"] == "dns"
    sync_status.print_section(section)
    out = capsys.readouterr().out
    assert "cannot resolve the host name mirrors.example.cn (DNS)" in out
    assert "Next step: Check the host name" in out and "Errno" not in out
