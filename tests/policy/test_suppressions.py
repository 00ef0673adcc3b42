"""Per-resource waivers (``cutover:suppress:<policy>`` tags): listed as "suppressed", never silent, never blocking."""

from __future__ import annotations

from cutover_guard import offline
from tests.policy.conftest import profile, res, run

REASON = "seed 000 caps prod at 100 USD/month: single-AZ with 7-day backups"
RG = "aws:elasticache/replicationGroup:ReplicationGroup"
SINGLE_NODE = {"automaticFailoverEnabled": False, "multiAzEnabled": False}


def test_resource_rule_waived_by_tag_is_suppressed_with_reason() -> None:
    bare = res(RG, "cache", inputs=SINGLE_NODE)
    (v,) = run("elasticache-multi-az", [bare], environment="prod")
    assert v.level == "mandatory"
    waived = res(RG, "cache", inputs={**SINGLE_NODE, "tags": {"cutover:suppress:elasticache-multi-az": REASON}})
    (s,) = run("elasticache-multi-az", [waived], environment="prod")
    assert s.level == offline.SUPPRESSED and REASON in s.message and s.urn == waived.urn
    assert not offline.has_mandatory([s])


def test_waiver_of_another_policy_or_without_reason_waives_nothing() -> None:
    other = res(RG, "cache", inputs={**SINGLE_NODE, "tags": {"cutover:suppress:rds-multi-az": REASON}})
    short = res(RG, "cache", inputs={**SINGLE_NODE, "tags": {"cutover:suppress:elasticache-multi-az": "budget"}})
    for r in (other, short):
        (v,) = run("elasticache-multi-az", [r], environment="prod")
        assert v.level == "mandatory"


def test_stack_rule_waived_on_the_reported_resource() -> None:
    db = res("aws:rds/instance:Instance", "db", inputs={"multiAz": False,
                                                       "tags": {"cutover:suppress:rds-multi-az": REASON}})
    other = res("aws:rds/instance:Instance", "other", inputs={"multiAz": False})
    found = run("rds-multi-az", [profile("prod"), db, other])
    assert {(v.urn, v.level) for v in found} == {(db.urn, "suppressed"), (other.urn, "mandatory")}


def test_policy_suppressions_lists_every_waiver_and_flags_bad_ones() -> None:
    assert run("policy-suppressions", [res(RG, "cache", inputs=SINGLE_NODE)]) == []
    good = res(RG, "good", inputs={"tags": {"cutover:suppress:elasticache-multi-az": REASON}})
    typo = res(RG, "typo", inputs={"tags": {"cutover:suppress:elasticache-multi-azz": REASON}})
    short = res(RG, "short", inputs={"tags": {"cutover:suppress:elasticache-multi-az": "x"}})
    found = {v.urn: v.message for v in run("policy-suppressions", [good, typo, short], level="advisory")}
    assert REASON in found[good.urn]
    assert "no cutover-guard policy" in found[typo.urn]
    assert "without a reason" in found[short.urn]

