"""mirrors/sync.py: judging tunasync.json jobs (pure, no network)."""

from __future__ import annotations

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
