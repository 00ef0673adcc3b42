"""ECS variant sections: ``container`` (Fargate service), ``alb``, ``cdn`` (CloudFront) and ``devices`` (IoT).

``parse_container`` takes any ``Reader``, so the blue/green step parses a profile's
``traffic.blue.container`` with it exactly like the top-level ``container:`` section:

    parse_container(Reader(cfg.traffic.blue.container, "traffic.blue.container"), cfg.environment)

Secrets never reach plain environment variables: a secret-looking name under ``environment`` is a
ConfigError; values come from Secrets Manager through ``secrets`` (``NAME: secret:<generated>`` or
a Secrets Manager ARN, optionally with a JSON key: ``arn:...:secret:name-AbCdEf:password::``).
"""

from __future__ import annotations

import re
from typing import Any

from components.specs.capabilities import STORE_CAPABILITIES
from components.specs.container import (  # noqa: F401  (moved there; this module re-exports them)
    XRAY_IMAGE,
    Access,
    AlbConfig,
    Architecture,
    CapacityConfig,
    CdnConfig,
    ContainerConfig,
    DevicesConfig,
    EcsVariant,
    HealthCheckConfig,
    ImageConfig,
    ScalingConfig,
)
from cutover import fargate
from cutover.config.environment import EnvironmentSettings
from cutover.config.reader import Reader
from cutover.config.serverless import check_capability
from cutover.errors import ConfigError, suggest

# Kept in line with policy/cutover_guard/compute.py (ecs-no-env-secrets): names that suggest a
# secret value, unless they only name where the secret lives (``*_ARN``, ``*_NAME``...).
SECRET_NAME_RE = re.compile(
    r"PASSWORD|PASSWD|PWD$|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_?KEY|SIGNING_?KEY"
    r"|CONNECTION_?STRING|DSN$", re.IGNORECASE)
REFERENCE_SUFFIX_RE = re.compile(r"_(ARN|NAME|ID|PATH|PARAM|PARAMETER|HEADER|TTL|TTL_SECONDS)$", re.IGNORECASE)
_SECRET_VALUE = re.compile(r"AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|://[^/\s:@]+:[^/\s@]+@")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CONTAINER_NAME = re.compile(r"^[a-z][a-z0-9-]{0,23}$")
_SECRET_REF = re.compile(r"^secret:[a-z][a-z0-9-]{0,39}$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+"
                         r"(:[A-Za-z0-9_.-]*:[A-Za-z0-9_-]*:[A-Za-z0-9_-]*)?$")
_REF_KEY = re.compile(r"^[a-z]+:[A-Za-z0-9_.-]+$")
_IMAGE_REPO = re.compile(r"^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+$|^[a-z0-9._/-]+$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/[A-Za-z0-9-]+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")
_PATH_PATTERN = re.compile(r"^/[A-Za-z0-9_./*-]*$")
_API_PATH = re.compile(r"^/[A-Za-z0-9_./-]*$")
# ELB TLS 1.3 security policies (Application Load Balancer user guide, "Security policies").
ALB_TLS_POLICIES = ("ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
                    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
                    "ELBSecurityPolicy-TLS13-1-3-2021-06")
PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")


def _default(path: str, env: EnvironmentSettings | None) -> Any:
    """The schema's declared default of ``path`` (cutover/config/schema/profile.py): declared once, read here.

    ``container.*`` is the shared container shape, the same declaration as ``traffic.blue.container``."""
    from cutover.config.schema import default

    return default(path, env.name.value if env is not None else "dev")


def secret_like(name: str, value: str = "") -> bool:
    if value and _SECRET_VALUE.search(value):
        return True
    return bool(SECRET_NAME_RE.search(name)) and not REFERENCE_SUFFIX_RE.search(name)


def _image(r: Reader, env: EnvironmentSettings) -> ImageConfig:
    repo = r.string("repository", _default("container.image.repository", env))
    if repo != "ecr" and (not _IMAGE_REPO.match(repo) or "@" in repo or repo.rsplit("/", 1)[-1].count(":")):
        raise ConfigError(r.key("repository"), f"{repo!r} is not an image repository (without tag or digest)",
                          "ecr | <registry>/<repository>, e.g. public.ecr.aws/nginx/nginx")
    tag = r.string("tag", None)
    digest = r.string("digest", None)
    if tag is not None and not _TAG.match(tag):
        raise ConfigError(r.key("tag"), f"{tag!r} is not an image tag", "letters, digits, _ . -; at most 128")
    if tag == "latest":
        raise ConfigError(r.key("tag"), "a moving tag cannot be deployed to an IMMUTABLE repository or rolled back",
                          "a release tag (git sha, semver) or digest: sha256:...")
    if digest is not None and not _DIGEST.match(digest):
        raise ConfigError(r.key("digest"), f"{digest!r} is not an image digest", "sha256:<64 hex>")
    if tag is None and digest is None:
        raise ConfigError(r.key("tag"), "the image needs a tag or a digest (the pipeline builds and pushes it)",
                          "tag: <release> | digest: sha256:...")
    r.finish()
    return ImageConfig(repo, tag, digest)


