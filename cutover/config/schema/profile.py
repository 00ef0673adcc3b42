"""Every profile key, declared once: type, default (per environment where it differs), range or allowed
values, and a one-line description.

The parsers in ``cutover.config`` read their defaults from here (``cutover.config.schema.default``), the
merged profile document is validated against it before they run, and ``make schema`` generates from it
the editor schema (``schema/profile.schema.json``), the reference (``docs/profile-reference.md``) and
the ``config:`` block of ``Pulumi.yaml``.

A section is one ``Section`` in ``SECTIONS`` (its key, a title for the reference and its node). Adding
a section (say ``promotion:``) is one local change: declare it below, add it to ``SECTIONS``, parse it
in ``cutover.config`` and run ``make schema``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.specs.capabilities import CAPABILITIES, STORE_CAPABILITIES
from cutover.cidr import MAX_AZS
from cutover.config.budget import usage_declarations
from cutover.config.container import ALB_TLS_POLICIES, PRICE_CLASSES
from cutover.config.databases import DATABASE_ENGINES, ENHANCED_MONITORING_INTERVALS, SUBNET_TIERS
from cutover.config.datastores import (
    ATTRIBUTE_TYPES,
    HOUR_SECONDS,
    PROJECTIONS,
    SERVERLESS_V2_MAJORS,
    YEAR_SECONDS,
)
from cutover.config.environment import LOG_RETENTION_DAYS
from cutover.config.migrations import ATTRIBUTE_TYPES as MIGRATION_ATTRIBUTE_TYPES
from cutover.config.migrations import ENGINES as MIGRATION_ENGINES
from cutover.config.monitoring import METRICS
from cutover.config.schema.dsl import (
    Node,
    boolean,
    integer,
    mapping,
    number,
    obj,
    one_of,
    ref,
    string,
    strings,
)
from cutover.config.serverless import (
    HTTP_METHODS,
    MAX_INTEGRATED_TIMEOUT,
    MAX_TIMEOUT,
    MEMORY_RANGE,
    SUPPORTED_RUNTIMES,
)

RETENTION_MESSAGE = "{value} is not a CloudWatch Logs retention period"
_LABEL = "lowercase letters, digits and hyphens, starting with a letter"
_ACM = "an ACM certificate ARN: arn:aws:acm:<region>:<account>:certificate/<id>"
_ACM_USE1 = "an ACM certificate ARN in us-east-1 (CloudFront only reads certificates there)"
_DNS = "a DNS name such as api.example.com"
_POLICY_WAIVERS = mapping(
    "Policy waivers: each becomes a cutover:suppress:<policy> tag and the plan lists that policy's findings "
    "on the resource as suppressed, with the reason.",
    string("Why the policy is waived: 20..256 characters of letters, digits, spaces and _ . : / = + - @."),
    key="policy name, e.g. rds-multi-az")


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    node: Node


# `uses:` capabilities come from the stores (components/specs/capabilities.py): one list of kinds.
_USES_CAPABILITY = string("Capability: " + "; ".join(f"{k}: {' | '.join(c)}" for k, c in STORE_CAPABILITIES.items())
                          + " (write includes read).", enum=CAPABILITIES)
_USES_KEY = "<kind>:<name>, kind " + " | ".join(STORE_CAPABILITIES)


def _enabled_or(desc: str, body: Node) -> Node:
    """``waf: enabled`` / ``waf: disabled`` shorthand, or the full mapping."""
    return one_of(desc, string("Shorthand for {enabled: true} / {enabled: false}.", enum=("enabled", "disabled")),
                  body)


# --- shared shapes -------------------------------------------------------------------------------
def _container_properties() -> dict[str, Node]:
    return {
        "name": string("Container, service and log-stream name.", "app", pattern=r"^[a-z][a-z0-9-]{0,23}$",
                       allowed="lowercase letters, digits, hyphens; at most 24, starting with a letter"),
        "image": obj("The image to run: a tag or a digest is required (the pipeline builds and pushes it).", {
            "repository": string("ecr (this stack's repository) or an image repository URI without tag or digest.",
                                 "ecr"),
            "tag": string("An immutable release tag (never latest)."),
            "digest": string("An image digest, sha256:<64 hex>; wins over the tag."),
        }),
        "port": integer("Container port (non-root processes cannot bind below 1024).", 8080, minimum=1024,
                        maximum=65535),
        "cpu": integer("CPU units (1024 = 1 vCPU); a Fargate size together with memory.", 512),
        "memory": integer("Memory in MiB; a Fargate size together with cpu.", 1024),
        "architecture": string("CPU architecture (ARM64: Graviton, about 20% cheaper per vCPU-hour).", "ARM64",
                               enum=("ARM64", "X86_64")),
        "healthPath": string("Path the load balancer's target group health check requests.", "/health",
                             pattern=r"^/[A-Za-z0-9_./-]*$", allowed="a path such as /health"),
        "healthCheck": obj("The container's own health check (ECS replaces unhealthy tasks).", {
            "enabled": boolean("false leaves only the load balancer's health check.", True),
            "command": string("CMD-SHELL command; the image must ship what it calls.",
                              default_text="curl -fsS http://localhost:<port><healthPath> || exit 1"),
            "intervalSeconds": integer("Seconds between checks.", 30, minimum=5, maximum=300),
            "timeoutSeconds": integer("Seconds a check may take (shorter than the interval).", 5, minimum=2,
                                      maximum=120),
            "retries": integer("Failures before the task is unhealthy.", 3, minimum=1, maximum=10),
            "startPeriodSeconds": integer("Grace period after start.", 60, minimum=0, maximum=300),
        }),
        "user": string("Numeric uid[:gid] the process runs as (never 0).", "1000",
                       pattern=r"^[0-9]{1,10}(:[0-9]{1,10})?$", allowed="a numeric uid[:gid], e.g. 1000"),
        "readonlyRootFilesystem": boolean("Read-only root filesystem.", True),
        "tmpVolume": string("Writable scratch mount when the root filesystem is read-only.",
                            default_text="/tmp when readonlyRootFilesystem is true"),
        "command": strings("Overrides the image's command.", []),
        "environment": mapping("Plain environment variables (never secrets: use secrets).",
                               one_of("A value.", {"type": "string"}, {"type": "number"}, {"type": "boolean"}),
                               key="variable name (A-Z, 0-9, _)"),
        "secrets": mapping("Variables injected from Secrets Manager at start.",
                           string("secret:<generated secret> or a Secrets Manager ARN[:<json key>::]."),
                           key="variable name"),
        "uses": mapping("Store refs the task may use, each with a capability of its kind.", _USES_CAPABILITY,
                        key=_USES_KEY),
        "scaling": obj("Service auto scaling.", {
            "min": integer("Minimum tasks (prod: at least 2).", 1, minimum=0, maximum=1000, prod=2),
            "max": integer("Maximum tasks.", minimum=1, maximum=1000,
                           default_text="max(min, 2) (dev), max(min, 20) (prod)"),
            "cpuTargetPercent": integer("Target tracking on average CPU.", 60, minimum=10, maximum=90),
            "requestsPerTarget": integer("Target tracking on requests per task per minute.", 1000, minimum=1,
                                         maximum=100000),
            "scaleInCooldownSeconds": integer("Cooldown after scaling in.", 300, minimum=0, maximum=3600),
            "scaleOutCooldownSeconds": integer("Cooldown after scaling out.", 60, minimum=0, maximum=3600),
        }),
        "capacity": obj("FARGATE carries base tasks, then the rest splits FARGATE : FARGATE_SPOT by weight.", {
            "base": integer("Tasks always on FARGATE (on-demand).", minimum=0, maximum=100000,
                            default_text="scaling.min"),
            "onDemandWeight": integer("FARGATE's share above base.", 1, minimum=0, maximum=1000),
            "spotWeight": integer("FARGATE_SPOT's share above base (0: no Spot).", 0, minimum=0, maximum=1000),
        }),
        "executeCommand": boolean("ECS Exec (never in prod; needs a writable root filesystem).", False),
        "ecr": obj("This stack's image repository.", {
            "keepImages": integer("Images the lifecycle policy keeps.", 30, minimum=1, maximum=1000),
            "kms": boolean("Encrypt with KMS (aws/ecr key) instead of AES256.", False),
        }),
        "xray": boolean("Run the X-Ray daemon as a sidecar.", True),
        "healthCheckGracePeriodSeconds": integer("Seconds ECS ignores load balancer health checks after start.",
                                                 60, minimum=0, maximum=2147483647),
        "deregistrationDelaySeconds": integer("Seconds the target group drains a deregistering task.", 30,
                                              minimum=0, maximum=3600),
    }


def _alb() -> Node:
    return obj("The application load balancer in front of the container.", {
        "certificateArn": string("ACM certificate in the stack's region.", allowed=_ACM),
        "domainName": string("Name covered by the certificate that points at the ALB (CloudFront's origin).",
                             allowed=_DNS),
        "zoneId": string("Hosted zone for domainName: an alias record is created when set.",
                         pattern=r"^Z[A-Z0-9]{1,31}$",
                         allowed="a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ"),
        "sslPolicy": string("HTTPS listener TLS 1.3 security policy.", ALB_TLS_POLICIES[0], enum=ALB_TLS_POLICIES),
        "idleTimeoutSeconds": integer("Connection idle timeout.", 60, minimum=1, maximum=4000),
        "waf": boolean("A REGIONAL web ACL on the load balancer itself.", default_text="true without a cdn section"),
        "accessLogDays": integer("Days access logs are kept.", minimum=1, maximum=3650,
                                 default_text="max(settings.logRetentionDays, 30)"),
    }, required=("certificateArn",))


def _cdn() -> Node:
    return obj("CloudFront in front of the load balancer.", {
        "certificateArn": string("ACM certificate in us-east-1.", allowed=_ACM_USE1),
        "aliases": strings("Alternate domain names the certificate covers (at least one).",
                           item=string("A DNS name.")),
        "priceClass": string("CloudFront price class.", "PriceClass_100", enum=PRICE_CLASSES),
        "apiPaths": strings("Path patterns forwarded uncached.", ["/api/*"]),
        "staticPaths": strings("Path patterns cached (CachingOptimized).", ["/static/*"]),
        "originReadTimeoutSeconds": integer("Origin read timeout.", 30, minimum=1, maximum=60),
    }, required=("certificateArn", "aliases"))


DEFINITIONS: dict[str, Node] = {
    "container": obj("One Fargate service.", _container_properties()),
    "alb": _alb(),
    "cdn": _cdn(),
}


# --- sections ------------------------------------------------------------------------------------
def _settings() -> Node:
    return obj("Environment safety and cost switches; dev is cheap, prod is safe.", {
        "multiAz": boolean("Databases and caches run a standby in another AZ.", False, prod=True),
        "deletionProtection": boolean("Deletion protection on databases, tables and load balancers.", False,
                                      prod=True),
        "backupRetentionDays": integer("Database backup retention (prod: at least 7).", 1, minimum=0, maximum=35,
                                       prod=7),
        "protectStateful": boolean("protect + retain_on_delete on databases, buckets, tables and secrets "
                                   "(always true in prod).", False, prod=True),
        "logRetentionDays": integer("CloudWatch Logs retention.", 14, enum=LOG_RETENTION_DAYS, prod=90,
                                    message=RETENTION_MESSAGE),
        "bucketVersioning": boolean("S3 versioning on buckets that do not set versioning.", False, prod=True),
        "secretRecoveryDays": integer("Secrets Manager recovery window: 0 deletes at once, else 7..30.", 0,
                                      minimum=0, maximum=30, prod=30),
    })


def _network() -> Node:
    return obj("The VPC: CIDR, AZs, subnet sizes, NAT mode, endpoints and flow logs.", {
        "cidr": string("VPC IPv4 CIDR from /16 to /24.", "10.0.0.0/16", allowed="an IPv4 CIDR from /16 to /24"),
        "azCount": integer("Availability zones.", 2, minimum=2, maximum=MAX_AZS),
        "subnetMasks": obj("Prefix length per subnet tier (default: the VPC prefix + 4, at most 28).", {
            tier: integer(f"{tier} subnets' prefix length.", minimum=16, maximum=28, default_text="VPC prefix + 4")
            for tier in ("public", "private", "isolated")
        }),
        "natMode": string("Outbound internet for private subnets.", "instance",
                          enum=("none", "instance", "gateway", "gateway-per-az"), prod="gateway-per-az"),
        "natInstanceType": string("NAT instance type (natMode instance).", "t4g.nano",
                                  pattern=r"^(t4g|t3|t3a|c7g|c6g)\.",
                                  allowed="a burstable or compute instance type, e.g. t4g.nano"),
        "gatewayEndpoints": strings("Free gateway endpoints.", ["s3", "dynamodb"],
                                    item=string("A gateway endpoint service.", enum=("s3", "dynamodb"))),
        "flowLogs": boolean("VPC flow logs to CloudWatch Logs.", True),
        "flowLogRetentionDays": integer("Flow log retention.", enum=LOG_RETENTION_DAYS, message=RETENTION_MESSAGE,
                                        default_text="settings.logRetentionDays"),
    })


def _storage() -> Node:
    days = "Days (1..36500)."
    return obj("S3 buckets keyed by purpose.", {
        "buckets": mapping("Buckets keyed by purpose (part of the physical name).", obj("One bucket.", {
            "versioning": boolean("S3 versioning.", default_text="settings.bucketVersioning"),
            "lifecycle": obj("Lifecycle rules.", {
                "expireDays": integer("Delete current objects after N days. " + days, minimum=1, maximum=36500),
                "glacierAfterDays": integer("Move current objects to Glacier Flexible Retrieval. " + days,
                                            minimum=1, maximum=36500),
                "noncurrentExpireDays": integer("Delete old versions after N days. " + days, minimum=1,
                                                maximum=36500),
                "abortIncompleteUploadDays": integer("Abort incomplete multipart uploads.", 7, minimum=1,
                                                     maximum=365),
            }),
            "corsOrigins": strings("CORS origins ('*' not in prod).", []),
            "corsMethods": strings("CORS methods.", ["GET", "PUT"],
                                   item=string("A method.", enum=("GET", "PUT", "POST", "DELETE", "HEAD"))),
            "retain": boolean("retain_on_delete + protect: the bucket outlives the stack.",
                              default_text="settings.protectStateful"),
        }), key="purpose: " + _LABEL + ", at most 20 characters"),
    })


def _secrets() -> Node:
    return obj("Generated values stored in Secrets Manager (never in config, never in outputs).", {
        "generated": mapping("Generated secrets keyed by name.", obj("One generated secret.", {
            "description": string("Secrets Manager description.", default_text="<name> (generated by Cutover)"),
            "length": integer("Characters.", 48, minimum=16, maximum=4096),
            "special": boolean("Include punctuation (off for values used in URLs or headers).", False),
        }), key="secret name: " + _LABEL + ", at most 40 characters"),
    })


def _budget() -> Node:
    return obj("What the stack may cost a month; the budget policies compare the estimate with it.", {
        "monthlyUsd": number("Monthly budget in USD.", 100.0, minimum=1, maximum=1_000_000),
        "alertUsd": number("An AWS Budgets alert fires at this spend (at most monthlyUsd).", minimum=1,
                           default_text="90% of monthlyUsd"),
    })


def _usage() -> Node:
    return obj("Traffic the cost estimate assumes (a missing figure counts as 0).", {
        **{key.name: number(key.description, 0.0, minimum=0, maximum=key.maximum) for key in usage_declarations()
           if key.profile},
        "services": mapping(
            "Per Lambda service: its own figures instead of what its trigger implies (HTTP services share "
            "requestsPerMonth evenly, scheduled ones fire on their schedule, queue consumers follow "
            "queueMessagesPerMonth, functions nothing in the stack invokes count 0).",
            obj("One service's usage.", {
                "requestsPerMonth": number("Invocations a month (an HTTP service's figure is taken out of "
                                           "requestsPerMonth before the others share the rest).",
                                           minimum=0, maximum=1e12),
                "avgDurationMs": number("Average duration in ms (default: avgLambdaDurationMs).", minimum=1,
                                        maximum=900000),
            }), key="a service name of services:"),
    })


def _monitoring() -> Node:
    threshold = {"warning": None, "critical": None}
    alarms = {}
    for name, spec in METRICS.items():
        levels = {level: number(f"{level} threshold ({spec.unit}).", minimum=0, maximum=spec.maximum)
                  for level in threshold}
        levels["minutes"] = integer("Consecutive breaching minutes before the alarm fires.", 5, minimum=1,
                                    maximum=1440)
        alarms[name] = one_of(f"{spec.description} ({spec.unit}): a critical threshold, or levels.",
                              number("Critical threshold.", minimum=0, maximum=spec.maximum),
                              obj("Warning and critical levels.", levels))
    return obj("Alarm thresholds per metric; alarms exist only for metrics the stack has.", {
        "alarms": obj("Thresholds keyed by metric.", alarms),
        "dashboard": boolean("A CloudWatch dashboard of the stack.", True),
    })


def _service_defaults() -> Node:
    return obj("Defaults for every service that does not set the key itself.", {
        "runtime": string("Lambda runtime (with code).", "python3.12", enum=tuple(SUPPORTED_RUNTIMES)),
        "handler": string("Handler (with code).", "handler.handler"),
        "memoryMb": integer("Memory in MB.", 256, minimum=MEMORY_RANGE[0], maximum=MEMORY_RANGE[1]),
        "timeoutSeconds": integer(f"Timeout (api and websocket services are capped at {MAX_INTEGRATED_TIMEOUT}).",
                                  10, minimum=1, maximum=MAX_TIMEOUT),
    })


def _services() -> Node:
    route = one_of("A route key such as 'GET /products/{id}', or {route, auth}.",
                   string("'<METHOD> /path'."),
                   obj("A route with its own auth.", {
                       "route": string("'<METHOD> /path'."),
                       "auth": string("Authorizer.", enum=("none", "jwt")),
                   }, required=("route",)))
    return mapping("Lambda functions keyed by service name.", obj("One service.", {
        "kind": string("api (HTTP routes), worker (asynchronous, with a dead-letter queue) or websocket.", "api",
                       enum=("api", "worker", "websocket")),
        "code": string("Directory or .zip relative to the project root; without it the shipped health handler "
                       "runs.", default_text="functions/health"),
        "runtime": string("Lambda runtime (needs code).", enum=tuple(SUPPORTED_RUNTIMES),
                          default_text="serviceDefaults.runtime"),
        "handler": string("Handler (needs code).", default_text="serviceDefaults.handler"),
        "memoryMb": integer("Memory in MB.", minimum=MEMORY_RANGE[0], maximum=MEMORY_RANGE[1],
                            default_text="serviceDefaults.memoryMb"),
        "timeoutSeconds": integer("Timeout in seconds.", minimum=1, maximum=MAX_TIMEOUT,
                                  default_text="serviceDefaults.timeoutSeconds"),
        "auth": string("Default authorizer of the service's routes.", "none", enum=("none", "jwt")),
        "routes": {"type": "array", "items": route, "description": "HTTP routes (kind api only)."},
        "schedule": string("EventBridge schedule (kind worker only): rate(5 minutes) or cron(...)."),
        "reservedConcurrency": integer("Reserved concurrent executions.", minimum=1, maximum=1000),
        "uses": mapping("Store refs the function may use, each with a capability of its kind.", _USES_CAPABILITY,
                        key=_USES_KEY),
        "environment": mapping("Plain environment variables (never secrets).",
                               one_of("A value.", {"type": "string"}, {"type": "number"}), key="variable name"),
    }), key="service name: " + _LABEL + ", at most 24 characters")


def _throttling() -> Node:
    return obj("Stage throttling.", {
        "burstLimit": integer("Burst limit.", 200, minimum=1, maximum=5000, prod=2000),
        "rateLimit": number("Steady requests per second.", 100, minimum=1, maximum=10000, prod=1000),
    })


def _http_api() -> Node:
    return obj("The API Gateway HTTP API in front of the kind: api services.", {
        "corsOrigins": strings("CORS origins, scheme://host[:port] ('*' and http:// not in prod).", []),
        "corsMethods": strings("CORS methods.", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
                               item=string("A method.", enum=(*HTTP_METHODS[:-1], "*"))),
        "corsHeaders": strings("CORS allowed headers.", ["authorization", "content-type"]),
        "corsMaxAgeSeconds": integer("CORS preflight cache.", 300, minimum=0, maximum=86400),
        "throttling": _throttling(),
        "jwtAuthorizer": obj("JWT authorizer (an OIDC issuer publishing JWKS).", {
            "issuer": string("https:// issuer URL.", pattern=r"^https://", allowed="an https:// issuer URL"),
            "audience": one_of("The token's aud claim(s).", {"type": "string"},
                               {"type": "array", "items": {"type": "string"}}),
        }, required=("issuer", "audience")),
        "domainName": string("Custom domain (with certificateArn).", allowed=_DNS),
        "certificateArn": string("ACM certificate in the stack's region (with domainName).", allowed=_ACM),
        "healthService": string("The service that answers GET /health.", default_text="the first api service"),
    })


def _websocket() -> Node:
    return obj("The API Gateway WebSocket API.", {
        "name": string("Ref name: websocket:<name>.", "realtime", pattern=r"^[a-z][a-z0-9-]{0,23}$",
                       allowed=_LABEL),
        "service": string("The kind: websocket service handling routes.",
                          default_text="the only websocket service"),
        "connectionsTable": string("A key of tables holding connection state."),
        "actions": strings("Custom route keys besides $connect/$disconnect/$default.", []),
        "stage": string("Stage name.", "dev", pattern=r"^[A-Za-z0-9_-]{1,128}$", prod="prod",
                        allowed="letters, digits, _ and -"),
        "throttling": _throttling(),
    })


def _waf() -> Node:
    return _enabled_or("AWS WAF web ACLs (CloudFront and load balancers; never directly on an HTTP API).",
                       obj("WAF.", {
                           "enabled": boolean("Attach web ACLs.", False),
                           "rateLimit": integer("Requests per 5 minutes per client IP.", 2000, minimum=10,
                                                maximum=2_000_000_000),
                       }))


def _edge() -> Node:
    return _enabled_or("CloudFront in front of the HTTP API (carries WAF).", obj("Edge distribution.", {
        "enabled": boolean("Build the distribution.", False),
        "domainName": string("Alternate domain name (with certificateArn).", allowed=_DNS),
        "certificateArn": string("ACM certificate in us-east-1 (with domainName).", allowed=_ACM_USE1),
        "priceClass": string("CloudFront price class.", "PriceClass_100", enum=PRICE_CLASSES),
    }))


def _tables() -> Node:
    index = obj("One global secondary index.", {
        "hashKey": string("Partition key attribute (declared in attributes)."),
        "rangeKey": string("Sort key attribute (declared in attributes)."),
        "projection": string("Projected attributes.", "ALL", enum=PROJECTIONS),
        "nonKeyAttributes": strings("Attributes projected with INCLUDE."),
    }, required=("hashKey",))
    return mapping("DynamoDB tables keyed by logical name.", obj("One table.", {
        "hashKey": string("Partition key attribute."),
        "rangeKey": string("Sort key attribute."),
        "attributes": mapping("Key attributes (exactly those of the table and its indexes).",
                              string("Attribute type.", enum=ATTRIBUTE_TYPES), key="attribute name"),
        "indexes": mapping("Global secondary indexes (at most 20).", index, key="index name"),
        "ttlAttribute": string("TTL attribute (not a key)."),
        "billingMode": string("Billing mode.", "PAY_PER_REQUEST", enum=("PAY_PER_REQUEST", "PROVISIONED")),
        "readCapacity": integer("PROVISIONED read capacity.", minimum=1, maximum=40000),
        "writeCapacity": integer("PROVISIONED write capacity.", minimum=1, maximum=40000),
        "pointInTimeRecovery": boolean("Point-in-time recovery (always in prod).",
                                       default_text="settings.protectStateful"),
        "envVar": string("Variable consumers receive the physical name in.", pattern=r"^[A-Z][A-Z0-9_]*$",
                         allowed="UPPER_SNAKE_CASE", default_text="<NAME>_TABLE"),
    }, required=("hashKey",)), key="table name: a letter, then up to 63 letters, digits, _ . -")


def _identity() -> dict[str, Node]:
    name = r"^[A-Za-z][A-Za-z0-9_]{0,62}$"
    return {
        "databaseName": string("Database name.", pattern=name, allowed="a letter, then up to 62 letters, digits or _",
                               default_text="the app name"),
        "masterUsername": string("Master user (not an RDS reserved name).", pattern=name,
                                 allowed="a letter, then up to 62 letters, digits or _", default_text="<app>_admin"),
    }


def _aurora() -> Node:
    majors = " | ".join(map(str, SERVERLESS_V2_MAJORS))
    return obj("Aurora Serverless v2 PostgreSQL.", {
        "engineVersion": string(f"MAJOR.MINOR with major {majors}.", "16.6"),
        "minCapacity": number("Minimum ACUs in half steps (0 pauses when idle).", 0.5, minimum=0, maximum=256),
        "maxCapacity": number("Maximum ACUs in half steps.", minimum=1, maximum=256),
        "secondsUntilAutoPause": integer("Idle seconds before pausing (minCapacity 0 only).", 300, minimum=300,
                                         maximum=86400),
        **_identity(),
        "instances": integer("Writer plus readers (prod: at least 2).", 1, minimum=1, maximum=16, prod=2),
        "performanceInsights": boolean("Performance Insights.", default_text="true unless minCapacity is 0"),
        "readerScalesWithWriter": boolean("Readers in promotion tier 1 (scale with the writer) instead of 2.", True),
    }, required=("maxCapacity",))


def _email() -> Node:
    return obj("SES domain identity (DKIM-signed).", {
        "domain": string("Verified domain, lowercase."),
        "fromAddress": string("Sender on the domain (SES_FROM_EMAIL)."),
        "supportAddress": string("Support address (SUPPORT_EMAIL).", default_text="fromAddress"),
        "mailFromSubdomain": string("Custom MAIL FROM label, e.g. mail."),
    }, required=("domain", "fromAddress"))


def _frontend() -> Node:
    return obj("S3 + CloudFront static site.", {
        "priceClass": string("CloudFront price class.", "PriceClass_100", enum=PRICE_CLASSES, prod="PriceClass_All"),
        "aliases": strings("Host names (with certificateArn).", []),
        "certificateArn": string("ACM certificate in us-east-1 (required in prod).", allowed=_ACM_USE1),
        "immutablePaths": strings("Hashed build assets cached for a year.", ["/_next/static/*", "/assets/*"]),
        "assetTtlSeconds": integer("TTL of immutable paths.", YEAR_SECONDS, minimum=60, maximum=YEAR_SECONDS),
        "htmlTtlSeconds": integer("TTL of everything else.", HOUR_SECONDS, minimum=0, maximum=YEAR_SECONDS),
        "accessLogs": boolean("CloudFront standard logs to CloudWatch Logs.", False),
        "waf": boolean("Attach the CLOUDFRONT-scope web ACL.", False, prod=True),
    })


def _postgres() -> Node:
    proxy = obj("RDS Proxy settings.", {
        "enabled": boolean("Build the proxy.", True),
        "maxConnectionsPercent": integer("Share of max_connections the proxy may open.", 90, minimum=1, maximum=100),
        "maxIdleConnectionsPercent": integer("Idle connections kept (at most maxConnectionsPercent).", 50,
                                             minimum=0, maximum=100),
        "connectionBorrowTimeoutSeconds": integer("Wait for a connection.", 120, minimum=0, maximum=3600),
        "idleClientTimeoutSeconds": integer("Idle client timeout.", 1800, minimum=1, maximum=28800),
    })
    return obj("RDS PostgreSQL (optionally behind RDS Proxy).", {
        "instanceClass": string("Instance class (not db.serverless: use aurora).",
                                pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$",
                                allowed="an instance class such as db.t4g.small"),
        "engineVersion": string("MAJOR[.MINOR], major 13..19.", "16.6", pattern=r"^(1[3-9])(\.\d{1,2})?$",
                                allowed="MAJOR[.MINOR] with major 13..19, e.g. 16.6"),
        "allocatedStorageGb": integer("gp3 storage in GiB.", 20, minimum=20, maximum=65536),
        "maxAllocatedStorageGb": integer("Storage autoscaling ceiling (at least 10% above the allocation).",
                                         minimum=20, maximum=65536, default_text="max(5 x allocatedStorageGb, 100)"),
        **_identity(),
        "multiAz": boolean("Standby in another AZ (prod: true, or a written rds-multi-az waiver).",
                           default_text="settings.multiAz"),
        "monitoringIntervalSeconds": integer("Enhanced monitoring interval (0: off).", 0,
                                             enum=ENHANCED_MONITORING_INTERVALS,
                                             message="{value} is not an enhanced monitoring interval"),
        "performanceInsights": boolean("Performance Insights (7-day free tier).", True),
        "proxy": one_of("RDS Proxy: true, or its settings.", {"type": "boolean"}, proxy, default=False),
        "subnets": string("Subnet tier.", "isolated", enum=SUBNET_TIERS),
        "suppress": _POLICY_WAIVERS,
    }, required=("instanceClass",))


def _databases() -> Node:
    # Keys as cutover/config/databases.py (rds_instance, parse_databases) and datastores.py (aurora_cluster) parse
    # them; which keys apply depends on engine, and a key that does not apply is refused by name.
    proxy = obj("RDS Proxy settings.", {
        "enabled": boolean("Build the proxy.", default_text="true"),
        "maxConnectionsPercent": integer("Share of max_connections the proxy may open.", minimum=1, maximum=100,
                                         default_text="90"),
        "maxIdleConnectionsPercent": integer("Idle connections kept (at most maxConnectionsPercent).", minimum=0,
                                             maximum=100, default_text="50"),
        "connectionBorrowTimeoutSeconds": integer("Wait for a connection.", minimum=0, maximum=3600,
                                                  default_text="120"),
        "idleClientTimeoutSeconds": integer("Idle client timeout.", minimum=1, maximum=28800, default_text="1800"),
    })
    return mapping("Relational databases by name: services use database:<name> and get <NAME>_DB_HOST, _DB_PORT, "
                   "_DB_NAME, _DB_USER, _DB_SECRET_ARN (main: DB_HOST, ...). The aurora: and postgres: sections "
                   "stay database:main.", obj("One database: an RDS instance (postgres, mysql) or an Aurora cluster "
                                              "(aurora-postgresql, aurora-mysql).", {
        "engine": string("The engine.", enum=DATABASE_ENGINES),
        "instanceClass": string("RDS: the instance class (required); Aurora: db.serverless (Serverless v2) or a "
                                "provisioned class.", pattern=r"^db\.(serverless|[a-z0-9]+\.[a-z0-9]+)$",
                                allowed="an instance class such as db.t4g.small",
                                default_text="required for postgres and mysql; db.serverless for Aurora"),
        "engineVersion": string("Engine version: postgres MAJOR[.MINOR] (13..19); mysql 8.0 | 8.4 [.MINOR]; "
                                "aurora-postgresql MAJOR.MINOR; aurora-mysql 8.0.mysql_aurora.3.MM.P (Serverless v2: "
                                "3.02.0+).", default_text="16.6, 8.0, 16.6, 8.0.mysql_aurora.3.08.0 by engine"),
        "allocatedStorageGb": integer("RDS: gp3 storage in GiB.", minimum=20, maximum=65536, default_text="20"),
        "maxAllocatedStorageGb": integer("RDS: storage autoscaling ceiling.", minimum=20, maximum=65536,
                                         default_text="max(5 x allocatedStorageGb, 100)"),
        **_identity(),
        "multiAz": boolean("RDS: standby in another AZ (prod: true, or a written rds-multi-az waiver).",
                           default_text="settings.multiAz"),
        "monitoringIntervalSeconds": integer("RDS: enhanced monitoring interval (0: off).",
                                             enum=ENHANCED_MONITORING_INTERVALS, default_text="0",
                                             message="{value} is not an enhanced monitoring interval"),
        "performanceInsights": boolean("Performance Insights (not on RDS MySQL micro/small classes).",
                                       default_text="true, except RDS MySQL micro/small and Aurora at 0 ACUs"),
        "proxy": one_of("RDS Proxy: true, or its settings.", {"type": "boolean"}, proxy, default_text="false"),
        "subnets": string("RDS: subnet tier.", enum=SUBNET_TIERS, default_text="isolated"),
        "minCapacity": number("Aurora Serverless v2: minimum ACUs in half steps (0 pauses when idle).", minimum=0,
                              maximum=256, default_text="0.5"),
        "maxCapacity": number("Aurora Serverless v2: maximum ACUs in half steps (required).", minimum=1,
                              maximum=256),
        "secondsUntilAutoPause": integer("Aurora: idle seconds before pausing (minCapacity 0 only).", minimum=300,
                                         maximum=86400, default_text="300"),
        "instances": integer("Aurora: writer plus readers (prod: at least 2).", minimum=1, maximum=16,
                             default_text="1 (dev), 2 (prod)"),
        "readerScalesWithWriter": boolean("Aurora: readers in promotion tier 1 instead of 2.", default_text="true"),
        "suppress": _POLICY_WAIVERS,
    }, required=("engine",)), key="database name: a letter, then up to 39 letters, digits, _ or -")


def _cache() -> Node:
    return mapping("ElastiCache Redis replication groups keyed by cache name.", obj("One cache.", {
        "nodeType": string("Node type.", "cache.t4g.micro", pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$",
                           allowed="a node type such as cache.t4g.micro"),
        "engineVersion": string("Redis version.", "7.1", pattern=r"^[6-7]\.[0-9]$", allowed="6.2 | 7.0 | 7.1"),
        "multiAz": boolean("Automatic failover to a replica in another AZ (prod: true, or a written "
                           "elasticache-multi-az waiver).", default_text="settings.multiAz"),
        "numCacheClusters": integer("Primary plus replicas.", minimum=1, maximum=6,
                                    default_text="2 with multiAz, else 1"),
        "snapshotRetentionDays": integer("Daily snapshots kept (prod: at least 1).", 0, minimum=0, maximum=35,
                                         default_text="settings.backupRetentionDays in prod, 0 in dev"),
        "snapshotWindow": string("Daily snapshot window.", "03:00-04:00", pattern=r"^\d{2}:\d{2}-\d{2}:\d{2}$",
                                 allowed="hh:mm-hh:mm"),
        "maintenanceWindow": string("Weekly maintenance window.", "sun:05:00-sun:06:00",
                                    pattern=r"^(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}-(mon|tue|wed|thu|fri|sat|sun)"
                                            r":\d{2}:\d{2}$", allowed="ddd:hh:mm-ddd:hh:mm"),
        "subnets": string("Subnet tier.", "isolated", enum=SUBNET_TIERS),
        "envPrefix": string("Prefix of the variables consumers get (REDIS_HOST, ...).", "REDIS",
                            pattern=r"^[A-Z][A-Z0-9_]{0,30}$", allowed="UPPER_SNAKE_CASE, e.g. REDIS"),
        "keys": mapping("Key patterns and their TTL in seconds (handed to the functions). A pattern with ':' or "
                        "'.' is addressed as keys[\"session:{token}\"] in --set and pulumi config set --path.",
                        integer("TTL in seconds.", minimum=1, maximum=30 * 86400),
                        key="key pattern without whitespace, e.g. business:{businessId}:config"),
        "suppress": _POLICY_WAIVERS,
    }), key="cache name: lowercase letters, digits, -; at most 20")


def _devices() -> Node:
    return obj("IoT Core device ingest into the container app.", {
        "enabled": boolean("Build the ingest.", True),
        "thingType": string("IoT thing type.", "qr-scanner", pattern=r"^[a-zA-Z0-9:_-]{1,128}$",
                            allowed="letters, digits, : _ -"),
        "apiPath": string("App endpoint scans are posted to.", "/api/fast_parent_scan", pattern=r"^/[A-Za-z0-9_./-]*$",
                          allowed="a path"),
        "apiKeySecret": string("A generated secret holding the device API key.", "device-api-key"),
        "timeoutSeconds": integer("Ingest Lambda timeout.", 10, minimum=3, maximum=60),
        "memoryMb": integer("Ingest Lambda memory.", 256, minimum=128, maximum=1024),
    })


def _traffic() -> Node:
    percent = "Threshold in percent (0.01..100); unset: no such trigger."
    blue_container = obj("A routed ECS blue service: the container keys plus pathPatterns.", {
        **_container_properties(),
        "pathPatterns": strings("Listener rule paths (none: the default action).", [], max_items=5),
    })
    return obj("Stages, the front door, the two colors and the automatic rollback triggers.", {
        "stages": strings("Promotion weights: strictly increasing percents 1..100 ending at 100.", [10, 50, 100],
                          item={"type": "integer"}),
        "frontDoor": obj("Where cutover:greenWeight applies.", {
            "kind": string("alb (weighted target groups), route53 (weighted records), alias (Lambda alias weights) "
                           "or none.", "none", enum=("alb", "route53", "alias", "none")),
            "zoneId": string("Hosted zone of recordName.", pattern=r"^Z[A-Z0-9]{1,31}$",
                             allowed="a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ"),
            "recordName": string("The weighted name clients call.", allowed=_DNS),
            "ttl": integer("TTL of weighted CNAME/A records.", 60, minimum=0, maximum=86400),
            "healthCheckPath": string("Green's health check path.", "/health", pattern=r"^/",
                                      allowed="a path: /health"),
            "certificateArn": string("alb: ACM certificate in the stack's region.", allowed=_ACM),
            "sslPolicy": string("alb: TLS 1.3 security policy.", "ELBSecurityPolicy-TLS13-1-2-2021-06",
                                pattern=r"^ELBSecurityPolicy-TLS13-", allowed="a TLS 1.3 policy"),
            "extraNames": mapping(
                "alb and route53: more weighted names besides recordName (a site and its API), moved by the same "
                "greenWeight and reset by the same rollback (cutover/config/traffic.py).",
                obj("One more weighted name.", {
                    "recordName": string("The name clients call.", allowed=_DNS),
                    "zoneId": string("Its hosted zone (route53 records, or the alb alias record).",
                                     pattern=r"^Z[A-Z0-9]{1,31}$", allowed="a Route 53 hosted zone id",
                                     default_text="frontDoor.zoneId"),
                    "healthCheckPath": string("Green's health check path for this name.", pattern=r"^/",
                                              allowed="a path: /health", default_text="frontDoor.healthCheckPath"),
                    "certificateArn": string("alb: a certificate for this name, added to the HTTPS listener (SNI).",
                                             allowed=_ACM),
                    "blue": obj("route53: an external blue of its own for this name.", {
                        "variant": string("Only external: an ecs blue is traffic.blue itself.", "external",
                                          enum=("external",)),
                        "dnsName": string("The current host for this name.", allowed=_DNS),
                        "zoneId": string("The DNS name's alias zone.", pattern=r"^Z[A-Z0-9]{1,31}$",
                                         allowed="a Route 53 zone id"),
                        "targets": strings("Public IPs of the current servers (A records).", []),
                        "port": integer("Health check port.", 443, minimum=1, maximum=65535),
                        "protocol": string("Health check protocol.", "HTTPS", enum=("HTTP", "HTTPS")),
                        "healthCheckPath": string("Blue's health check path.", "/", pattern=r"^/",
                                                  allowed="a path: /health"),
                    }),
                    "green": obj("The part of green this name reaches.", {
                        "endpoint": string("route53: what the name points at.",
                                           enum=("httpApi", "frontend", "edge", "alb", "cdn", "lambda"),
                                           default_text="traffic.green.endpoint (alb: lambda)"),
                        "service": string("alb: the service whose live alias takes this name's green share."),
                    }),
                }, required=("recordName",)),
                key="name key"),
        }),
        "blue": obj("The side traffic moves away from.", {
            "variant": string("external (not managed here), ecs or serverless (built here) or none.",
                              enum=("external", "ecs", "serverless", "none"),
                              default_text="external for alb and route53, none for alias and none"),
            "dnsName": string("external: the current host.", allowed=_DNS),
            "zoneId": string("external: the DNS name's alias zone.", pattern=r"^Z[A-Z0-9]{1,31}$",
                             allowed="a Route 53 zone id"),
            "targets": strings("external: private IPs of the current servers.", []),
            "instanceIds": strings("Not supported: list the instances' private IPs as targets.", []),
            "port": integer("external: port.", 443, minimum=1, maximum=65535),
            "protocol": string("external: protocol.", "HTTPS", enum=("HTTP", "HTTPS")),
            "healthCheckPath": string("Blue's health check path.", "/", pattern=r"^/", allowed="a path: /health"),
            "peering": obj("alb kind: same-account VPC peering to the legacy VPC.", {
                "peerVpcId": string("The legacy VPC.", pattern=r"^vpc-[0-9a-f]{8,17}$",
                                    allowed="vpc-0123456789abcdef0"),
                "peerCidr": string("Its CIDR (disjoint from the stack's)."),
                "peerRouteTableIds": strings("Its route tables reaching blue's servers.",
                                             item=string("A route table id.", pattern=r"^rtb-[0-9a-f]{8,17}$",
                                                         allowed="rtb-0123456789abcdef0")),
            }, required=("peerVpcId", "peerCidr", "peerRouteTableIds")),
            "container": ref("container", "ecs: the one service."),
            "containers": mapping("ecs: services by name, routed by path.", blue_container, key="service name"),
            "alb": ref("alb", "ecs: blue's load balancer."),
            "cdn": ref("cdn", "ecs: CloudFront in front of blue's load balancer."),
            "services": _services(),  # serverless: blue's functions, as the top-level ones (names carry "blue")
            "service": string("serverless, alb kind: the kind: api service whose live alias takes blue's share."),
            "serviceDefaults": _service_defaults(),
            "httpApi": _http_api(),
            "websocket": _websocket(),
            "databases": mapping("Blue's RDS databases the cleanup path archives.", obj("One database.", {
                "cluster": boolean("An Aurora cluster rather than an instance.", False),
            }), key="RDS identifier"),
        }),
        "green": obj("The side traffic moves to.", {
            "variant": string("serverless or ecs.", "serverless", enum=("serverless", "ecs")),
            "endpoint": string("What the front door points at.", enum=("httpApi", "frontend", "edge", "alb", "cdn",
                                                                        "lambda"),
                               default_text="httpApi (serverless) or alb (ecs); lambda for the alb front door"),
            "service": string("alb kind: the service behind the Lambda target group."),
        }),
        "rollback": obj("Automatic rollback triggers (a front door needs at least one).", {
            "errorRatePercent": number("Green load balancer 5xx share. " + percent, minimum=0.01, maximum=100),
            "errorRateMinutes": integer("Consecutive breaching minutes.", 5, minimum=1, maximum=60),
            "latencyMs": integer("Green's average target response time in ms; unset: no such trigger.",
                                 minimum=1, maximum=600000),
            "latencyMinutes": integer("Consecutive breaching minutes.", 5, minimum=1, maximum=60),
            "lambdaErrorPercent": number("Errors / Invocations of green's functions. " + percent, minimum=0.01,
                                         maximum=100),
            "lambdaErrorMinutes": integer("Consecutive breaching minutes.", 5, minimum=1, maximum=60),
            "api5xxPercent": number("5xx / Count of green's HTTP API. " + percent, minimum=0.01, maximum=100),
            "api5xxMinutes": integer("Consecutive breaching minutes.", 5, minimum=1, maximum=60),
            "reserveConcurrency": boolean("Reserve concurrency for the rollback function so a throttled account "
                                          "still rolls back.", False),
        }),
        "stableVersions": mapping("alias kind: the pinned stable version per service (plays blue).",
                                  one_of("A published Lambda version.", {"type": "integer", "minimum": 1},
                                         {"type": "string", "pattern": "^[1-9][0-9]*$"}),
                                  key="service name"),
    })


def _promotion() -> Node:
    # Keys and ranges as cutover/config/promotion.py documents and parses them.
    return obj("How long each stage soaks, the gates a promotion must pass and green's pre-traffic smoke checks.", {
        "soakHours": mapping("Hours each stage runs before the next (prod); the soak at 100 gates the cleanup.",
                             integer("Hours.", minimum=0, maximum=2160), key="a stage of traffic.stages"),
        "devSoakHours": integer("In dev every stage soaks this long instead.", 1, minimum=0, maximum=168),
        "maxErrorRatePercent": number("Green's error rate over the soak window may not exceed it.", 1.0, minimum=0,
                                      maximum=100),
        "errorRateMarginPercent": number("Nor exceed blue's by more than this many percentage points.", 0.5,
                                         minimum=0, maximum=100),
        "maxP95LatencyMs": integer("Green's p95 latency ceiling.", 1000, minimum=1, maximum=60000),
        "p95RegressionPercent": number("Green's p95 may exceed blue's by at most this.", 20.0, minimum=0,
                                       maximum=1000),
        "minRequests": integer("Fewer green requests in the window make the analysis inconclusive.", 20,
                               minimum=1, maximum=10_000_000, prod=500),
        "gates": obj("Which optional gates a promotion must pass.", {
            "preTraffic": string("required: green's preTraffic task must have succeeded for the deployed version.",
                                 "optional", enum=("required", "optional")),
        }),
        "smokeTests": mapping("Pre-traffic checks against green's own endpoint after every deployment (1..10).",
                              obj("One check.", {
                                  "path": string("Path starting with / (query string allowed)."),
                                  "method": string("A safe method.", "GET", enum=("GET", "HEAD", "OPTIONS")),
                                  "expectStatus": integer("Expected status.", 200, minimum=100, maximum=599),
                                  "latencyBudgetMs": integer("Latency budget.", 2000, minimum=1, maximum=30000),
                              }, required=("path",)),
                              key="check name: lowercase letters, digits, hyphens; 1..32",
                              ),
    })


def _migrations() -> Node:
    # Keys, shapes and rules as cutover/config/migrations.py documents and parses them.
    attribute = one_of("The source column (type S), or the column and its type.",
                       string("A source column."),
                       obj("A column and the DynamoDB type it becomes.", {
                           "column": string("The source column."),
                           "type": string("S (string) or N (number).", "S", enum=MIGRATION_ATTRIBUTE_TYPES),
                       }, required=("column",)))
    dataset = obj("One dataset: where blue holds it, which store of this stack receives it, how, and which color "
                  "writes it.", {
                      "source": obj("Blue's database (engine, host, port, database, secretArn, network), or a "
                                    "store of this stack (store).", {
                          "engine": string("The source engine.", enum=MIGRATION_ENGINES),
                          "host": string("The database's DNS name or IP address."),
                          "port": integer("The database port.", minimum=1, maximum=65535,
                                          default_text="5432 (postgres), 3306 (mysql, mariadb)"),
                          "database": string("The database (schema, for MySQL) to copy or share."),
                          "secretArn": string("Secrets Manager secret holding username and password (read by DMS, "
                                              "the verifier and, with shared, green's services).",
                                              pattern=r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$",
                                              allowed="arn:aws:secretsmanager:<region>:<account>:secret:<name>"),
                          "network": string("How this stack reaches it: peering (traffic.blue.peering), tls (a "
                                            "public endpoint through NAT), vpc (this stack's VPC).",
                                            enum=("peering", "tls", "vpc")),
                          "securityGroupId": string("network vpc: the database's security group.",
                                                    pattern=r"^sg-[0-9a-f]{8,17}$", allowed="sg-0123456789abcdef0"),
                          "caCertificate": string("The server's CA certificate (PEM); required by DMS for "
                                                  "MySQL-compatible sources (verify-ca/verify-full only)."),
                          "store": string("Instead of a database: a store of this stack holding the data."),
                      }),
                      "target": string("The store of this stack that receives the copy: database:<name>, "
                                       "table:<Name>, bucket:<purpose>."),
                      "targetCaCertificate": string("A MySQL-compatible database target's CA certificate (PEM, the "
                                                    "region's RDS bundle): DMS verifies the target against it."),
                      "method": string("dms: full load + change data capture; dump: one-off copy in a write "
                                       "freeze; shared: both colors use blue's database, no copy.",
                                       enum=("dms", "dump", "shared")),
                      "writer": string("The one color whose writes the dataset takes.", "blue",
                                       enum=("blue", "green")),
                      "writerSince": string("With writer green: when blue stopped writing (UTC). Retirement and the "
                                            "flip need a clean receipt of a verification started at or after it.",
                                            pattern=r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$",
                                            allowed="YYYY-MM-DDTHH:MM:SSZ"),
                      "schemas": strings("PostgreSQL schemas replicated and verified.", ["public"]),
                      "mapping": obj("DynamoDB target: which source table becomes its items, and which columns "
                                     "its attributes (the table's keys must be mapped).", {
                          "table": string("schema.table on the source."),
                          "attributes": mapping("Attributes of the item.", attribute, key="attribute name"),
                          "excludeColumns": strings("Columns that must not become attributes.", []),
                          "updatedAt": string("The source's last-modified column (the verifier's high-water mark)."),
                      }, required=("table", "attributes")),
                  }, required=("source", "target", "method"))
    return mapping("The data plan: every dataset blue holds that green must hold after the cutover "
                   "(docs/runbooks/data-migration.md).", dataset, key="dataset name: lowercase letters, digits, "
                   "hyphens; at most 40")


def _pre_traffic() -> Node:
    # Keys and limits as cutover/config/pre_traffic.py documents and checks them.
    from components.specs.pre_traffic import MAX_TIMEOUT_SECONDS

    return obj("A one-off command green runs before it takes traffic (schema migrations), by the deployment, once "
               "per deployed version; recorded in SSM for the preTraffic promotion gate.", {
        "service": string("Serverless: the service whose new version runs it (invoked with {cutover: pre-traffic, "
                          "command}); ECS: the container whose task definition runs it."),
        "command": strings("The command, e.g. [python, manage.py, migrate, --noinput].",
                           item=string("One argument.")),
        "timeoutSeconds": integer("How long it may run (serverless: at most the service's timeoutSeconds).", 600,
                                  minimum=1, maximum=MAX_TIMEOUT_SECONDS),
    }, required=("service", "command"))


def _queues() -> Node:
    # Limits: components/specs/queues.py (botocore sqs CreateQueue attributes, lambda CreateEventSourceMapping).
    from components.specs.queues import (
        BATCH_RANGE,
        BATCH_WINDOW_RANGE,
        DELAY_RANGE,
        MAX_CONCURRENCY_RANGE,
        MAX_RECEIVE_RANGE,
        RETENTION_RANGE,
        VISIBILITY_RANGE,
    )

    return mapping("SQS queues keyed by name, each KMS-encrypted with a key of its own and with a dead-letter "
                   "queue; services use them as queue:<name> with send (producers) or consume (workers).",
                   obj("One queue.", {
        "fifo": boolean("A FIFO queue (exactly-once, ordered per message group); its dead-letter queue is FIFO "
                        "too.", False),
        "visibilityTimeoutSeconds": integer("How long a received message stays hidden; at least the consuming "
                                            "function's timeout (AWS recommends 6x).", 30,
                                            minimum=VISIBILITY_RANGE[0], maximum=VISIBILITY_RANGE[1]),
        "messageRetentionSeconds": integer("How long SQS keeps a message.", 345_600, minimum=RETENTION_RANGE[0],
                                           maximum=RETENTION_RANGE[1]),
        "delaySeconds": integer("Delivery delay of every message.", 0, minimum=DELAY_RANGE[0],
                                maximum=DELAY_RANGE[1]),
        "maxReceiveCount": integer("Receives before a message moves to the dead-letter queue.", 5,
                                   minimum=MAX_RECEIVE_RANGE[0], maximum=MAX_RECEIVE_RANGE[1]),
        "contentBasedDeduplication": boolean("FIFO only: deduplicate by a SHA-256 of the body.", False),
        "envPrefix": string("Prefix of the variable services get (<PREFIX>_QUEUE_URL).",
                            pattern=r"^[A-Z][A-Z0-9_]{0,30}$", allowed="UPPER_SNAKE_CASE, e.g. JOBS",
                            default_text="the queue name in upper case"),
        "consumer": obj("How a serverless consumer reads it (its event source mapping).", {
            "batchSize": integer("Messages per invocation (FIFO: at most 10; above 10 needs a batching window).",
                                 10, minimum=BATCH_RANGE[0], maximum=BATCH_RANGE[1]),
            "batchWindowSeconds": integer("How long Lambda gathers a batch.", 0, minimum=BATCH_WINDOW_RANGE[0],
                                          maximum=BATCH_WINDOW_RANGE[1]),
            "maxConcurrency": integer("Most concurrent invocations the queue drives.",
                                      minimum=MAX_CONCURRENCY_RANGE[0], maximum=MAX_CONCURRENCY_RANGE[1],
                                      default_text="no cap"),
        }),
        "alarms": obj("Alarm thresholds (monitoring.alarms.queueDepth / queueOldestMessageSeconds win); the "
                      "dead-letter queue always alarms on depth.", {
            "depth": integer("Messages visible for 5 minutes (warning): a backlog the consumers do not drain.",
                             1000, minimum=1, maximum=1_000_000_000),
            "oldestAgeSeconds": integer("Age of the oldest message for 5 minutes (critical): work waiting "
                                        "longer than this is late, whatever the depth.", minimum=60,
                                        maximum=RETENTION_RANGE[1],
                                        default_text="3600, or half the retention when that is shorter "
                                                     "(none under 120 s)"),
        }),
        "suppress": _POLICY_WAIVERS,
    }), key="queue name: lowercase letters, digits, -; at most 40")


def _existing() -> Node:
    # Keys and formats as cutover/config/existing.py documents and checks them.
    from cutover.config.existing import DATABASE_ENGINES

    def by_ref(kind: str, shape: str, name_rule: str) -> Node:
        return mapping(
            f"Existing {kind}s by ARN or name; services use them as {kind}:<key> with the same grants as the "
            "stack's own.",
            obj(f"One existing {kind}: exactly one of arn and name.", {
                "arn": string(f"Its ARN: {shape}."),
                "name": string(f"Its name ({name_rule}); the ARN is derived with the stack's partition, region "
                               "and account."),
                "kmsKeyArn": string("The customer managed KMS key it is encrypted with (adds kms:Decrypt, and "
                                    "kms:GenerateDataKey for writers).",
                                    allowed="arn:aws:kms:<region>:<account>:key/<key id>"),
            }), key="ref name: a letter, then letters, digits, _ and -; at most 64")

    return obj("Stores that already exist outside this stack, used by reference: nothing is created, changed, "
               "archived or deleted for them.", {
        "secrets": by_ref("secret", "arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>",
                          "a name grants <name>-??????"),
        "buckets": by_ref("bucket", "arn:aws:s3:::<bucket>", "the bucket name"),
        "tables": by_ref("table", "arn:aws:dynamodb:<region>:<account>:table/<name>", "the table name"),
        "queues": by_ref("queue", "arn:aws:sqs:<region>:<account>:<name>", "the queue name"),
        "databases": mapping("Existing databases: services using database:<key> get <KEY>_DB_HOST, _DB_PORT, "
                             "_DB_NAME, _DB_ENGINE and _DB_SECRET_ARN, and read access to the secret.",
                             obj("One existing database.", {
                                 "host": string("Its endpoint: a DNS name or an IPv4 address."),
                                 "engine": string("Its engine.", enum=DATABASE_ENGINES),
                                 "port": integer("Its port.", minimum=1, maximum=65535,
                                                 default_text="3306 (mysql, aurora-mysql, mariadb), else 5432"),
                                 "database": string("The database name.", ""),
                                 "secretArn": string("Secrets Manager secret with its credentials.",
                                                     allowed="arn:aws:secretsmanager:<region>:<account>:secret:"
                                                             "<name>-<6 characters>"),
                                 "cidrBlocks": strings("Reached from the VPC by these CIDR blocks (egress on its "
                                                       "port only); empty: through NAT over TLS.", []),
                             }, required=("host", "engine", "secretArn")),
                             key="ref name"),
    })


SECTIONS: tuple[Section, ...] = (
    Section("app", "Identity", string("Short name used in physical names.", pattern=r"^[a-z][a-z0-9-]{0,11}$",
                                      allowed="lowercase letters, digits and hyphens, at most 12 characters")),
    Section("description", "Identity", string("What the stack is.", "")),
    Section("seed", "Identity", one_of("The seed the profile implements.", {"type": "string"}, {"type": "integer"},
                                       default="")),
    Section("costCenter", "Identity", string("cost-center tag (cutover:costCenter wins).", default_text="app")),
    Section("settings", "Environment", _settings()),
    Section("network", "Network", _network()),
    Section("storage", "Storage", _storage()),
    Section("secrets", "Secrets", _secrets()),
    Section("budget", "Budget and usage", _budget()),
    Section("usage", "Budget and usage", _usage()),
    Section("monitoring", "Monitoring", _monitoring()),
    Section("serviceDefaults", "Serverless", _service_defaults()),
    Section("services", "Serverless", _services()),
    Section("httpApi", "Serverless", _http_api()),
    Section("websocket", "Serverless", _websocket()),
    Section("waf", "Serverless", _waf()),
    Section("edge", "Serverless", _edge()),
    Section("tables", "Data stores", _tables()),
    Section("aurora", "Data stores", _aurora()),
    Section("email", "Data stores", _email()),
    Section("frontend", "Data stores", _frontend()),
    Section("postgres", "Data stores", _postgres()),
    Section("databases", "Data stores", _databases()),
    Section("cache", "Data stores", _cache()),
    Section("queues", "Data stores", _queues()),
    Section("container", "ECS variant", ref("container", "The ECS Fargate service (the ecs variant).")),
    Section("alb", "ECS variant", ref("alb", "The container's load balancer (with container).")),
    Section("cdn", "ECS variant", ref("cdn", "CloudFront in front of the load balancer (with container).")),
    Section("workers", "ECS variant", mapping(
        "Fargate services without a load balancer beside container (Sidekiq-style queue workers), keyed by name; "
        "they share the app's cluster and image repository.", ref("container", "One worker (name: its key)."),
        key="worker name: lowercase letters, digits, hyphens; at most 24")),
    Section("devices", "ECS variant", _devices()),
    Section("traffic", "Traffic", _traffic()),
    Section("promotion", "Promotion", _promotion()),
    Section("migrations", "Data migration", _migrations()),
    Section("existing", "Existing resources", _existing()),
    Section("preTraffic", "Promotion", _pre_traffic()),
)
REQUIRED = ("app",)


def document(*, strict: bool = True) -> Node:
    """The merged profile document (``strict``) or one layer of it (no key is required in a layer)."""
    node: Node = {"type": "object", "properties": {s.key: s.node for s in SECTIONS}, "additionalProperties": False}
    if strict:
        node["required"] = list(REQUIRED)
    return node


def json_schema() -> dict[str, Any]:
    """The schema of a profile file: the document plus its ``environments`` overlays (dev, prod)."""
    from cutover.config.schema.dsl import strip_annotations

    overlay = strip_annotations(document(strict=False), drop_required=True)
    overlay["description"] = "Keys that replace the base document's in this environment (mappings merge key by key)."
    body = strip_annotations(document(strict=True))
    body["properties"]["environments"] = {
        "type": "object", "additionalProperties": False,
        "description": "Per-environment overlays, applied over the base document.",
        "properties": {"dev": {"$ref": "#/definitions/overlay"}, "prod": {"$ref": "#/definitions/overlay"}},
    }
    definitions = {name: strip_annotations(node) for name, node in DEFINITIONS.items()}
    # Overlays use the same shapes without required keys: a layer may set one key of a section.
    definitions.update({f"{name}-layer": strip_annotations(node, drop_required=True)
                        for name, node in DEFINITIONS.items()})
    overlay = _retarget_refs(overlay)
    definitions["overlay"] = overlay
    body, definitions = _nullable(body), {name: _nullable(node) for name, node in definitions.items()}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "https://cutover.dev/schema/profile.schema.json",
        "title": "Cutover profile",
        "description": "An application architecture preset in profiles/ (generated by `make schema` from "
                       "cutover/config/schema/profile.py; do not edit).",
        **body,
        "definitions": definitions,
    }


def _nullable(node: Any) -> Any:
    """Every key may be null in a file (``httpApi:`` with nothing after it): the parsers read it as unset."""
    if not isinstance(node, dict):
        return node
    out = dict(node)
    for key in ("properties",):
        if key in out:
            out[key] = {k: _or_null(_nullable(v)) for k, v in out[key].items()}
    if isinstance(out.get("additionalProperties"), dict):
        out["additionalProperties"] = _or_null(_nullable(out["additionalProperties"]))
    if "anyOf" in out:
        out["anyOf"] = [_nullable(c) for c in out["anyOf"]]
    if isinstance(out.get("items"), dict):
        out["items"] = _nullable(out["items"])
    return out


def _or_null(node: dict[str, Any]) -> dict[str, Any]:
    if isinstance(node.get("type"), str) and "enum" not in node:
        return {**node, "type": [node["type"], "null"]}
    if "anyOf" in node:
        return {**node, "anyOf": [*node["anyOf"], {"type": "null"}]}
    desc = {"description": node["description"]} if "description" in node else {}
    return {"anyOf": [node, {"type": "null"}], **desc}


def _retarget_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (v + "-layer" if k == "$ref" and isinstance(v, str) and v.startswith("#/definitions/")
                    else _retarget_refs(v)) for k, v in node.items()}
    if isinstance(node, list):
        return [_retarget_refs(v) for v in node]
    return node
