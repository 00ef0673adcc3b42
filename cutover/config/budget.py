"""Budget and usage assumptions: what the stack may cost and the traffic the estimate assumes."""

from __future__ import annotations

from dataclasses import dataclass

from cutover.config.reader import Reader
from cutover.errors import ConfigError

# Usage figures the cost estimator reads (policy/cutover_guard/cost.py); missing ones count as 0.
USAGE_KEYS = (
    "requestsPerMonth", "avgLambdaDurationMs", "websocketConnectionMinutes", "websocketMessagesPerMonth",
    "dynamodbReadsPerMonth", "dynamodbWritesPerMonth", "s3StorageGb", "dataTransferOutGb",
    "logsIngestedGb", "sesEmailsPerMonth", "ecsAverageTaskCount", "auroraAverageAcu",
    "cloudfrontRequestsPerMonth", "iotMessagesPerMonth", "databaseStorageGb",
    "auroraReaderAverageAcu",  # Aurora readers in promotion tier 2+ (0: the cluster's minCapacity)
    "cloudfrontFreeTierShare",  # 0..1 of the account's always-free CloudFront allowance (default 0: none)
)


@dataclass(frozen=True)
class BudgetConfig:
    monthly_usd: float
    alert_usd: float  # an AWS Budgets alert fires here (seed 000: $90 of $100)


@dataclass(frozen=True)
class UsageConfig:
    values: tuple[tuple[str, float], ...]

    def as_dict(self) -> dict[str, float]:
        return dict(self.values)


def parse_budget(r: Reader) -> BudgetConfig:
    monthly = r.number("monthlyUsd", 100.0, minimum=1, maximum=1_000_000)
    alert = r.number("alertUsd", round(monthly * 0.9, 2), minimum=1)
    if alert > monthly:
        raise ConfigError(r.key("alertUsd"), f"the alert ({alert}) is above the budget ({monthly})",
                          f"1..{monthly}")
    return BudgetConfig(monthly_usd=monthly, alert_usd=alert)


def parse_usage(r: Reader) -> UsageConfig:
    values = tuple((k, r.number(k, 0.0, minimum=0, maximum=1 if k == "cloudfrontFreeTierShare" else None))
                   for k in USAGE_KEYS)
    return UsageConfig(values=values)
