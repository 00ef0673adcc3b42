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


class _Shelf(pulumi.ComponentResource):
    """A component whose children are named from its own name (``{name}-jobs``), like every component here."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Shelf", name, None, opts)
        aws.sqs.Queue(f"{name}-jobs", name="jobs", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def test_a_moved_component_s_children_inherit_its_alias_as_the_engine_derives_it() -> None:
    # The engine gives a child one alias per alias of its parent, renaming the parent's prefix in the
    # child's name (the SDK's inherited_child_alias), so moving a component moves its whole subtree.
    before = plan_components(lambda: _Shelf("shelf"))

    def moved() -> None:
        _Shelf("green-shelf", opts=pulumi.ResourceOptions(parent=_Box("green"),
                                                          aliases=[pulumi.Alias(name="shelf", parent=None)]))

    after = plan_components(moved)
    assert after.one(QUEUE).aliases == (before.one(QUEUE).urn,)
    d = diff(before, after)
    assert QUEUE not in [r.type for r in d.created] and QUEUE not in [r.type for r in d.deleted]
