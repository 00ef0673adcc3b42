"""A promotion with two weighted names (issue 13 item 2): the plan diff changes the weights of both names
and nothing else, and the `weights:` summary shows green's share on each name before and after."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cutover.plan import render
from cutover.promote import green_shares, main, render_weights
from tests.conftest import ROOT, planned

PERSONA = ("prod", "profile=persona-serverless")


def test_both_names_move_by_their_weights_alone() -> None:
    before, after = planned(*PERSONA, "greenWeight=10"), planned(*PERSONA, "greenWeight=50")
    d = render.diff(before, after)
    assert not d.created and not d.deleted and not d.retained and not d.snapshotted
    assert {(r.name, k) for r, keys in d.changed if r.custom for k in keys} == {
        ("front-door-blue", "weightedRoutingPolicies"), ("front-door-green", "weightedRoutingPolicies"),
        ("front-door-api-blue", "weightedRoutingPolicies"), ("front-door-api-green", "weightedRoutingPolicies"),
        ("stage-weight", "value")}
    assert green_shares(after) == {"hibiji.com (route53)": pytest.approx(50),
                                   "api.hibiji.com (route53)": pytest.approx(50)}
    assert render_weights(before, after).splitlines() == [
        "weights:", "  api.hibiji.com (route53): green 10% -> 50%", "  hibiji.com (route53): green 10% -> 50%"]


def test_alb_shares_cover_the_default_action_and_every_weighted_rule() -> None:
    names = ("overrides.traffic.frontDoor.extraNames.admin.recordName=admin.example.com",
             "overrides.traffic.frontDoor.extraNames.admin.green.service=auth")
    shares = green_shares(planned("prod", "profile=yoga-serverless", "greenWeight=25", *names))
    assert shares["front-door-https default action (alb)"] == pytest.approx(25)
    assert shares["admin.example.com (alb host rule)"] == pytest.approx(25)
    assert all(v == pytest.approx(25) for v in shares.values())  # path rules too: one greenWeight moves all


def test_set_prints_every_names_weights(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    text = (ROOT / "Pulumi.prod.yaml").read_text()
    (tmp_path / "Pulumi.prod.yaml").write_text(text.replace("pos-serverless", "persona-serverless"))
    assert "persona-serverless" in (tmp_path / "Pulumi.prod.yaml").read_text()
    assert main(["set", "prod", "10"], root=tmp_path) == 0
    out = capsys.readouterr().out
    assert "  hibiji.com (route53): green 0% -> 10%" in out
    assert "  api.hibiji.com (route53): green 0% -> 10%" in out
