"""The instruction-count benchmark (``make bench-instructions``): what it reads of callgrind's report and
how it gets one warm plan from two processes."""

from __future__ import annotations

import pytest

from cutover.plan import instructions


def test_the_count_is_read_from_callgrinds_last_report_line() -> None:
    report = ("==4711== Callgrind, a call-graph generating cache profiler\n==4711== Events    : Ir\n"
              "==4711== Collected : 13317242540\n==4711== \n==4711== I   refs:      13,317,242,540\n")
    assert instructions.parse_refs(report) == 13_317_242_540


def test_a_report_without_a_count_is_an_error_that_shows_it() -> None:
    with pytest.raises(ValueError, match="no instruction count:\nvalgrind: command failed"):
        instructions.parse_refs("valgrind: command failed")


def test_one_warm_plan_is_the_difference_per_extra_plan() -> None:
    # imports and the first plan (13.2 billion) cancel out; two more plans cost 2.26 billion
    assert instructions.per_warm_plan({1: 13_210_000_000, 3: 15_470_000_000}) == 1_130_000_000


def test_without_valgrind_it_says_what_to_install(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(instructions.shutil, "which", lambda name: None)
    assert instructions.main([]) == 2
    assert "apt-get install valgrind" in capsys.readouterr().err