def _health_check(r: Reader, port: int, path: str, env: EnvironmentSettings) -> HealthCheckConfig | None:
    def d(key: str) -> Any:
        return _default(f"container.healthCheck.{key}", env)

    if not r.boolean("enabled", d("enabled")):
        for k in ("command", "intervalSeconds", "timeoutSeconds", "retries", "startPeriodSeconds"):
            r.raw(k, None)
        r.finish()
        return None
    default_cmd = f"curl -fsS http://localhost:{port}{path} || exit 1"  # the image must ship curl
    command = r.string("command", default_cmd)
    interval = r.integer("intervalSeconds", d("intervalSeconds"), minimum=5, maximum=300)
    timeout = r.integer("timeoutSeconds", d("timeoutSeconds"), minimum=2, maximum=120)
    if timeout >= interval:
        raise ConfigError(r.key("timeoutSeconds"), f"{timeout} s is not shorter than the interval {interval} s",
                          f"< {interval}")
    hc = HealthCheckConfig(("CMD-SHELL", command), interval, timeout,
                           r.integer("retries", d("retries"), minimum=1, maximum=10),
                           r.integer("startPeriodSeconds", d("startPeriodSeconds"), minimum=0, maximum=300))
    r.finish()
    return hc


def _scaling(r: Reader, env: EnvironmentSettings) -> ScalingConfig:
    def d(key: str) -> Any:
        return _default(f"container.scaling.{key}", env)

    min_tasks = r.integer("min", d("min"), minimum=0 if not env.is_prod else 2, maximum=1000)
    max_tasks = r.integer("max", max(min_tasks, 20 if env.is_prod else 2), minimum=1, maximum=1000)
    if max_tasks < min_tasks:
        raise ConfigError(r.key("max"), f"{max_tasks} is below min {min_tasks}", f">= {min_tasks}")
    cfg = ScalingConfig(
        min_tasks=min_tasks, max_tasks=max_tasks,
        cpu_target_percent=r.integer("cpuTargetPercent", d("cpuTargetPercent"), minimum=10, maximum=90),
        requests_per_target=r.integer("requestsPerTarget", d("requestsPerTarget"), minimum=1, maximum=100000),
        scale_in_cooldown=r.integer("scaleInCooldownSeconds", d("scaleInCooldownSeconds"), minimum=0, maximum=3600),
        scale_out_cooldown=r.integer("scaleOutCooldownSeconds", d("scaleOutCooldownSeconds"), minimum=0,
                                     maximum=3600))
    r.finish()
    return cfg


def _capacity(r: Reader, scaling: ScalingConfig, env: EnvironmentSettings) -> CapacityConfig:
    base = r.integer("base", scaling.min_tasks, minimum=0, maximum=100000)
    on_demand = r.integer("onDemandWeight", _default("container.capacity.onDemandWeight", env), minimum=0,
                          maximum=1000)
    spot = r.integer("spotWeight", _default("container.capacity.spotWeight", env), minimum=0, maximum=1000)
    if on_demand + spot == 0:
        raise ConfigError(r.key("spotWeight"), "onDemandWeight and spotWeight are both 0: no task could be placed",
                          "at least one weight > 0")
    if env.is_prod and spot and base < 1:
        raise ConfigError(r.key("base"), "prod keeps at least one on-demand task when it uses Spot (Spot tasks "
                          "can all be reclaimed at once)", ">= 1")
    r.finish()
    return CapacityConfig(base, on_demand, spot)


