"""The offline plan records aliases, and its diff treats an aliased rename as the same resource."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from cutover.plan.render import diff
from tests.conftest import plan_components

QUEUE = "aws:sqs/queue:Queue"


class _Box(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Box", name, None, opts)
        self.register_outputs({})


def _before() -> None:
    box = _Box("box")
    aws.sqs.Queue("jobs", name="jobs", opts=pulumi.ResourceOptions(parent=box))


def _after() -> None:
    # the queue moves to a new logical name and out of the component, keeping its physical name
    aws.sqs.Queue("work-queue", name="jobs", opts=pulumi.ResourceOptions(
        aliases=[pulumi.Alias(name="jobs", parent=_Box("box"))]))


def test_an_alias_is_recorded_as_the_urn_it_names() -> None:
    before, after = plan_components(_before), plan_components(_after)
    old = before.one(QUEUE).urn
    assert after.one(QUEUE).urn != old
    assert after.one(QUEUE).aliases == (old,)


def test_the_diff_of_an_aliased_rename_replaces_nothing() -> None:
    d = diff(plan_components(_before), plan_components(_after))
    assert [r.type for r in d.created] == []
    assert d.deleted == [] and d.retained == [] and d.snapshotted == []


def test_without_the_alias_the_rename_is_a_replacement() -> None:
    def renamed() -> None:
        _Box("box")
        aws.sqs.Queue("work-queue", name="jobs")

    d = diff(plan_components(_before), plan_components(renamed))
    assert [r.name for r in d.created] == ["work-queue"]
    assert [r.name for r in d.deleted] == ["jobs"]
