"""The ``promotion:`` profile section: how long each stage soaks, the gates a promotion must pass,
and the pre-traffic smoke checks green answers after every deployment.

Keys (for the configuration schema; every key is optional). Format: key (type; default dev / prod;
range): what it does.

- ``soakHours`` (mapping stage -> integer; every stage 24 in prod; 0..2160 hours; keys must be
  ``traffic.stages``): hours a stage runs before the next one; the soak at 100 gates the cleanup.
- ``devSoakHours`` (integer; 1 / not used; 0..168): in dev every stage soaks this long instead.
- ``maxErrorRatePercent`` (number; 1.0 / 1.0; 0..100): green's error rate over the soak window may
  not exceed it.
- ``errorRateMarginPercent`` (number; 0.5 / 0.5; 0..100): nor exceed blue's by more than this many
  percentage points (when blue is measured in CloudWatch by this stack).
- ``maxP95LatencyMs`` (integer; 1000 / 1000; 1..60000): green's p95 latency ceiling.
- ``p95RegressionPercent`` (number; 20 / 20; 0..1000): green's p95 may exceed blue's by at most this.
- ``minRequests`` (integer; 20 / 500; 1..10000000): fewer green requests in the window make the
  metric analysis inconclusive: promotion waits.
- ``gates.preTraffic`` (``required`` | ``optional``; optional): required, a promotion needs green's
  ``preTraffic`` task to have succeeded for the deployed version (its SSM record, functions/pre_traffic).
- ``smokeTests`` (mapping name -> check; default ``health``: GET ``traffic.frontDoor.healthCheckPath``,
  200 within 2000 ms; 1..10 checks; names: lowercase letters, digits, hyphens, 1..32): pre-traffic
  checks against green's own endpoint after every deployment of green. Per check:
  ``path`` (string, required, starts with ``/``), ``method`` (``GET`` | ``HEAD`` | ``OPTIONS``,
  default GET), ``expectStatus`` (integer 100..599, default 200), ``latencyBudgetMs`` (integer
  1..30000, default 2000).

Where the numbers come from: seed 002 soaks a week per stage ("Week 7.1: 5%" ... "Week 7.4: 75%")
then 24 h plus 48 h at 100 %; seeds 000 and 001 run in parallel for 1-2 days and monitor 24 h at
100 % before the cleanup. Thresholds: seed 000 "API response time < 200ms (p95)", "Error rate < 1%";
seed 001 "P95 <50ms", "Error rate > 1% (Warning)"; seed 002 "95th percentile response time < 1000ms".
The margins against blue and the minimum request count are this project's choices (documented in
docs/runbooks/promotion.md), not seed figures. Smoke methods are the safe ones (RFC 9110 9.2.1):
a pre-traffic check must not change green's data.
"""

from __future__ import annotations

import re

from components.specs.promotion import (
    PromotionConfig,
    SmokeCheck,
)
from cutover.config.environment import Environment
from cutover.config.reader import Reader
from cutover.errors import ConfigError

MAX_SOAK_HOURS = 2160  # 90 days: longer than CloudWatch keeps 1-minute data (15 days) at any useful resolution
MAX_DEV_SOAK_HOURS = 168
SMOKE_METHODS = ("GET", "HEAD", "OPTIONS")
MAX_SMOKE_CHECKS = 10  # the smoke Lambda runs them in sequence inside its 60 s timeout
MAX_LATENCY_BUDGET_MS = 30000
_CHECK_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
DEFAULT_SOAK_HOURS = {Environment.DEV: 1, Environment.PROD: 24}
DEFAULT_MIN_REQUESTS = {Environment.DEV: 20, Environment.PROD: 500}


def parse_promotion(r: Reader, env: Environment, stages: tuple[int, ...], health_path: str) -> PromotionConfig:
    """``r`` is the ``promotion`` section; ``stages`` are ``traffic.stages`` (already validated)."""
    soak = _soak(r, env, stages)
    cfg = PromotionConfig(
        soak_hours=soak,
        max_error_rate_percent=r.number("maxErrorRatePercent", 1.0, minimum=0, maximum=100),
        error_rate_margin_percent=r.number("errorRateMarginPercent", 0.5, minimum=0, maximum=100),
        max_p95_latency_ms=r.integer("maxP95LatencyMs", 1000, minimum=1, maximum=60000),
        p95_regression_percent=r.number("p95RegressionPercent", 20.0, minimum=0, maximum=1000),
        min_requests=r.integer("minRequests", DEFAULT_MIN_REQUESTS[env], minimum=1, maximum=10_000_000),
        smoke_tests=_smoke(r, health_path),
        pre_traffic_required=_gates(r.section("gates")),
    )
    r.finish()
    return cfg


def _gates(r: Reader) -> bool:
    """``gates: {preTraffic: required | optional}``: whether promotion needs green's pre-traffic task to have
    succeeded for the deployed version (cutover/gates.py ``pre_traffic_gate``)."""
    required = r.string("preTraffic", "optional", choices=("required", "optional")) == "required"
    r.finish()
    return required


def _soak(r: Reader, env: Environment, stages: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    raw = r.raw("soakHours", {})
    # YAML reads `50: 168` with an integer key, `--path 'cutover:overrides.promotion.soakHours.50'` a string one.
    section = Reader({str(k): v for k, v in raw.items()} if isinstance(raw, dict) else raw, r.key("soakHours"))
    dev_hours = r.integer("devSoakHours", DEFAULT_SOAK_HOURS[Environment.DEV], minimum=0, maximum=MAX_DEV_SOAK_HOURS)
    allowed = ", ".join(str(s) for s in stages)
    hours: dict[int, int] = {}
    for key in section.keys():  # noqa: SIM118 (Reader.keys, not a dict)
        if not key.isdigit() or int(key) not in stages:
            raise ConfigError(section.key(key), "is not one of traffic.stages", allowed)
        hours[int(key)] = section.integer(key, minimum=0, maximum=MAX_SOAK_HOURS)
    section.finish()
    if env is Environment.DEV:
        return tuple((s, dev_hours) for s in stages)
    return tuple((s, hours.get(s, DEFAULT_SOAK_HOURS[Environment.PROD])) for s in stages)


def _smoke(r: Reader, health_path: str) -> tuple[SmokeCheck, ...]:
    if not r.has("smokeTests"):
        r.raw("smokeTests", None)
        return (SmokeCheck("health", health_path),)

    def one(name: str, c: Reader) -> SmokeCheck:
        if not _CHECK_NAME.match(name):
            raise ConfigError(c.path, f"{name!r} is not a check name", "lowercase letters, digits, hyphens; 1..32")
        path = c.string("path", pattern=lambda p: p.startswith("/") and " " not in p,
                        describe="a path starting with / (no spaces; query string allowed)")
        return SmokeCheck(name=name, path=path, method=c.string("method", "GET", choices=SMOKE_METHODS),
                          expect_status=c.integer("expectStatus", 200, minimum=100, maximum=599),
                          latency_budget_ms=c.integer("latencyBudgetMs", 2000, minimum=1,
                                                      maximum=MAX_LATENCY_BUDGET_MS))

    checks = r.mapping_of("smokeTests", one)
    if not 1 <= len(checks) <= MAX_SMOKE_CHECKS:
        raise ConfigError(r.key("smokeTests"), f"{len(checks)} checks", f"1..{MAX_SMOKE_CHECKS} checks")
    return checks
