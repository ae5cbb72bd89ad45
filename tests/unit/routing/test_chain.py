"""Failover decisions, failure memory, sync facts, the liveness gate (no conda needed)."""

from __future__ import annotations

import json
import threading
import time

from conda_tuna.mirrors.catalog import MIRRORS, UPSTREAMS
from conda_tuna.routing.chain import (
    ACCEPT,
    DEFINITE,
    MAX_FAILURE_SECONDS,
    NEXT,
    NEXT_DOWN,
    STALE,
    TIMEOUT,
    Announcer,
    Failure,
    FailureMemory,
    LivenessGate,
    SyncFacts,
    Verdict,
    all_failed_line,
    choose,
    decide,
    is_stale,
)
from conda_tuna.routing.urls import MUST_EXIST, OPTIONAL, plan

TUNA, BFSU = MIRRORS["tuna"], MIRRORS["bfsu"]
PLAN = plan("https://conda.anaconda.org/conda-forge/linux-64/x-1-0.conda", [TUNA, BFSU, None],
            UPSTREAMS)
NOW = 1_800_000_000.0


def test_decision_table():
    assert decide(503, OPTIONAL) == NEXT_DOWN and decide(500, MUST_EXIST) == NEXT_DOWN
    assert decide(429, OPTIONAL) == NEXT_DOWN
    assert decide(404, MUST_EXIST) == NEXT
    assert decide(404, OPTIONAL) == ACCEPT
    for status in (200, 206, 304, 301, 302, 401, 403, 416):
        assert decide(status, MUST_EXIST) == ACCEPT, status


def test_failure_memory_is_short_shared_on_disk_and_cleared_by_success(tmp_path):
    now = [NOW]
    path = tmp_path / "failures.json"
    mem = FailureMemory(path, ttl=600, clock=lambda: now[0])
    assert mem.ttl == MAX_FAILURE_SECONDS == 30.0
    mem.mark_down("a", Failure("HTTP 503"))
    assert FailureMemory(path, clock=lambda: now[0]).down("a") == Failure("HTTP 503")
    now[0] += 30
    assert FailureMemory(path, clock=lambda: now[0]).down("a") is None
    path.write_text(json.dumps({"b": {"until": now[0] + 3600, "reason": "x"}}))
    assert FailureMemory(path, clock=lambda: now[0]).down("b") is None  # far future: ignored
    mem2 = FailureMemory(path, clock=lambda: now[0])
    mem2.mark_down("c", Failure("x", TIMEOUT))
    assert FailureMemory(path, clock=lambda: now[0]).down("c").kind == TIMEOUT
    mem2.mark_up("c")
    assert FailureMemory(path, clock=lambda: now[0]).down("c") is None
    path.write_text("not json")
    assert FailureMemory(path).down("c") is None
    off = FailureMemory(tmp_path / "none.json", ttl=0)
    off.mark_down("d", Failure("x"))
    assert off.down("d") is None and not (tmp_path / "none.json").exists()


def test_sync_facts_expire_after_ten_minutes(tmp_path):
    now = [NOW]
    facts = SyncFacts(tmp_path / "sync.json", clock=lambda: now[0])
    assert facts.get("m") == (False, None)
    facts.put("m", NOW - 3600)
    again = SyncFacts(tmp_path / "sync.json", clock=lambda: now[0])
    assert again.get("m") == (True, NOW - 3600)
    facts.put("n", None)  # checked, no status: known, unknown age
    assert SyncFacts(tmp_path / "sync.json", clock=lambda: now[0]).get("n") == (True, None)
    now[0] += 600
    assert SyncFacts(tmp_path / "sync.json", clock=lambda: now[0]).get("m") == (False, None)


def test_staleness():
    assert not is_stale(None, 24, NOW)
    assert not is_stale(NOW - 23 * 3600, 24, NOW)
    assert is_stale(NOW - 25 * 3600, 24, NOW)


def test_liveness_gate_checks_once_under_concurrency_and_survives_a_broken_check():
    gate = LivenessGate()
    calls = []

    def check():
        calls.append(1)
        time.sleep(0.05)
        return Verdict(True, "ok")

    threads = [threading.Thread(target=gate.verdict, args=("k", check)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert gate.verdict("bad", lambda: 1 / 0).ok is False


def verdicts(**by_label):
    return lambda cand: by_label.get(cand.label, Verdict(True, "ok"))


def test_choose_takes_the_first_live_fresh_site(tmp_path):
    mem = FailureMemory(None)
    choice = choose(PLAN, 0, mem, verdicts(), max_age_hours=24, now=NOW)
    assert choice.index == 0 and not choice.skipped
    down = choose(PLAN, 0, mem, verdicts(tuna=Verdict(False, "HTTP 503")), max_age_hours=24,
                  now=NOW)
    assert down.index == 1 and down.skipped[0].failure == Failure("HTTP 503", DEFINITE)
    assert mem.down(TUNA.root) == Failure("HTTP 503")  # remembered for the next requests
    remembered = choose(PLAN, 0, mem, verdicts(), max_age_hours=24, now=NOW)
    assert remembered.index == 1


def test_choose_skips_a_stale_mirror_while_a_fresh_one_follows():
    stale = Verdict(True, "ok", synced=NOW - 50 * 3600)
    choice = choose(PLAN, 0, FailureMemory(None), verdicts(tuna=stale), max_age_hours=24,
                    now=NOW)
    assert choice.index == 1 and choice.skipped[0].failure.kind == STALE
    both = choose(PLAN, 0, FailureMemory(None), verdicts(tuna=stale, bfsu=stale),
                  max_age_hours=24, now=NOW)
    assert both.index == 0 and both.all_stale  # stale beats slow upstream
    seen = []
    choose(PLAN, 0, FailureMemory(None),
           lambda c: seen.append(c.label) or (stale if c.mirror else Verdict(True, "ok")),
           max_age_hours=24, now=NOW)
    assert seen == ["tuna", "bfsu"]  # upstream is not even checked


def test_everything_failed_is_definite_only_without_timeouts():
    refused = Verdict(False, "connection refused")
    slow = Verdict(False, "timed out", TIMEOUT)
    all_no = choose(PLAN, 0, FailureMemory(None),
                    verdicts(tuna=refused, bfsu=refused, upstream=refused), max_age_hours=24,
                    now=NOW)
    assert all_no.index == -1 and all_no.definite
    with_slow = choose(PLAN, 0, FailureMemory(None),
                       verdicts(tuna=refused, bfsu=refused, upstream=slow), max_age_hours=24,
                       now=NOW)
    assert with_slow.index == -1 and not with_slow.definite
    line = all_failed_line(with_slow.skipped, True)
    assert "every mirror and upstream failed" in line and "conda tuna mirrors --probe" in line
    assert "disable" not in line


def test_announcer_says_one_failover_line_per_command():
    out, verbose = [], []
    ann = Announcer(out.append, verbose.append)
    assert ann.once("failover", "a") and not ann.once("failover", "b")
    assert ann.once("all-failed", "c")
    assert out == ["a", "c"] and verbose == ["b"]