def parse_container(r: Reader, env: EnvironmentSettings) -> ContainerConfig:
    """One Fargate service from ``r`` (``container:`` or ``traffic.blue.container``)."""
    def d(key: str) -> Any:
        return _default(f"container.{key}", env)

    name = r.string("name", d("name"), pattern=lambda v: bool(_CONTAINER_NAME.match(v)),
                    describe="lowercase letters, digits, hyphens; at most 24, starting with a letter")
    image = _image(r.section("image"), env)
    port = r.integer("port", d("port"), minimum=1024, maximum=65535)  # non-root processes cannot bind < 1024
    cpu = r.integer("cpu", d("cpu"))
    memory = r.integer("memory", d("memory"))
    try:
        fargate.check(cpu, memory)
    except ValueError as exc:
        raise ConfigError(r.key("cpu" if cpu not in fargate.FARGATE_SIZES else "memory"), str(exc)) from None
    arch = r.enum("architecture", Architecture, Architecture(d("architecture")))
    health_path = r.string("healthPath", d("healthPath"), pattern=lambda v: bool(_API_PATH.match(v)),
                           describe="/health")
    health = _health_check(r.section("healthCheck"), port, health_path, env)
    user = r.string("user", d("user"), pattern=lambda v: bool(re.fullmatch(r"[0-9]{1,10}(:[0-9]{1,10})?", v)),
                    describe="a numeric uid[:gid], e.g. 1000")
    if user.split(":")[0] == "0":
        raise ConfigError(r.key("user"), "containers do not run as root", "a non-zero uid, e.g. 1000")
    readonly = r.boolean("readonlyRootFilesystem", d("readonlyRootFilesystem"))
    tmp = r.string("tmpVolume", "/tmp" if readonly else None)
    if tmp is not None and not re.fullmatch(r"/[A-Za-z0-9_./-]+", tmp):
        raise ConfigError(r.key("tmpVolume"), f"{tmp!r} is not an absolute path", "/tmp")
    command = r.string_list("command", d("command"))

    env_r = r.section("environment")
    environment: list[tuple[str, str]] = []
    for var in env_r.keys():  # noqa: SIM118 (Reader.keys, not a dict)
        value = env_r.raw(var)
        if not isinstance(value, (str, int, float, bool)):
            raise ConfigError(env_r.key(var), "must be a string, number or boolean")
        text = str(value).lower() if isinstance(value, bool) else str(value)
        if not _ENV_NAME.match(var):
            raise ConfigError(env_r.key(var), f"{var!r} is not an environment variable name", "A-Z, 0-9, _")
        if secret_like(var, text):
            raise ConfigError(env_r.key(var), "looks like a secret; plain environment variables are visible to "
                              "anyone who can describe the task definition", f"secrets: {{{var}: secret:<name>}} "
                              "(Secrets Manager, injected at start)")
        environment.append((var, text))
    env_r.finish()

    sec_r = r.section("secrets")
    secrets: list[tuple[str, str]] = []
    for var in sec_r.keys():  # noqa: SIM118
        source = sec_r.string(var)
        if not _ENV_NAME.match(var):
            raise ConfigError(sec_r.key(var), f"{var!r} is not an environment variable name", "A-Z, 0-9, _")
        if not (_SECRET_REF.match(source) or _SECRET_ARN.match(source)):
            raise ConfigError(sec_r.key(var), f"{source!r} is not a secret reference",
                              "secret:<generated secret> | arn:aws:secretsmanager:...:secret:<name>[:<json key>::]")
        if var in dict(environment):
            raise ConfigError(sec_r.key(var), "is also a plain environment variable")
        secrets.append((var, source))
    sec_r.finish()

    uses_r = r.section("uses")
    uses: list[tuple[str, Access]] = []
    for key in uses_r.keys():  # noqa: SIM118
        kind = key.partition(":")[0]
        if not _REF_KEY.match(key) or kind not in STORE_CAPABILITIES:
            raise ConfigError(uses_r.key(key), f"{key!r} is not a store ref key{suggest(kind, STORE_CAPABILITIES)}",
                              "<kind>:<name> with kind " + " | ".join(STORE_CAPABILITIES))
        # The capabilities come from the stores (components/specs/capabilities.py), as for a function's uses.
        uses.append((key, Access(check_capability(uses_r, key))))
    uses_r.finish()

    scaling = _scaling(r.section("scaling"), env)
    capacity = _capacity(r.section("capacity"), scaling, env)
    execute = r.boolean("executeCommand", d("executeCommand"))
    if execute and env.is_prod:
        raise ConfigError(r.key("executeCommand"), "ECS Exec opens a shell in production tasks", "false in prod")
    if execute and readonly:
        raise ConfigError(r.key("executeCommand"), "ECS Exec's agent writes into the container, which a read-only "
                          "root filesystem forbids", "false, or readonlyRootFilesystem: false")
    ecr_r = r.section("ecr")
    keep = ecr_r.integer("keepImages", d("ecr.keepImages"), minimum=1, maximum=1000)
    kms = ecr_r.boolean("kms", d("ecr.kms"))
    ecr_r.finish()
    config = ContainerConfig(
        name=name, image=image, port=port, cpu=cpu, memory=memory, architecture=arch, health_path=health_path,
        health_check=health, user=user, readonly_root_filesystem=readonly, tmp_volume=tmp, command=command,
        environment=tuple(environment), secrets=tuple(secrets), uses=tuple(uses),
        xray=r.boolean("xray", d("xray")), scaling=scaling, capacity=capacity,
        health_check_grace_seconds=r.integer("healthCheckGracePeriodSeconds", d("healthCheckGracePeriodSeconds"),
                                             minimum=0, maximum=2147483647),
        deregistration_delay=r.integer("deregistrationDelaySeconds", d("deregistrationDelaySeconds"), minimum=0,
                                       maximum=3600),
        execute_command=execute, ecr_keep_images=keep, ecr_kms=kms, log_retention_days=env.log_retention_days)
    r.finish()
    return config


