"""What the architecture check remembers between conda's hooks, and what it shows where."""

from __future__ import annotations

import pytest

from conda_tuna.archcheck.check import Request
from conda_tuna.archcheck.session import (
    AT_EXIT,
    HINT,
    OBSERVER,
    Session,
    failure_route,
)


@pytest.mark.parametrize(("hints", "observers", "route"), [
    (True, True, HINT),  # conda >= 26.7
    (False, True, OBSERVER),  # 26.5-26.6
    (False, False, AT_EXIT),  # 24.11-26.4
    (True, False, HINT),
])
def test_failure_route_is_the_newest_hook(hints, observers, route):
    assert failure_route(hints, observers) == route


def test_only_an_unsolved_attempt_is_explained():
    session = Session()
    assert session.failed() is None
    solve = session.start([Request.of("numpy")], "linux-aarch64")
    assert session.failed() is solve
    session.mark_solved()
    assert session.failed() is None
    # classic retries with the full repodata: a new attempt, not yet solved
    retry = session.start([Request.of("numpy")], "linux-aarch64")
    assert session.failed() is retry
    retry.stopped = True  # tuna_arch_check=error refused it already
    assert session.failed() is None
    session.start([], "linux-64")  # nothing requested (e.g. `conda remove`)
    assert session.failed() is None
    session.clear()
    assert session.failed() is None


def test_each_line_is_printed_once_but_json_gets_everything():
    session = Session()
    assert session.take_unseen(["a", "b"]) == ["a", "b"]
    assert session.take_unseen(["b", "c"]) == ["c"]
    assert session.unseen(["a", "c", "d"]) == ["d"]
    assert session.unseen(["a", "d"], everything=True) == ["a", "d"]
    assert session.unseen(["d"]) == ["d"]  # unseen() marks nothing
    # printed lines outlive a solve attempt: a retry does not repeat them
    session.start([Request.of("x")], "linux-64")
    assert session.take_unseen(["a"]) == []
