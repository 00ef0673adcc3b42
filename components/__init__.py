"""Cutover's ComponentResources, one module each; plain frozen argument types in ``components.specs``.

This package only re-exports, and lazily (PEP 562): ``from components import Network`` imports
components.network alone, so a program that uses one component, or the configuration layer that
imports ``components.specs``, does not pay for importing every pulumi_aws module the others use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the eager form, for type checkers and editors
    from components.alb import AlbArgs as AlbArgs
    from components.alb import AppLoadBalancer as AppLoadBalancer
    from components.alert_topic import AlertTopic as AlertTopic
    from components.alert_topic import AlertTopicArgs as AlertTopicArgs
    from components.api_edge import ApiEdge as ApiEdge
    from components.api_edge import ApiEdgeArgs as ApiEdgeArgs
    from components.archive import Archive as Archive
    from components.archive import ArchiveArgs as ArchiveArgs
    from components.archive import retiring as retiring
    from components.aurora import AuroraArgs as AuroraArgs
    from components.aurora import AuroraCluster as AuroraCluster
    from components.aurora import AuroraPostgres as AuroraPostgres
    from components.bucket import SecureBucket as SecureBucket
    from components.bucket import SecureBucketArgs as SecureBucketArgs
    from components.cdn import AppCdn as AppCdn
    from components.cdn import CdnArgs as CdnArgs
    from components.container_app import (
        ContainerApp as ContainerApp,
    )
    from components.container_app import (
        ContainerAppArgs as ContainerAppArgs,
    )
    from components.container_app import (
        LoadBalancerAttachment as LoadBalancerAttachment,
    )
    from components.device_ingest import DeviceIngest as DeviceIngest
    from components.device_ingest import DeviceIngestArgs as DeviceIngestArgs
    from components.dynamodb import Tables as Tables
    from components.dynamodb import TablesArgs as TablesArgs
    from components.errors import ComponentError as ComponentError
    from components.front_door import (
        AlbPlacement as AlbPlacement,
    )
    from components.front_door import (
        Endpoint as Endpoint,
    )
    from components.front_door import (
        FrontDoor as FrontDoor,
    )
    from components.front_door import (
        FrontDoorArgs as FrontDoorArgs,
    )
    from components.front_door import (
        RollbackTarget as RollbackTarget,
    )
    from components.frontend import FrontendArgs as FrontendArgs
    from components.frontend import StaticSite as StaticSite
    from components.http_api import DomainTarget as DomainTarget
    from components.http_api import HttpApi as HttpApi
    from components.http_api import HttpApiArgs as HttpApiArgs
    from components.monitoring import (
        AlbTarget as AlbTarget,
    )
    from components.monitoring import (
        EcsTarget as EcsTarget,
    )
    from components.monitoring import (
        Monitoring as Monitoring,
    )
    from components.monitoring import (
        MonitoringArgs as MonitoringArgs,
    )
    from components.monitoring import (
        MonitoringTargets as MonitoringTargets,
    )
    from components.monitoring import (
        RdsTarget as RdsTarget,
    )
    from components.network import Network as Network
    from components.network import NetworkArgs as NetworkArgs
    from components.postgres import PostgresArgs as PostgresArgs
    from components.postgres import PostgresDatabase as PostgresDatabase
    from components.postgres import RdsDatabase as RdsDatabase
    from components.redis import RedisArgs as RedisArgs
    from components.redis import RedisCache as RedisCache
    from components.rollback import (
        AlbMetrics as AlbMetrics,
    )
    from components.rollback import (
        LambdaMetrics as LambdaMetrics,
    )
    from components.rollback import (
        Rollback as Rollback,
    )
    from components.rollback import (
        RollbackArgs as RollbackArgs,
    )
    from components.secrets import GeneratedSecrets as GeneratedSecrets
    from components.secrets import SecretsArgs as SecretsArgs
    from components.serverless import (
        LambdaTarget as LambdaTarget,
    )
    from components.serverless import (
        ServerlessApp as ServerlessApp,
    )
    from components.serverless import (
        ServerlessAppArgs as ServerlessAppArgs,
    )
    from components.serverless import (
        VpcPlacement as VpcPlacement,
    )
    from components.ses import EmailArgs as EmailArgs
    from components.ses import EmailSender as EmailSender
    from components.storage import Storage as Storage
    from components.storage import StorageArgs as StorageArgs
    from components.waf import SharedWebAcls as SharedWebAcls
    from components.waf import WebAcl as WebAcl
    from components.waf import WebAclArgs as WebAclArgs
    from components.websocket_api import WebSocketApi as WebSocketApi
    from components.websocket_api import WebSocketApiArgs as WebSocketApiArgs

_WHERE = {
    "AlbArgs": "components.alb",
    "AlbMetrics": "components.rollback",
    "AlbPlacement": "components.front_door",
    "AlbTarget": "components.monitoring",
    "AlertTopic": "components.alert_topic",
    "AlertTopicArgs": "components.alert_topic",
    "ApiEdge": "components.api_edge",
    "ApiEdgeArgs": "components.api_edge",
    "AppCdn": "components.cdn",
    "AppLoadBalancer": "components.alb",
    "Archive": "components.archive",
    "ArchiveArgs": "components.archive",
    "AuroraArgs": "components.aurora",
    "AuroraCluster": "components.aurora",
    "AuroraPostgres": "components.aurora",
    "CdnArgs": "components.cdn",
    "ComponentError": "components.errors",
    "ContainerApp": "components.container_app",
    "ContainerAppArgs": "components.container_app",
    "DeviceIngest": "components.device_ingest",
    "DeviceIngestArgs": "components.device_ingest",
    "DomainTarget": "components.http_api",
    "EcsTarget": "components.monitoring",
    "EmailArgs": "components.ses",
    "EmailSender": "components.ses",
    "Endpoint": "components.front_door",
    "FrontDoor": "components.front_door",
    "FrontDoorArgs": "components.front_door",
    "FrontendArgs": "components.frontend",
    "GeneratedSecrets": "components.secrets",
    "HttpApi": "components.http_api",
    "HttpApiArgs": "components.http_api",
    "LambdaMetrics": "components.rollback",
    "LambdaTarget": "components.serverless",
    "LoadBalancerAttachment": "components.container_app",
    "Monitoring": "components.monitoring",
    "MonitoringArgs": "components.monitoring",
    "MonitoringTargets": "components.monitoring",
    "Network": "components.network",
    "NetworkArgs": "components.network",
    "PostgresArgs": "components.postgres",
    "PostgresDatabase": "components.postgres",
    "RdsDatabase": "components.postgres",
    "RdsTarget": "components.monitoring",
    "RedisArgs": "components.redis",
    "RedisCache": "components.redis",
    "Rollback": "components.rollback",
    "RollbackArgs": "components.rollback",
    "RollbackTarget": "components.front_door",
    "SecretsArgs": "components.secrets",
    "SecureBucket": "components.bucket",
    "SecureBucketArgs": "components.bucket",
    "ServerlessApp": "components.serverless",
    "ServerlessAppArgs": "components.serverless",
    "SharedWebAcls": "components.waf",
    "StaticSite": "components.frontend",
    "Storage": "components.storage",
    "StorageArgs": "components.storage",
    "Tables": "components.dynamodb",
    "TablesArgs": "components.dynamodb",
    "VpcPlacement": "components.serverless",
    "WebAcl": "components.waf",
    "WebAclArgs": "components.waf",
    "WebSocketApi": "components.websocket_api",
    "WebSocketApiArgs": "components.websocket_api",
    "retiring": "components.archive",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    try:
        module = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # once imported, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
