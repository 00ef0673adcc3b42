"""Data-store and frontend sections: ``tables`` (DynamoDB), ``aurora``, ``email`` (SES), ``frontend``.

Each parser takes the section's Reader and the environment's settings, validates everything it
can see, and returns frozen dataclasses. Errors name the full key path, e.g.
``tables.Bookings.indexes.UserBookingsIndex.rangeKey``.
"""

from __future__ import annotations

import re
from typing import Any

from components.specs.datastores import (
    AuroraConfig,
    BillingMode,
    EmailConfig,
    FrontendConfig,
    IndexConfig,
    TableConfig,
)
from components.specs.engines import (
    AURORA_MYSQL_AUTO_PAUSE_MIN,
    AURORA_MYSQL_SERVERLESS_V2_MIN,
    aurora_mysql_release,
)
from cutover.config.databases import parse_database_identity, parse_proxy
from cutover.config.environment import EnvironmentSettings
from cutover.config.reader import Reader
from cutover.errors import ConfigError


def _default(path: str, env: EnvironmentSettings) -> Any:
    """The schema's declared default of ``path`` (cutover/config/schema/profile.py): declared once, read here."""
    from cutover.config.schema import default

    return default(path, env.name.value)


# --- DynamoDB ----------------------------------------------------------------------------------

ATTRIBUTE_TYPES = ("S", "N", "B")
PROJECTIONS = ("ALL", "KEYS_ONLY", "INCLUDE")
_TABLE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")
_INDEX_NAME = re.compile(r"^[A-Za-z0-9_.-]{3,255}$")
_ATTRIBUTE = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,254}$")
_ENV_VAR = re.compile(r"^[A-Z][A-Z0-9_]*$")


