"""The container app's internet-facing Application Load Balancer.

* HTTPS on 443 with a TLS 1.3 policy and the ACM certificate from config; it forwards to the
  app's ``ip`` target group. The blue/green step turns that default action into a weighted
  forward (``https_listener_arn``; ``new_target_group`` builds more groups with the same settings).
* Port 80 only redirects to HTTPS (301).
* Its security group is the only one open to the internet, and only on 80/443 (IPv4 and IPv6).
  With CloudFront in front (``cloudfront_only``) ingress is 443 from the CloudFront
  origin-facing managed prefix list instead. A prefix-list reference counts as the list's
  max entries (55) against the 60-rules-per-group quota, so there is exactly one such rule, and
  port 80 (only a redirect) is not opened. Egress reaches only the VPC CIDR on the app's port.
  The prefix list admits every CloudFront distribution, anyone's: so the listener forwards only
  requests carrying ``X-Origin-Verify`` with this ALB's secret (``origin_verify``, which the
  stack's distribution adds as an origin custom header) and answers 403 to everything else.
* Access logs go to a ``SecureBucket`` with SSE-S3 (ALB log delivery does not support KMS). In prod
  (``protect_stateful``) the bucket is retained: protected, no ``forceDestroy``, ``retain_on_delete``,
  so retiring or destroying the load balancer leaves the logs in AWS until the lifecycle rule
  (``alb.accessLogDays``) expires them. Dev's bucket goes with the stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from components.alarms import DeclaredAlarm, alb_alarms
from components.bucket import SecureBucket, SecureBucketArgs
from components.specs.container import AlbConfig
from components.specs.environment import EnvironmentSettings
from components.specs.storage import LifecycleConfig
from cutover.naming import Kind, Namer

CLOUDFRONT_ORIGIN_FACING = "com.amazonaws.global.cloudfront.origin-facing"
ORIGIN_VERIFY_HEADER = "X-Origin-Verify"
LOG_PREFIX = "alb"
# Elastic Load Balancing's log-delivery account per region, for the regions available before
# August 2022 (ALB user guide, "Enable access logs"); newer regions deliver as the
# logdelivery.elasticloadbalancing.amazonaws.com service principal.
ELB_LOG_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "af-south-1": "098369216593", "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580", "ap-south-1": "718504428378", "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864", "ca-central-1": "985666609251", "eu-central-1": "054676820928",
    "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
    "eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
}
ELB_LOG_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"


def log_delivery_principal(region: str) -> dict[str, str]:
    account = ELB_LOG_ACCOUNTS.get(region)
    return {"AWS": f"arn:aws:iam::{account}:root"} if account else {"Service": ELB_LOG_SERVICE}


@dataclass(frozen=True)
class AlbArgs:
    config: AlbConfig
    namer: Namer
    env: EnvironmentSettings
    region: str
    account_id: str
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    subnet_ids: Sequence[pulumi.Input[str]]  # public subnets, at least two AZs
    target_port: int  # the container port
    health_check_path: str
    deregistration_delay: int = 30
    cloudfront_only: bool = False  # ingress only from CloudFront's origin-facing prefix list
    web_acl_arn: pulumi.Input[str] | None = None  # a REGIONAL WebAcl.arn
    purpose: str = "app"  # part of every physical name


class AppLoadBalancer(pulumi.ComponentResource):
    load_balancer: aws.lb.LoadBalancer
    target_group: aws.lb.TargetGroup
    https_listener: aws.lb.Listener
    http_listener: aws.lb.Listener
    https_listener_arn: pulumi.Output[str]  # blue/green: weighted forward on this listener
    http_listener_arn: pulumi.Output[str]
    target_group_arn: pulumi.Output[str]
    target_group_arn_suffix: pulumi.Output[str]  # CloudWatch TargetGroup dimension
    arn: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]  # CloudWatch LoadBalancer dimension
    dns_name: pulumi.Output[str]
    zone_id: pulumi.Output[str]  # for Route 53 alias records
    security_group_id: pulumi.Output[str]  # targets admit this group
    origin_domain: str | None  # the name CloudFront uses (covered by the certificate)
    log_bucket: SecureBucket
    origin_verify: pulumi.Output[str] | None  # secret: the header value CloudFront must send (cloudfront_only)

    def __init__(self, name: str, args: AlbArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:ecs:AppLoadBalancer", name, None, opts)
        self._name, self._args = name, args
        cfg, namer = args.config, args.namer
        child = pulumi.ResourceOptions(parent=self)

        sg_name = namer.name(Kind.SECURITY_GROUP, "alb", args.purpose)
        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", name=sg_name, vpc_id=args.vpc_id, tags={"Name": sg_name},
            description="ALB: HTTPS (and the HTTP redirect) in; only the app port inside the VPC out", opts=child)
        if args.cloudfront_only:
            prefix_list = aws.ec2.get_managed_prefix_list_output(
                name=CLOUDFRONT_ORIGIN_FACING, opts=pulumi.InvokeOutputOptions(parent=self))
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-in-443-cloudfront", security_group_id=sg.id, ip_protocol="tcp", from_port=443, to_port=443,
                prefix_list_id=prefix_list.id, description="HTTPS from CloudFront origin-facing servers only",
                opts=child)
        else:
            for port in (443, 80):
                for family, cidr in (("ipv4", {"cidr_ipv4": "0.0.0.0/0"}), ("ipv6", {"cidr_ipv6": "::/0"})):
                    aws.vpc.SecurityGroupIngressRule(
                        f"{name}-in-{port}-{family}", security_group_id=sg.id, ip_protocol="tcp", from_port=port,
                        to_port=port, description="HTTPS" if port == 443 else "HTTP, redirected to HTTPS",
                        opts=child, **cidr)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-out-targets", security_group_id=sg.id, ip_protocol="tcp", from_port=args.target_port,
            to_port=args.target_port, cidr_ipv4=args.vpc_cidr, description="to the app's tasks (and health checks)",
            opts=child)
        self.security_group_id = sg.id

        self.log_bucket = self._log_bucket()
        lb_name = namer.name(Kind.LOAD_BALANCER, args.purpose)
        self.load_balancer = aws.lb.LoadBalancer(
            name, name=lb_name, load_balancer_type="application", internal=False, ip_address_type="ipv4",
            subnets=list(args.subnet_ids), security_groups=[sg.id], drop_invalid_header_fields=True,
            enable_deletion_protection=args.env.is_prod, idle_timeout=cfg.idle_timeout,
            desync_mitigation_mode="defensive",
            access_logs={"bucket": self.log_bucket.bucket_name, "enabled": True, "prefix": LOG_PREFIX},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_bucket]))

        self.target_group = self.new_target_group(args.purpose)
        self.origin_verify = None
        forward = {"type": "forward", "target_group_arn": self.target_group.arn}
        default = forward
        if args.cloudfront_only:
            self.origin_verify = random.RandomPassword(f"{name}-origin-verify", length=40, special=False,
                                                       opts=child).result
            default = {"type": "fixed-response", "fixed_response": {
                "content_type": "text/plain", "message_body": "Forbidden", "status_code": "403"}}
        self.https_listener = aws.lb.Listener(
            f"{name}-https", load_balancer_arn=self.load_balancer.arn, port=443, protocol="HTTPS",
            ssl_policy=cfg.ssl_policy, certificate_arn=cfg.certificate_arn, default_actions=[default], opts=child)
        self.https_rules: list[aws.lb.ListenerRule] = []
        if self.origin_verify is not None:
            self.https_rules.append(aws.lb.ListenerRule(
                # The last rule (50000 is the highest priority number): path rules added later win.
                f"{name}-from-cloudfront", listener_arn=self.https_listener.arn, priority=50000,
                conditions=self.origin_conditions(), actions=[forward], opts=child))
        self.http_listener = aws.lb.Listener(
            f"{name}-http", load_balancer_arn=self.load_balancer.arn, port=80, protocol="HTTP",
            default_actions=[{"type": "redirect",
                              "redirect": {"protocol": "HTTPS", "port": "443", "status_code": "HTTP_301"}}],
            opts=child)
        if args.web_acl_arn is not None:
            aws.wafv2.WebAclAssociation(f"{name}-waf", resource_arn=self.load_balancer.arn,
                                        web_acl_arn=args.web_acl_arn, opts=child)
        self.origin_domain = cfg.domain_name
        if cfg.zone_id and cfg.domain_name:
            aws.route53.Record(
                f"{name}-origin", zone_id=cfg.zone_id, name=cfg.domain_name, type="A",
                aliases=[{"name": self.load_balancer.dns_name, "zone_id": self.load_balancer.zone_id,
                          "evaluate_target_health": True}], opts=child)

        self.https_listener_arn = self.https_listener.arn
        self.http_listener_arn = self.http_listener.arn
        self.target_group_arn = self.target_group.arn
        self.target_group_arn_suffix = self.target_group.arn_suffix
        self.arn = self.load_balancer.arn
        self.arn_suffix = self.load_balancer.arn_suffix
        self.dns_name = self.load_balancer.dns_name
        self.zone_id = self.load_balancer.zone_id
        self.register_outputs({
            "dnsName": self.dns_name, "zoneId": self.zone_id, "httpsListenerArn": self.https_listener_arn,
            "targetGroupArn": self.target_group_arn, "securityGroupId": self.security_group_id,
        })

    @property
    def public_name(self) -> pulumi.Input[str]:
        """The name its certificate covers when it has one (health checks, CloudFront), else its DNS name."""
        return self.origin_domain or self.dns_name

    def origin_conditions(self) -> list[dict[str, object]]:
        """Listener-rule conditions every forwarding rule adds behind CloudFront: the secret header."""
        if self.origin_verify is None:
            return []
        return [{"http_header": {"http_header_name": ORIGIN_VERIFY_HEADER, "values": [self.origin_verify]}}]

    def new_target_group(self, key: str, port: int | None = None, health_check_path: str | None = None,
                         parent: pulumi.Resource | None = None) -> aws.lb.TargetGroup:
        """An ``ip`` target group, by default for the app's port and health path; another service
        behind the same load balancer (a path rule) passes its own port, health path and parent."""
        args = self._args
        return aws.lb.TargetGroup(
            f"{self._name}-{key}", name=args.namer.name(Kind.TARGET_GROUP, key), target_type="ip",
            vpc_id=args.vpc_id, port=port or args.target_port, protocol="HTTP", protocol_version="HTTP1",
            deregistration_delay=args.deregistration_delay,
            health_check={"enabled": True, "path": health_check_path or args.health_check_path, "protocol": "HTTP",
                          "port": "traffic-port", "matcher": "200-399", "interval": 15, "timeout": 5,
                          "healthy_threshold": 2, "unhealthy_threshold": 3},
            opts=pulumi.ResourceOptions(parent=parent or self))

    def _log_bucket(self) -> SecureBucket:
        args = self._args
        bucket_name = args.namer.bucket(f"{args.purpose}-alb-logs", args.account_id)
        statement = {
            "Sid": "ElbAccessLogDelivery", "Effect": "Allow", "Principal": log_delivery_principal(args.region),
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket_name}/{LOG_PREFIX}/AWSLogs/{args.account_id}/*",
        }
        return SecureBucket(
            f"{self._name}-logs",
            # Versioned where the environment versions buckets (prod): old versions expire after a week.
            # Retained in prod: the logs outlive the load balancer (an incident review, an audit) and
            # expire by lifecycle, not with `pulumi destroy` or retireData.
            SecureBucketArgs(bucket_name=bucket_name, versioning=args.env.bucket_versioning,
                             retain=args.env.protect_stateful,
                             lifecycle=LifecycleConfig(expire_days=args.config.access_log_days, glacier_after_days=None,
                                                       noncurrent_expire_days=7, abort_incomplete_upload_days=1),
                             policy_statements=[statement], sse_algorithm="AES256"),  # ALB logs: SSE-S3 only
            opts=pulumi.ResourceOptions(parent=self))

    def monitoring_alarms(self, key: str, target_group: bool = True) -> list[DeclaredAlarm]:
        """5xx rate and latency of the load balancer (or, with target_group, of its default target group)."""
        return alb_alarms(key, self.arn_suffix, self.target_group_arn_suffix if target_group else None)
