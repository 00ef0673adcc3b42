"""Argument types for container: plain frozen values, parsed from a profile by cutover.config.container."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

XRAY_IMAGE = "public.ecr.aws/xray/aws-xray-daemon:3.x"


class Architecture(Enum):
    ARM64 = "ARM64"  # Graviton: ~20% cheaper per vCPU-hour on Fargate
    X86_64 = "X86_64"


class Access(Enum):
    """A ``uses`` capability (components/specs/capabilities.py): read | write, or send | consume on a queue."""

    READ = "read"
    WRITE = "write"
    SEND = "send"
    CONSUME = "consume"


@dataclass(frozen=True)
class ImageConfig:
    repository: str  # "ecr" (this stack's repository) or an image repository URI without tag
    tag: str | None
    digest: str | None  # sha256:...; wins over the tag (immutable reference)

    @property
    def uses_ecr(self) -> bool:
        return self.repository == "ecr"

    def reference(self, repository_url: str) -> str:
        repo = repository_url if self.uses_ecr else self.repository
        return f"{repo}@{self.digest}" if self.digest else f"{repo}:{self.tag}"


@dataclass(frozen=True)
class HealthCheckConfig:
    """The container's own health check (ECS replaces unhealthy tasks); None: only the ALB's."""

    command: tuple[str, ...]  # ["CMD-SHELL", "curl -fsS http://localhost:5000/health || exit 1"]
    interval: int
    timeout: int
    retries: int
    start_period: int


@dataclass(frozen=True)
class ScalingConfig:
    min_tasks: int
    max_tasks: int
    cpu_target_percent: int  # ECSServiceAverageCPUUtilization target
    requests_per_target: int  # ALBRequestCountPerTarget target (requests per task per minute)
    scale_in_cooldown: int
    scale_out_cooldown: int


@dataclass(frozen=True)
class CapacityConfig:
    """FARGATE carries ``base`` tasks, then the rest splits FARGATE : FARGATE_SPOT by weight."""

    base: int
    on_demand_weight: int
    spot_weight: int  # 0: no Spot (Spot tasks can be stopped with two minutes' notice)


@dataclass(frozen=True)
class ContainerConfig:
    name: str  # container, service and log-stream name: "app"
    image: ImageConfig
    port: int
    cpu: int  # CPU units (1024 = 1 vCPU), a Fargate size together with memory
    memory: int  # MiB
    architecture: Architecture
    health_path: str  # ALB target group health check
    health_check: HealthCheckConfig | None
    user: str  # non-root uid[:gid]
    readonly_root_filesystem: bool
    tmp_volume: str | None  # writable scratch mount (e.g. /tmp) when the root filesystem is read-only
    command: tuple[str, ...]
    environment: tuple[tuple[str, str], ...]  # plain values only (never secrets)
    secrets: tuple[tuple[str, str], ...]  # (VAR, "secret:<name>" | Secrets Manager ARN[:json-key::])
    uses: tuple[tuple[str, Access], ...]  # store refs, like a serverless service's uses
    xray: bool  # X-Ray daemon sidecar
    scaling: ScalingConfig
    capacity: CapacityConfig
    health_check_grace_seconds: int
    deregistration_delay: int
    execute_command: bool  # ECS Exec (never in prod)
    ecr_keep_images: int
    ecr_kms: bool  # KMS (aws/ecr key) instead of AES256
    log_retention_days: int


@dataclass(frozen=True)
class AlbConfig:
    certificate_arn: str  # ACM certificate in the stack's region
    domain_name: str | None  # name covered by the certificate that points at the ALB (CloudFront's origin)
    zone_id: str | None  # hosted zone for domain_name: an alias record is created when set
    ssl_policy: str
    idle_timeout: int
    waf: bool  # a REGIONAL web ACL on the ALB itself (default: only without a CDN in front)
    access_log_days: int


@dataclass(frozen=True)
class CdnConfig:
    certificate_arn: str  # ACM in us-east-1
    aliases: tuple[str, ...]
    price_class: str
    api_paths: tuple[str, ...]  # CachingDisabled, all methods, all viewer headers
    static_paths: tuple[str, ...]  # CachingOptimized
    origin_read_timeout: int


@dataclass(frozen=True)
class DevicesConfig:
    thing_type: str  # "qr-scanner"
    api_path: str  # the app endpoint scans are posted to
    api_key_secret: str  # a generated secret (secrets.generated) holding the device API key
    timeout_seconds: int
    memory_mb: int


@dataclass(frozen=True)
class EcsVariant:
    container: ContainerConfig | None
    alb: AlbConfig | None
    cdn: CdnConfig | None
    devices: DevicesConfig | None
