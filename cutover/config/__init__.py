"""Typed stack configuration: parsed once, validated, frozen, passed down to components."""

from cutover.config.budget import USAGE_KEYS, BudgetConfig, UsageConfig
from cutover.config.container import (
    AlbConfig,
    Architecture,
    CdnConfig,
    ContainerConfig,
    DevicesConfig,
    ImageConfig,
    parse_container,
)
from cutover.config.databases import CacheConfig, PostgresConfig, ProxyConfig
from cutover.config.datastores import (
    AuroraConfig,
    BillingMode,
    EmailConfig,
    FrontendConfig,
    IndexConfig,
    TableConfig,
)
from cutover.config.environment import Environment, EnvironmentSettings
from cutover.config.network import NatMode, NetworkConfig
from cutover.config.profiles import PROFILES_DIR, available_profiles
from cutover.config.schema.flat import FLAT_KEYS, STRUCTURED_KEYS
from cutover.config.secrets import SecretConfig
from cutover.config.serverless import (
    EdgeConfig,
    HttpApiConfig,
    JwtAuthorizerConfig,
    RouteConfig,
    ServerlessConfig,
    ServiceConfig,
    ServiceKind,
    WafConfig,
    WebSocketConfig,
)
from cutover.config.stack import Retire, StackConfig, parse_stack_config
from cutover.config.storage import BucketConfig, LifecycleConfig, StorageConfig
from cutover.config.traffic import (
    BlueConfig,
    BlueVariant,
    FrontDoorConfig,
    FrontDoorKind,
    GreenConfig,
    GreenEndpoint,
    GreenVariant,
    PeeringConfig,
    RollbackConfig,
    TrafficConfig,
)

__all__ = [
    "FLAT_KEYS",
    "PROFILES_DIR",
    "STRUCTURED_KEYS",
    "USAGE_KEYS",
    "AlbConfig",
    "Architecture",
    "AuroraConfig",
    "BillingMode",
    "BlueConfig",
    "BlueVariant",
    "BucketConfig",
    "BudgetConfig",
    "CacheConfig",
    "CdnConfig",
    "ContainerConfig",
    "DevicesConfig",
    "EdgeConfig",
    "EmailConfig",
    "Environment",
    "EnvironmentSettings",
    "FrontDoorConfig",
    "FrontDoorKind",
    "FrontendConfig",
    "GreenConfig",
    "GreenEndpoint",
    "GreenVariant",
    "HttpApiConfig",
    "ImageConfig",
    "IndexConfig",
    "JwtAuthorizerConfig",
    "LifecycleConfig",
    "NatMode",
    "NetworkConfig",
    "PeeringConfig",
    "PostgresConfig",
    "ProxyConfig",
    "Retire",
    "RollbackConfig",
    "RouteConfig",
    "SecretConfig",
    "ServerlessConfig",
    "ServiceConfig",
    "ServiceKind",
    "StackConfig",
    "StorageConfig",
    "TableConfig",
    "TrafficConfig",
    "UsageConfig",
    "WafConfig",
    "WebSocketConfig",
    "available_profiles",
    "parse_container",
    "parse_stack_config",
]
