"""Fargate Spot share in the cost estimate: base tasks first, then the weights.

ECS API reference, CapacityProviderStrategyItem: "The base value designates how many tasks, at a
minimum, to run on the specified capacity provider"; "Base requirements are satisfied first before
weight distribution". So a service at or below its base runs no Spot at all.
"""

from __future__ import annotations

from typing import Any

import pytest

from cutover.plan.model import PlannedResource
from cutover_guard.cost import estimate

TD_ARN = "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1"


def _resources(strategy: list[dict[str, Any]]) -> list[PlannedResource]:
    td = PlannedResource("urn:td", "aws:ecs/taskDefinition:TaskDefinition", "td", True,
                         {"family": "app", "cpu": "1024", "memory": "2048",
                          "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"}},
                         {"arn": TD_ARN})
    svc = PlannedResource("urn:svc", "aws:ecs/service:Service", "svc", True,
                          {"taskDefinition": TD_ARN, "capacityProviderStrategies": strategy}, {})
    return [td, svc]


def _service_cost(strategy: list[dict[str, Any]], tasks: float) -> float:
    report = estimate(_resources(strategy), {"ecsAverageTaskCount": tasks})
    (line,) = [line for line in report.lines if line.name == "svc"]
    return float(line.monthly_usd)


@pytest.mark.parametrize(("tasks", "spot_tasks"), [(2, 0.0), (3, 0.75), (6, 3.0)])
def test_base_tasks_stay_on_demand_and_only_the_rest_splits(tasks: int, spot_tasks: float) -> None:
    strategy = [{"capacityProvider": "FARGATE", "base": 2, "weight": 1},
                {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 3}]
    all_on_demand = _service_cost([{"capacityProvider": "FARGATE", "base": 0, "weight": 1}], tasks)
    all_spot = _service_cost([{"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 1}], tasks)
    expected = ((tasks - spot_tasks) * all_on_demand + spot_tasks * all_spot) / tasks
    assert _service_cost(strategy, tasks) == pytest.approx(expected, abs=1e-3)  # lines round to 4 places