def default_env_var(table: str) -> str:
    """``BlogPosts`` -> ``BLOG_POSTS_TABLE``, ``connections`` -> ``CONNECTIONS_TABLE``."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", table)
    return re.sub(r"[^A-Za-z0-9]+", "_", snake).strip("_").upper() + "_TABLE"


def _index(name: str, r: Reader, attrs: dict[str, str], env: EnvironmentSettings) -> IndexConfig:
    if not _INDEX_NAME.match(name):
        raise ConfigError(r.path, f"index name {name!r} is not valid", "3-255 of letters, digits, _ . -")
    hash_key = r.string("hashKey")
    range_key = r.string("rangeKey", None)
    for field, attr in (("hashKey", hash_key), ("rangeKey", range_key)):
        if attr is not None and attr not in attrs:
            raise ConfigError(r.key(field), f"{attr!r} is not declared in the table's attributes",
                              f"declare it with a type (S | N | B); declared: {', '.join(attrs)}")
    if range_key == hash_key:
        raise ConfigError(r.key("rangeKey"), "must differ from hashKey")
    projection = r.string("projection", _default("tables.*.indexes.*.projection", env), choices=PROJECTIONS)
    non_key: tuple[str, ...] = ()
    if projection == "INCLUDE":
        non_key = r.string_list("nonKeyAttributes")
        if not non_key:
            raise ConfigError(r.key("nonKeyAttributes"), "INCLUDE projects at least one attribute")
    else:
        r.raw("nonKeyAttributes", None)
        if r.has("nonKeyAttributes"):
            raise ConfigError(r.key("nonKeyAttributes"), "only applies with projection: INCLUDE")
    return IndexConfig(name=name, hash_key=hash_key, range_key=range_key, projection=projection,
                       non_key_attributes=non_key)


def _table(name: str, r: Reader, env: EnvironmentSettings) -> TableConfig:
    if not _TABLE_KEY.match(name):
        raise ConfigError(r.path, f"table key {name!r} is not valid",
                          "a letter, then up to 63 letters, digits, _ . -")
    ar = r.section("attributes")
    attrs: dict[str, str] = {}
    for attr in ar.keys():  # noqa: SIM118 (Reader.keys, not a dict)
        if not _ATTRIBUTE.match(attr):
            raise ConfigError(ar.key(attr), f"attribute name {attr!r} is not valid")
        attrs[attr] = ar.string(attr, choices=ATTRIBUTE_TYPES)
    ar.finish()

    hash_key = r.string("hashKey")
    range_key = r.string("rangeKey", None)
    for field, attr in (("hashKey", hash_key), ("rangeKey", range_key)):
        if attr is not None and attr not in attrs:
            raise ConfigError(r.key(field), f"{attr!r} is not declared in attributes",
                              f"declare it with a type (S | N | B) under {ar.path}")
    if range_key == hash_key:
        raise ConfigError(r.key("rangeKey"), "must differ from hashKey")

    indexes = r.mapping_of("indexes", lambda key, ir: _index(key, ir, attrs, env))
    if len(indexes) > 20:
        raise ConfigError(r.key("indexes"), f"{len(indexes)} global secondary indexes", "at most 20 per table")
    # DynamoDB rejects attribute definitions that no key uses: declare exactly the key attributes.
    used = {hash_key, range_key} | {i.hash_key for i in indexes} | {i.range_key for i in indexes}
    unused = [a for a in attrs if a not in used]
    if unused:
        raise ConfigError(ar.key(unused[0]), "is declared but is not a table or index key; DynamoDB only "
                          "accepts key attributes here (other attributes need no declaration)")

    ttl = r.string("ttlAttribute", None)
    if ttl is not None and not _ATTRIBUTE.match(ttl):
        raise ConfigError(r.key("ttlAttribute"), f"{ttl!r} is not a valid attribute name")
    if ttl is not None and ttl in (hash_key, range_key):
        raise ConfigError(r.key("ttlAttribute"), "the TTL attribute cannot be a table key")

    billing = r.enum("billingMode", BillingMode, BillingMode(_default("tables.*.billingMode", env)))
    read = write = None
    if billing is BillingMode.PROVISIONED:
        read = r.integer("readCapacity", minimum=1, maximum=40000)
        write = r.integer("writeCapacity", minimum=1, maximum=40000)
    else:
        for key in ("readCapacity", "writeCapacity"):
            if r.has(key):
                raise ConfigError(r.key(key), "only applies with billingMode: PROVISIONED")
            r.raw(key, None)

    pitr = r.boolean("pointInTimeRecovery", env.protect_stateful)
    if env.is_prod and not pitr:
        raise ConfigError(r.key("pointInTimeRecovery"), "prod tables always keep point-in-time recovery", "true")
    env_var = r.string("envVar", default_env_var(name), pattern=lambda v: bool(_ENV_VAR.match(v)),
                       describe="UPPER_SNAKE_CASE")
    return TableConfig(
        name=name, hash_key=hash_key, range_key=range_key, attributes=tuple(attrs.items()), indexes=indexes,
        ttl_attribute=ttl, billing_mode=billing, read_capacity=read, write_capacity=write,
        point_in_time_recovery=pitr, deletion_protection=env.deletion_protection, env_var=env_var)


def parse_tables(doc: Reader, env: EnvironmentSettings) -> tuple[TableConfig, ...]:
    """``tables:`` mapping keyed by logical table name (``doc`` is the document's top level)."""
    tables = doc.mapping_of("tables", lambda key, r: _table(key, r, env))
    seen: dict[str, str] = {}
    for t in tables:
        if t.env_var in seen:
            raise ConfigError(f"tables.{t.name}.envVar", f"{t.env_var} is also the variable of table "
                              f"{seen[t.env_var]!r}", "set a distinct envVar")
        seen[t.env_var] = t.name
    return tables


# --- Aurora Serverless v2 PostgreSQL -------------------------------------------------------------

# First minor of each Aurora PostgreSQL major that accepts MinCapacity 0 (auto-pause), per the
# Aurora User Guide ("Aurora Serverless v2 capacity"); every 17.x release supports it.
AUTO_PAUSE_MIN_VERSION: dict[int, tuple[int, int]] = {13: (13, 15), 14: (14, 12), 15: (15, 7), 16: (16, 3)}
SERVERLESS_V2_MAJORS = (13, 14, 15, 16, 17)
MAX_ACU = 256.0
_ENGINE_VERSION = re.compile(r"^(\d+)\.(\d+)$")


def supports_auto_pause(engine_version: str) -> bool:
    m = _ENGINE_VERSION.match(engine_version)
    if not m:
        return False
    major, minor = int(m.group(1)), int(m.group(2))
    if major > max(AUTO_PAUSE_MIN_VERSION):
        return True
    floor = AUTO_PAUSE_MIN_VERSION.get(major)
    return floor is not None and (major, minor) >= floor


def _acu(r: Reader, name: str, default: float | None, minimum: float) -> float:
    if default is None:
        value = r.number(name, minimum=minimum, maximum=MAX_ACU)
    else:
        value = r.number(name, default, minimum=minimum, maximum=MAX_ACU)
    if (value * 2) != int(value * 2):
        raise ConfigError(r.key(name), f"{value} is not a half-ACU step", "0, 0.5, 1, 1.5, ... 256")
    return value


def parse_aurora(doc: Reader, env: EnvironmentSettings, app: str) -> AuroraConfig | None:
    if not doc.has("aurora"):
        doc.raw("aurora", None)
        return None
    r = doc.section("aurora")
    config = aurora_cluster(r, env, app, "aurora-postgresql", name="main", section="aurora")
    r.finish()
    return config


DEFAULT_AURORA_MYSQL_VERSION = "8.0.mysql_aurora.3.08.0"  # Aurora MySQL release notes: 3.08.0, November 2024
_DB_CLASS = re.compile(r"^db\.(serverless|[a-z0-9]+\.[a-z0-9]+)$")


def _aurora_version(r: Reader, env: EnvironmentSettings, engine: str, serverless: bool) -> str:
    """The engine version, checked against what the engine offers (Serverless v2 floors included)."""
    if engine == "aurora-mysql":
        version = r.string("engineVersion", DEFAULT_AURORA_MYSQL_VERSION)
        release = aurora_mysql_release(version)
        if release is None:
            raise ConfigError(r.key("engineVersion"), f"{version!r} is not an Aurora MySQL 3 version",
                              "8.0.mysql_aurora.3.MM.P, e.g. " + DEFAULT_AURORA_MYSQL_VERSION)
        if serverless and release < AURORA_MYSQL_SERVERLESS_V2_MIN:
            raise ConfigError(r.key("engineVersion"), f"Aurora Serverless v2 needs Aurora MySQL 3.02.0 or later, "
                              f"but engineVersion is {version}", "8.0.mysql_aurora.3.02.0 or later, or a "
                              "provisioned instanceClass")
        return version
    version = r.string("engineVersion", _default("aurora.engineVersion", env))
    m = _ENGINE_VERSION.match(version)
    if not m or int(m.group(1)) not in SERVERLESS_V2_MAJORS:
        raise ConfigError(r.key("engineVersion"), f"{version!r} is not an Aurora PostgreSQL version with "
                          "Serverless v2", "MAJOR.MINOR with major " + " | ".join(map(str, SERVERLESS_V2_MAJORS)))
    return version


def _auto_pause_floor(engine: str, version: str) -> str | None:
    """None when ``version`` can scale to 0 ACUs, else the first version that can."""
    if engine == "aurora-mysql":
        release = aurora_mysql_release(version)
        ok = release is not None and release >= AURORA_MYSQL_AUTO_PAUSE_MIN
        return None if ok else "8.0.mysql_aurora.3.{:02d}.{}".format(*AURORA_MYSQL_AUTO_PAUSE_MIN)
    if supports_auto_pause(version):
        return None
    m = _ENGINE_VERSION.match(version)
    major = int(m.group(1)) if m else 0
    floor = AUTO_PAUSE_MIN_VERSION.get(major)
    return f"{floor[0]}.{floor[1]}" if floor else "a newer major"


def aurora_cluster(r: Reader, env: EnvironmentSettings, app: str, engine: str, *, name: str,
                   section: str) -> AuroraConfig:
    """An Aurora cluster of ``engine``: the ``aurora:`` section (Serverless v2 PostgreSQL, ``database:main``) or
    ``databases.<name>``, which may also be provisioned (instanceClass), sit behind an RDS Proxy and carry
    policy waivers. Keys and defaults are the ``aurora:`` section's."""
    legacy = not section.startswith("databases.")
    cls = "db.serverless" if legacy else r.string("instanceClass", "db.serverless",
                                                  pattern=lambda v: bool(_DB_CLASS.match(v)),
                                                  describe="db.serverless (Serverless v2) or e.g. db.r6g.large")
    serverless = cls == "db.serverless"
    version = _aurora_version(r, env, engine, serverless)
    label = "Aurora MySQL" if engine == "aurora-mysql" else "Aurora PostgreSQL"
    pause: int | None = None
    if serverless:
        min_acu = _acu(r, "minCapacity", _default("aurora.minCapacity", env), 0)
        max_acu = _acu(r, "maxCapacity", None, 1)
        if max_acu < min_acu:
            raise ConfigError(r.key("maxCapacity"), f"{max_acu} is below minCapacity {min_acu}", f">= {min_acu}")
        need = _auto_pause_floor(engine, version) if min_acu == 0 else None
        if need is not None:
            raise ConfigError(r.key("minCapacity"), f"0 ACUs (auto-pause) needs {label} {need} or later, but "
                              f"engineVersion is {version}", f"minCapacity >= 0.5, or engineVersion >= {need}")
        if min_acu == 0:
            pause = r.integer("secondsUntilAutoPause", _default("aurora.secondsUntilAutoPause", env), minimum=300,
                              maximum=86400)
        elif r.has("secondsUntilAutoPause"):
            raise ConfigError(r.key("secondsUntilAutoPause"), "only applies with minCapacity: 0")
        else:
            r.raw("secondsUntilAutoPause", None)
    else:
        for key in ("minCapacity", "maxCapacity", "secondsUntilAutoPause"):
            if r.has(key):
                raise ConfigError(r.key(key), f"only applies to Serverless v2 (instanceClass db.serverless), and "
                                  f"instanceClass is {cls}", "remove it, or instanceClass: db.serverless")
        min_acu = max_acu = 0.0
    db_name, user = parse_database_identity(r, app, max_user=16 if engine == "aurora-mysql" else 63)
    # A reader in another AZ follows settings.multiAz (as postgres.multiAz and cache.numCacheClusters do); the
    # schema's per-environment default (1 dev, 2 prod) is this value under each environment's default settings.
    instances = r.integer("instances", 2 if env.multi_az else 1, minimum=1, maximum=16)
    if env.is_prod and instances < 2:
        raise ConfigError(r.key("instances"), "prod runs a writer and a reader in another AZ", ">= 2")
    proxy, suppress = (None, ()) if legacy else (parse_proxy(r, env), r.suppressions())
    config = AuroraConfig(
        engine_version=version, database_name=db_name, master_username=user, min_capacity=min_acu,
        max_capacity=max_acu, seconds_until_auto_pause=pause, instances=instances,
        # Performance Insights keeps an instance busy; off by default where the database should pause.
        performance_insights=r.boolean("performanceInsights", min_acu > 0 or not serverless),
        backup_retention_days=max(1, env.backup_retention_days),  # Aurora keeps at least 1 day
        deletion_protection=env.deletion_protection,
        reader_scales_with_writer=r.boolean("readerScalesWithWriter", _default("aurora.readerScalesWithWriter", env)),
        engine=engine, name=name, section=section, instance_class=cls, proxy=proxy, suppress=suppress,
    )
    return config


# --- SES -----------------------------------------------------------------------------------------

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@([a-z0-9.-]+)$")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def _email(r: Reader, name: str, default: str | None = None) -> str:
    value = r.string(name) if default is None else r.string(name, default)
    m = _EMAIL.match(value)
    if not m or not _DOMAIN.match(m.group(1)):
        raise ConfigError(r.key(name), f"{value!r} is not an email address", "name@example.com")
    return value


def parse_email(doc: Reader) -> EmailConfig | None:
    if not doc.has("email"):
        doc.raw("email", None)
        return None
    r = doc.section("email")
    domain = r.string("domain")
    if not _DOMAIN.match(domain):
        raise ConfigError(r.key("domain"), f"{domain!r} is not a domain name", "lowercase, e.g. example.com")
    sender = _email(r, "fromAddress")
    sender_domain = sender.split("@", 1)[1]
    if sender_domain != domain and not sender_domain.endswith("." + domain):
        raise ConfigError(r.key("fromAddress"), f"{sender!r} is not on the verified domain {domain}",
                          f"an address @{domain} or a subdomain of it")
    support = _email(r, "supportAddress", sender)
    sub = r.string("mailFromSubdomain", None)
    if sub is not None and not _LABEL.match(sub):
        raise ConfigError(r.key("mailFromSubdomain"), f"{sub!r} is not a DNS label", "e.g. mail")
    r.finish()
    return EmailConfig(domain=domain, from_address=sender, support_address=support,
                       mail_from_domain=f"{sub}.{domain}" if sub else None)


# --- Static frontend ------------------------------------------------------------------------------

PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
_CERT_ARN = re.compile(r"^arn:aws:acm:([a-z0-9-]+):\d{12}:certificate/[0-9a-f-]{36}$")
_ALIAS = re.compile(r"^(\*\.)?([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_PATH_PATTERN = re.compile(r"^/?[A-Za-z0-9_./*-]+$")
YEAR_SECONDS = 31536000
HOUR_SECONDS = 3600


def parse_frontend(doc: Reader, env: EnvironmentSettings) -> FrontendConfig | None:
    if not doc.has("frontend"):
        doc.raw("frontend", None)
        return None
    r = doc.section("frontend")
    price = r.string("priceClass", _default("frontend.priceClass", env), choices=PRICE_CLASSES)
    aliases = r.string_list("aliases", _default("frontend.aliases", env))
    for a in aliases:
        if not _ALIAS.match(a):
            raise ConfigError(r.key("aliases"), f"{a!r} is not a host name", "e.g. app.example.com")
    if len(set(aliases)) != len(aliases):
        raise ConfigError(r.key("aliases"), "lists a host name twice")
    cert = r.string("certificateArn", None) or None
    if cert is not None:
        m = _CERT_ARN.match(cert)
        if not m:
            raise ConfigError(r.key("certificateArn"), f"{cert!r} is not an ACM certificate ARN",
                              "arn:aws:acm:us-east-1:<account>:certificate/<uuid>")
        if m.group(1) != "us-east-1":
            raise ConfigError(r.key("certificateArn"), f"the certificate is in {m.group(1)}; CloudFront only "
                              "uses ACM certificates from us-east-1", "an ARN in us-east-1")
    if aliases and not cert:
        raise ConfigError(r.key("certificateArn"), "aliases need a certificate that covers them",
                          "an ACM certificate ARN in us-east-1")
    if cert and not aliases:
        raise ConfigError(r.key("aliases"), "a certificate without aliases is never presented",
                          "the host names the certificate covers")
    if env.is_prod and not cert:
        raise ConfigError(r.key("certificateArn"), "prod serves the frontend on its own domain with TLS 1.2+; "
                          "the default CloudFront certificate allows TLSv1",
                          "an ACM certificate ARN in us-east-1 plus aliases")
    paths = r.string_list("immutablePaths", _default("frontend.immutablePaths", env))
    for p in paths:
        if not _PATH_PATTERN.match(p):
            raise ConfigError(r.key("immutablePaths"), f"{p!r} is not a CloudFront path pattern", "e.g. /assets/*")
    config = FrontendConfig(
        price_class=price, aliases=aliases, certificate_arn=cert, immutable_paths=paths,
        asset_ttl_seconds=r.integer("assetTtlSeconds", _default("frontend.assetTtlSeconds", env), minimum=60,
                                    maximum=YEAR_SECONDS),
        html_ttl_seconds=r.integer("htmlTtlSeconds", _default("frontend.htmlTtlSeconds", env), minimum=0,
                                   maximum=YEAR_SECONDS),
        access_logs=r.boolean("accessLogs", _default("frontend.accessLogs", env)),
        waf=r.boolean("waf", _default("frontend.waf", env)),
    )
    r.finish()
    return config