# --- ALB -----------------------------------------------------------------------------------------


def parse_alb(doc: Reader, region: str, env: EnvironmentSettings, *, has_cdn: bool) -> AlbConfig:
    r = doc.section("alb")
    cert = r.string("certificateArn")  # required: ConfigError "alb.certificateArn: is required"
    m = _ACM_ARN.match(cert)
    if not m:
        raise ConfigError(r.key("certificateArn"), f"{cert!r} is not an ACM certificate ARN",
                          f"arn:aws:acm:{region}:<account>:certificate/<id>")
    if m.group(1) != region:
        raise ConfigError(r.key("certificateArn"), f"the ALB's certificate must be in the stack's region {region}, "
                          f"not {m.group(1)}", f"an ACM certificate ARN in {region}")
    domain = r.string("domainName", None)
    if domain is not None and (not _DOMAIN.match(domain) or domain.startswith("*")):
        raise ConfigError(r.key("domainName"), f"{domain!r} is not a DNS name", "origin.example.com")
    zone = r.string("zoneId", None)
    if zone is not None and not _ZONE_ID.match(zone):
        raise ConfigError(r.key("zoneId"), f"{zone!r} is not a hosted zone id", "Z0123456789ABCDEFGHIJ")
    if zone is not None and domain is None:
        raise ConfigError(r.key("zoneId"), "a record needs alb.domainName", "domainName: origin.example.com")
    if has_cdn and domain is None:
        raise ConfigError(r.key("domainName"), "CloudFront reaches the ALB over HTTPS and checks the ALB "
                          "certificate against the origin's name, so the origin needs a name the certificate "
                          "covers (the *.elb.amazonaws.com name never matches)", "origin.example.com")
    config = AlbConfig(
        certificate_arn=cert, domain_name=domain, zone_id=zone,
        ssl_policy=r.string("sslPolicy", _default("alb.sslPolicy", env), choices=ALB_TLS_POLICIES),
        idle_timeout=r.integer("idleTimeoutSeconds", _default("alb.idleTimeoutSeconds", env), minimum=1, maximum=4000),
        waf=r.boolean("waf", not has_cdn),
        access_log_days=r.integer("accessLogDays", max(env.log_retention_days, 30), minimum=1, maximum=3650))
    r.finish()
    return config


# --- CloudFront ----------------------------------------------------------------------------------


def parse_cdn(doc: Reader, env: EnvironmentSettings | None = None) -> CdnConfig | None:
    if not doc.has("cdn"):
        doc.raw("cdn", None)
        return None
    r = doc.section("cdn")
    cert = r.string("certificateArn")
    m = _ACM_ARN.match(cert)
    if not m or m.group(1) != "us-east-1":
        raise ConfigError(r.key("certificateArn"), "CloudFront only uses ACM certificates from us-east-1",
                          "arn:aws:acm:us-east-1:<account>:certificate/<id>")
    aliases = r.string_list("aliases")
    if not aliases:
        raise ConfigError(r.key("aliases"), "the certificate needs at least one alternate domain name "
                          "(the default *.cloudfront.net certificate allows TLSv1)", "[app.example.com]")
    for a in aliases:
        if not _DOMAIN.match(a):
            raise ConfigError(r.key("aliases"), f"{a!r} is not a DNS name", "app.example.com")
    paths: dict[str, tuple[str, ...]] = {}
    for key in ("apiPaths", "staticPaths"):
        paths[key] = r.string_list(key, _default(f"cdn.{key}", env))
        for p in paths[key]:
            if not _PATH_PATTERN.match(p):
                raise ConfigError(r.key(key), f"{p!r} is not a CloudFront path pattern", "/api/*")
    overlap = set(paths["apiPaths"]) & set(paths["staticPaths"])
    if overlap:
        raise ConfigError(r.key("staticPaths"), f"{sorted(overlap)[0]} is also an API path")
    config = CdnConfig(cert, aliases, r.string("priceClass", _default("cdn.priceClass", env), choices=PRICE_CLASSES),
                       paths["apiPaths"], paths["staticPaths"],
                       r.integer("originReadTimeoutSeconds", _default("cdn.originReadTimeoutSeconds", env), minimum=1,
                                 maximum=60))
    r.finish()
    return config


