"""The offline plan prints the same bytes for the same configuration (issue 16).

Components register from concurrent asyncio tasks, so the order in which the engine receives
registrations that do not depend on each other varies between runs; the policy pack and the cost
estimator walk resources in that order. Every rendering must therefore order by something the
configuration alone decides (URN, level, policy, amount, name), never by arrival.
"""

from __future__ import annotations

import dataclasses
import os
import random
import subprocess
import sys

import pytest

from cutover.plan import __main__ as cli
from cutover.plan.model import Plan
from tests.conftest import ROOT, planned

ARGS = ["prod", "--profile", "yoga-serverless"]


def reordered(plan: Plan, seed: int) -> Plan:
    """The same registrations arriving in another order (a parent still precedes nothing in particular:
    renderings must not depend on arrival at all)."""
    resources = list(plan.resources)
    random.Random(seed).shuffle(resources)
    return dataclasses.replace(plan, resources=resources)


def cli_output(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], plan: Plan,
               *extra: str) -> str:
    monkeypatch.setattr(cli, "run_program", lambda settings: plan)
    status = cli.main([*ARGS, *extra])
    out = capsys.readouterr().out
    assert status in (0, 1), out  # 1 is a mandatory violation: still a complete plan to compare
    return out


@pytest.mark.parametrize("extra", [(), ("--json",)], ids=["text", "json"])
def test_output_does_not_depend_on_registration_order(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str],
                                                      extra: tuple[str, ...]) -> None:
    plan = planned("prod", "profile=yoga-serverless")
    expected = cli_output(monkeypatch, capsys, plan, *extra)
    # The yoga plan has ties of every kind the issue saw: one route-authorization finding per route,
    # equal alarm prices, services with equal resource counts.
    assert "apigw-route-authorization" in expected
    for seed in (1, 2):
        assert cli_output(monkeypatch, capsys, reordered(plan, seed), *extra) == expected


def test_a_separate_process_prints_the_same_bytes(monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A whole plan command run in another process (its own hash seed, so sets and dicts of strings
    iterate differently, and its own registration order) prints what this process prints."""
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    done = subprocess.run([sys.executable, "-m", "cutover.plan", *ARGS, "--no-tree"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert "Monthly cost estimate" in done.stdout and "Policies" in done.stdout
    here = cli_output(monkeypatch, capsys, planned("prod", "profile=yoga-serverless"), "--no-tree")
    assert done.stdout == here
