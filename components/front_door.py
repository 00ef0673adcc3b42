"""FrontDoor: where ``cutover:greenWeight`` becomes real traffic.

* ``alb``: an internet-facing ALB. Port 443 (TLS 1.3 policy) forwards to two weighted target groups:
  blue = the current servers as ``ip`` targets in the legacy VPC (``availability_zone="all"``, reached
  through a same-account VPC peering connection with routes both ways), green = a ``lambda`` target
  group on one service's ``live`` alias (invoke permission for ``elasticloadbalancing.amazonaws.com``
  scoped to the target group ARN, created before the attachment). Port 80 only redirects.
* ``route53``: two weighted records (set identifiers ``blue``/``green``) for one name, each with a
  Route 53 health check. A weighted set must share one record type, so the type follows blue: a
  host name without an alias zone gives CNAME records for both colors (a CNAME to a CloudFront or
  API Gateway domain works when that domain lists the record name as an alternate domain name);
  IPs or an alias-able blue (an ALB) give A records, green then as an alias A record.
* ``alias``: no resources here; ``alias_weights`` gives ``ServerlessAppArgs.alias_weights`` so each
  ``live`` alias keeps the pinned stable version as its primary and sends ``greenWeight`` percent to
  the newest version as its additional version (rollback: clear the additional weights).

Both colors stay registered at weight 0 and 100 (rollback is one weight change); only the cleanup
path (``cutover:retire``) removes a color, which the caller expresses by passing ``None`` for it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.alb import log_delivery_principal
from components.bucket import SecureBucket, SecureBucketArgs
from cutover.config import EnvironmentSettings, LifecycleConfig
from cutover.config.traffic import BlueVariant, FrontDoorKind, TrafficConfig
from cutover.naming import Kind, Namer
from cutover.weights import alb_split, alias_fraction, route53_split

CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2"  # every CloudFront distribution's alias hosted zone
ALIAS_NAME = "live"
BLUE, GREEN = "blue", "green"


@dataclass(frozen=True)
class Endpoint:
    """One color as the front door sees it (all optional: each kind reads what it needs)."""

    dns_name: pulumi.Input[str] | None = None  # CNAME value or alias target
    zone_id: pulumi.Input[str] | None = None  # alias target's hosted zone (CloudFront, ALB, API domain)
    ips: tuple[str, ...] = ()  # ALB ip targets (alb) or A record values (route53)
    alias_arn: pulumi.Input[str] | None = None  # alb kind, green: the service's live alias ARN
    health_check_fqdn: pulumi.Input[str] | None = None  # Route 53 health check host (default dns_name)
    health_check_path: str = "/health"
    port: int = 443
    protocol: str = "HTTPS"


@dataclass(frozen=True)
class AlbPlacement:
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    subnet_ids: Sequence[pulumi.Input[str]]  # public subnets, at least two AZs
    # Route tables of those subnets: they get the route to the peered legacy VPC. They must not
    # declare inline routes (an inline route list would remove a separate aws.ec2.Route).
    route_table_ids: Sequence[pulumi.Input[str]] = ()


@dataclass(frozen=True)
class FrontDoorArgs:
    config: TrafficConfig
    namer: Namer
    env: EnvironmentSettings
    green_weight: int
    account_id: str
    region: str
    blue: Endpoint | None  # None once blue is retired (or for a green-only front door)
    green: Endpoint | None  # None once green is retired
    placement: AlbPlacement | None = None  # alb kind
    web_acl_arn: pulumi.Input[str] | None = None  # alb kind: a REGIONAL WebAcl.arn on the load balancer
    function_names: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)  # alias kind: service -> name


@dataclass(frozen=True)
class RollbackTarget:
    """What the rollback Lambda changes (its environment and IAM resources), per front door kind."""

    kind: FrontDoorKind
    listener_arn: pulumi.Input[str] | None = None
    blue_target_group_arn: pulumi.Input[str] | None = None
    green_target_group_arn: pulumi.Input[str] | None = None
    zone_id: str | None = None
    record_name: str | None = None
    record_type: str | None = None
    blue_set_identifier: str = BLUE
    green_set_identifier: str = GREEN
    function_names: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    alias_name: str = ALIAS_NAME


def alias_weights(config: TrafficConfig, green_weight: int, retired_blue: bool) -> dict[str, tuple[str, float]]:
    """``ServerlessAppArgs.alias_weights`` for the alias kind: service -> (stable version, green fraction).

    The pinned stable version (blue) is the alias's primary version; the newest published version
    (green) is the additional version at exactly ``green_weight / 100``. At 100 the stable version
    stays primary with green at weight 1.0, so the rollback Lambda still only has to clear the
    additional weights; ``retire=blue`` (or no pinned version) leaves the new version alone.
    """
    if config.kind is not FrontDoorKind.ALIAS or retired_blue:
        return {}
    green = alias_fraction(green_weight)
    return {svc: (version, green) for svc, version in sorted(config.stable_versions.items())}


def record_type(config: TrafficConfig, green_zone: bool) -> str:
    """The weighted set's type, fixed by blue's config so retiring a color never replaces a record."""
    blue = config.blue
    if blue.targets:
        return "A"
    if blue.zone_id is not None or blue.variant is BlueVariant.ECS:
        return "A"
    return "CNAME" if not green_zone or blue.dns_name else "A"


class FrontDoor(pulumi.ComponentResource):
    kind: FrontDoorKind
    green_share: float  # percent of traffic on green, from the weights actually configured
    # alb
    load_balancer: aws.lb.LoadBalancer | None
    listener_arn: pulumi.Output[str] | None
    load_balancer_arn_suffix: pulumi.Output[str] | None
    dns_name: pulumi.Output[str] | None
    target_group_arns: dict[str, pulumi.Output[str]]  # by color
    target_group_arn_suffixes: dict[str, pulumi.Output[str]]
    security_group_id: pulumi.Output[str] | None  # legacy servers must admit it (blue port)
    peering_connection_id: pulumi.Output[str] | None
    # route53
    zone_id: str | None
    record_name: str | None
    record_type: str | None
    set_identifiers: dict[str, str]
    health_check_ids: dict[str, pulumi.Output[str]]
    # alias
    function_names: dict[str, pulumi.Input[str]]

    def __init__(self, name: str, args: FrontDoorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:traffic:FrontDoor", name, None, opts)
        self._name, self._args = name, args
        cfg = args.config
        self.kind = cfg.kind
        self.load_balancer = None
        self.listener_arn = self.load_balancer_arn_suffix = self.dns_name = None
        self.security_group_id = self.peering_connection_id = None
        self.target_group_arns, self.target_group_arn_suffixes = {}, {}
        self.zone_id = self.record_name = self.record_type = None
        self.set_identifiers, self.health_check_ids = {}, {}
        self.function_names = {}
        if args.blue is None and args.green is None:
            raise ValueError("a front door needs at least one color")
        if cfg.kind is FrontDoorKind.ALB:
            self.green_share = self._alb()
        elif cfg.kind is FrontDoorKind.ROUTE53:
            self.green_share = self._route53()
        elif cfg.kind is FrontDoorKind.ALIAS:
            self.function_names = dict(args.function_names)
            self.green_share = float(args.green_weight)
        else:
            raise ValueError("frontDoor.kind none builds no front door")
        self.register_outputs({
            "kind": cfg.kind.value, "greenShare": self.green_share, "listenerArn": self.listener_arn,
            "targetGroupArns": self.target_group_arns, "recordName": self.record_name,
            "healthCheckIds": self.health_check_ids, "functionNames": self.function_names,
        })

    @property
    def rollback_target(self) -> RollbackTarget:
        return RollbackTarget(
            kind=self.kind, listener_arn=self.listener_arn,
            blue_target_group_arn=self.target_group_arns.get(BLUE),
            green_target_group_arn=self.target_group_arns.get(GREEN),
            zone_id=self.zone_id, record_name=self.record_name, record_type=self.record_type,
            function_names=self.function_names)

    # --- alb -------------------------------------------------------------------------------------
    def _alb(self) -> float:
        args, cfg, name = self._args, self._args.config, self._name
        fd, namer = cfg.front_door, args.namer
        child = pulumi.ResourceOptions(parent=self)
        placement = args.placement
        if placement is None:
            raise ValueError("the alb front door needs an AlbPlacement (public subnets of the stack's VPC)")

        sg_name = namer.name(Kind.SECURITY_GROUP, "front")
        sg = aws.ec2.SecurityGroup(f"{name}-sg", name=sg_name, vpc_id=placement.vpc_id, tags={"Name": sg_name},
                                   description="Front door ALB: HTTPS (and the HTTP redirect) from the internet",
                                   opts=child)
        for port in (443, 80):
            aws.vpc.SecurityGroupIngressRule(f"{name}-in-{port}", security_group_id=sg.id, ip_protocol="tcp",
                                             from_port=port, to_port=port, cidr_ipv4="0.0.0.0/0",
                                             description="HTTPS" if port == 443 else "redirect to HTTPS", opts=child)
        self.security_group_id = sg.id

        logs = self._access_log_bucket()
        self.load_balancer = aws.lb.LoadBalancer(
            name, name=namer.name(Kind.LOAD_BALANCER, "front"), load_balancer_type="application", internal=False,
            security_groups=[sg.id], subnets=list(placement.subnet_ids), drop_invalid_header_fields=True,
            enable_deletion_protection=args.env.deletion_protection, idle_timeout=60,
            access_logs={"bucket": logs.bucket_name, "enabled": True, "prefix": "front"},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs]))
        if args.web_acl_arn is not None:
            aws.wafv2.WebAclAssociation(f"{name}-waf", resource_arn=self.load_balancer.arn,
                                        web_acl_arn=args.web_acl_arn, opts=child)

        split = alb_split(args.green_weight)
        forward: list[dict[str, Any]] = []
        if args.blue is not None:
            blue_tg = self._blue_target_group(args.blue, placement, sg)
            forward.append({"arn": blue_tg.arn, "weight": split.blue})
        if args.green is not None:
            green_tg = self._green_target_group(args.green)
            forward.append({"arn": green_tg.arn, "weight": split.green})
        # A retired color is absent; retire=blue implies greenWeight=100 and retire=green implies 0, so
        # the remaining target group already carries weight 100.
        listener = aws.lb.Listener(
            f"{name}-https", load_balancer_arn=self.load_balancer.arn, port=443, protocol="HTTPS",
            ssl_policy=fd.ssl_policy, certificate_arn=fd.certificate_arn,
            default_actions=[{"type": "forward", "forward": {
                "target_groups": forward, "stickiness": {"enabled": False, "duration": 1}}}],
            opts=child)
        aws.lb.Listener(
            f"{name}-http", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
            default_actions=[{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443",
                                                              "status_code": "HTTP_301"}}], opts=child)
        if fd.zone_id and fd.record_name:
            # The site's name moves to the ALB once, at weight 0 (blue still answers behind it). It
            # replaces the record that pointed at the servers, and stays through the cleanup path.
            aws.route53.Record(
                f"{name}-dns", zone_id=fd.zone_id, name=fd.record_name, type="A", allow_overwrite=True,
                aliases=[{"name": self.load_balancer.dns_name, "zone_id": self.load_balancer.zone_id,
                          "evaluate_target_health": True}], opts=child)
        self.listener_arn = listener.arn
        self.load_balancer_arn_suffix = self.load_balancer.arn_suffix
        self.dns_name = self.load_balancer.dns_name
        green = split.green if args.green is not None else 0
        blue = split.blue if args.blue is not None else 0
        return 0.0 if blue + green == 0 else 100.0 * green / (blue + green)

    def _access_log_bucket(self) -> SecureBucket:
        args = self._args
        bucket_name = args.namer.bucket("front-logs", args.account_id)
        arn = f"arn:aws:s3:::{bucket_name}/front/AWSLogs/{args.account_id}/*"
        statement = {"Sid": "ElbAccessLogs", "Effect": "Allow", "Principal": log_delivery_principal(args.region),
                     "Action": "s3:PutObject",
                     "Resource": arn}
        return SecureBucket(
            f"{self._name}-logs",
            SecureBucketArgs(bucket_name=bucket_name, versioning=args.env.bucket_versioning, retain=False,
                             lifecycle=LifecycleConfig(expire_days=max(args.env.log_retention_days, 30),
                                                       glacier_after_days=None, noncurrent_expire_days=7,
                                                       abort_incomplete_upload_days=1),
                             policy_statements=[statement]),  # ALB access logs support only SSE-S3
            opts=pulumi.ResourceOptions(parent=self))

    def _blue_target_group(self, blue: Endpoint, placement: AlbPlacement,
                           sg: aws.ec2.SecurityGroup) -> aws.lb.TargetGroup:
        args, name, cfg = self._args, self._name, self._args.config
        child = pulumi.ResourceOptions(parent=self)
        if not blue.ips:
            raise ValueError("the alb front door's blue needs ip targets")
        tg = aws.lb.TargetGroup(
            f"{name}-blue", name=args.namer.name(Kind.TARGET_GROUP, "blue"), target_type="ip",
            port=blue.port, protocol=blue.protocol, vpc_id=placement.vpc_id, deregistration_delay=30,
            health_check={"enabled": True, "path": blue.health_check_path, "protocol": blue.protocol,
                          "matcher": "200-399", "interval": 15, "healthy_threshold": 2, "unhealthy_threshold": 3},
            opts=child)
        peering = cfg.blue.peering
        deps: list[pulumi.Resource] = []
        if peering is not None:
            pcx = aws.ec2.VpcPeeringConnection(
                f"{name}-peering", vpc_id=placement.vpc_id, peer_vpc_id=peering.peer_vpc_id, auto_accept=True,
                tags={"Name": args.namer.name(Kind.GENERIC, "to-legacy")}, opts=child)
            self.peering_connection_id = pcx.id
            for i, rtb in enumerate(placement.route_table_ids):
                deps.append(aws.ec2.Route(f"{name}-to-legacy-{i}", route_table_id=rtb,
                                          destination_cidr_block=peering.peer_cidr,
                                          vpc_peering_connection_id=pcx.id, opts=child))
            for rtb in peering.peer_route_table_ids:
                aws.ec2.Route(f"{name}-from-legacy-{rtb}", route_table_id=rtb,
                              destination_cidr_block=placement.vpc_cidr, vpc_peering_connection_id=pcx.id,
                              opts=child)
        destinations = [peering.peer_cidr] if peering else sorted({str(ipaddress.ip_network(ip)) for ip in blue.ips})
        for cidr in destinations:
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-to-blue-{_slug(cidr)}", security_group_id=sg.id, ip_protocol="tcp", from_port=blue.port,
                to_port=blue.port, cidr_ipv4=cidr, description="blue servers (traffic and health checks)",
                opts=child)
        for ip in blue.ips:
            # Targets outside the load balancer's VPC register with availability_zone "all".
            aws.lb.TargetGroupAttachment(
                f"{name}-blue-{_slug(ip)}", target_group_arn=tg.arn, target_id=ip, port=blue.port,
                availability_zone="all", opts=pulumi.ResourceOptions(parent=self, depends_on=deps))
        self.target_group_arns[BLUE] = tg.arn
        self.target_group_arn_suffixes[BLUE] = tg.arn_suffix
        return tg

    def _green_target_group(self, green: Endpoint) -> aws.lb.TargetGroup:
        args, name = self._args, self._name
        child = pulumi.ResourceOptions(parent=self)
        if green.alias_arn is None:
            raise ValueError("the alb front door's green needs the service's live alias ARN")
        tg = aws.lb.TargetGroup(
            f"{name}-green", name=args.namer.name(Kind.TARGET_GROUP, "green"), target_type="lambda",
            lambda_multi_value_headers_enabled=False,
            health_check={"enabled": True, "path": args.config.front_door.health_check_path, "matcher": "200",
                          "interval": 35, "timeout": 30, "healthy_threshold": 2, "unhealthy_threshold": 2},
            opts=child)
        alias_arn = pulumi.Output.from_input(green.alias_arn)
        # arn:aws:lambda:<region>:<account>:function:<name>:<alias>
        permission = aws.lambda_.Permission(
            f"{name}-green-invoke", action="lambda:InvokeFunction",
            function=alias_arn.apply(lambda a: a.split(":")[6]), qualifier=alias_arn.apply(lambda a: a.split(":")[7]),
            principal="elasticloadbalancing.amazonaws.com", source_arn=tg.arn, opts=child)
        aws.lb.TargetGroupAttachment(f"{name}-green-alias", target_group_arn=tg.arn, target_id=alias_arn,
                                     opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]))
        self.target_group_arns[GREEN] = tg.arn
        self.target_group_arn_suffixes[GREEN] = tg.arn_suffix
        return tg

    # --- route53 ---------------------------------------------------------------------------------
    def _route53(self) -> float:
        args, cfg = self._args, self._args.config
        fd = cfg.front_door
        assert fd.zone_id is not None and fd.record_name is not None  # the parser requires both
        green_zone = args.green is not None and args.green.zone_id is not None
        rtype = record_type(cfg, green_zone)
        self.zone_id, self.record_name, self.record_type = fd.zone_id, fd.record_name, rtype
        split = route53_split(args.green_weight)
        weights = {BLUE: split.blue, GREEN: split.green}
        present = {c: e for c, e in ((BLUE, args.blue), (GREEN, args.green)) if e is not None}
        for color, endpoint in present.items():
            check = self._health_check(color, endpoint)
            self._record(color, endpoint, rtype, weights[color], check)
            self.set_identifiers[color] = color
            self.health_check_ids[color] = check.id
        green = weights[GREEN] if GREEN in present else 0
        blue = weights[BLUE] if BLUE in present else 0
        return 0.0 if blue + green == 0 else 100.0 * green / (blue + green)

    def _health_check(self, color: str, ep: Endpoint) -> aws.route53.HealthCheck:
        fd = self._args.config.front_door
        path = fd.health_check_path if color == GREEN else ep.health_check_path
        fqdn = ep.health_check_fqdn or (ep.dns_name if not ep.ips else fd.record_name)
        https = ep.protocol == "HTTPS"
        return aws.route53.HealthCheck(
            f"{self._name}-{color}", type="HTTPS" if https else "HTTP", fqdn=fqdn,
            ip_address=ep.ips[0] if ep.ips else None, port=ep.port, resource_path=path,
            enable_sni=https or None, failure_threshold=3, request_interval=30,
            tags={"Name": self._args.namer.name(Kind.GENERIC, "front", color)},
            opts=pulumi.ResourceOptions(parent=self))

    def _record(self, color: str, ep: Endpoint, rtype: str, weight: int, check: aws.route53.HealthCheck) -> None:
        fd = self._args.config.front_door
        common: dict[str, Any] = {
            "zone_id": fd.zone_id, "name": fd.record_name, "type": rtype, "set_identifier": color,
            "weighted_routing_policies": [{"weight": weight}], "health_check_id": check.id,
        }
        if rtype == "CNAME":
            if ep.dns_name is None:
                raise ValueError(f"the {color} record is a CNAME and needs a DNS name")
            common |= {"ttl": fd.ttl, "records": [ep.dns_name]}
        elif ep.ips:
            common |= {"ttl": fd.ttl, "records": list(ep.ips)}
        else:
            if ep.dns_name is None or ep.zone_id is None:
                raise ValueError(f"the weighted set is type A, so the {color} record must be an alias: it needs a "
                                 "DNS name and its hosted zone (CNAME and A cannot share a weighted set)")
            # CloudFront alias targets do not support evaluating target health; the health check covers it.
            evaluate = pulumi.Output.from_input(ep.zone_id).apply(lambda z: z != CLOUDFRONT_ZONE_ID)
            common |= {"aliases": [{"name": ep.dns_name, "zone_id": ep.zone_id, "evaluate_target_health": evaluate}]}
        aws.route53.Record(f"{self._name}-{color}", **common, opts=pulumi.ResourceOptions(parent=self))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