# --- IoT device ingest ---------------------------------------------------------------------------


def parse_devices(doc: Reader, secret_names: tuple[str, ...],
                  env: EnvironmentSettings | None = None) -> DevicesConfig | None:
    if not doc.has("devices"):
        doc.raw("devices", None)
        return None
    r = doc.section("devices")

    def d(key: str) -> Any:
        return _default(f"devices.{key}", env)

    if not r.boolean("enabled", d("enabled")):
        for k in ("thingType", "apiPath", "apiKeySecret", "timeoutSeconds", "memoryMb"):
            r.raw(k, None)
        r.finish()
        return None
    key = r.string("apiKeySecret", d("apiKeySecret"))
    if key not in secret_names:
        raise ConfigError(r.key("apiKeySecret"), f"{key!r} is not a generated secret",
                          f"declare it under secrets.generated ({', '.join(secret_names) or 'none declared'})")
    config = DevicesConfig(
        thing_type=r.string("thingType", d("thingType"),
                            pattern=lambda v: bool(re.fullmatch(r"[a-zA-Z0-9:_-]{1,128}", v)),
                            describe="letters, digits, : _ -"),
        api_path=r.string("apiPath", d("apiPath"), pattern=lambda v: bool(_API_PATH.match(v)),
                          describe="/api/fast_parent_scan"),
        api_key_secret=key,
        timeout_seconds=r.integer("timeoutSeconds", d("timeoutSeconds"), minimum=3, maximum=60),
        memory_mb=r.integer("memoryMb", d("memoryMb"), minimum=128, maximum=1024))
    r.finish()
    return config


# --- the whole variant ---------------------------------------------------------------------------


def parse_workers(doc: Reader, env: EnvironmentSettings) -> tuple[ContainerConfig, ...]:
    """``workers:``: Fargate services without a load balancer beside ``container:`` (Sidekiq-style queue workers).

    Each is a container section keyed by its name (``name`` defaults to the key); it shares the app's cluster and
    image repository, and usually consumes a queue (``uses: {queue:jobs: consume}``).
    """
    if not doc.has("workers"):
        doc.raw("workers", None)
        return ()
    if not doc.has("container"):
        raise ConfigError("workers", "workers run beside the ECS app: they need the container section",
                          "container: {image, port, cpu, memory, ...}")
    out: list[ContainerConfig] = []
    outer = doc.section("workers")
    for key in outer.keys():  # noqa: SIM118 (Reader.keys)
        body = Reader(outer.raw(key), outer.key(key))  # checks it is a mapping, naming the key
        if body.has("name") and body.raw("name") != key:
            raise ConfigError(body.key("name"), f"a worker's name is its key ({key!r})", key)
        # parse_container reads every key (and refuses unknown ones); name defaults to the key, not "app".
        out.append(parse_container(Reader({**outer.raw(key), "name": key}, outer.key(key)), env))
    outer.finish()
    return tuple(out)


def parse_ecs(doc: Reader, env: EnvironmentSettings, region: str, secret_names: tuple[str, ...]) -> EcsVariant:
    """``container`` + ``alb`` + ``cdn`` + ``devices`` from the document's top level."""
    cdn = parse_cdn(doc, env)
    devices = parse_devices(doc, secret_names, env)
    if not doc.has("container"):
        doc.raw("container", None)
        for section, what in (("alb", "an ALB"), ("cdn", "a CDN"), ("devices", "device ingest")):
            if doc.has(section):
                raise ConfigError(section, f"{what} needs the container section (the app it fronts)",
                                  "container: {image, port, cpu, memory, ...}")
        doc.raw("alb", None)
        return EcsVariant(None, None, None, None)
    container = parse_container(doc.section("container"), env)
    alb = parse_alb(doc, region, env, has_cdn=cdn is not None)
    if devices is not None and cdn is None and alb.domain_name is None:
        raise ConfigError("alb.domainName", "device ingest calls the app over HTTPS by a name its certificate covers",
                          "a cdn section, or alb.domainName")
    return EcsVariant(container, alb, cdn, devices)
