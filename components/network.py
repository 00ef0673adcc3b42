"""VPC with public, private and isolated subnets per AZ, NAT by mode, gateway endpoints, flow logs.

Security groups here never open anything to the world: the NAT instance accepts traffic from the
VPC CIDR only. The VPC's default security group is adopted and emptied so nothing can use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.specs.network import NatMode, NetworkConfig
from cutover import iam
from cutover.cidr import SubnetPlan
from cutover.naming import Kind, Namer

_ARM_FAMILIES = ("t4g.", "c6g.", "c7g.", "m6g.", "m7g.")
# Families the CloudWatch "recover" alarm action supports (EC2 user guide, "Recover your instance":
# EBS-only, default tenancy, and one of the listed types, which include A1, C3-C7g, M3-M7g, T2, T3,
# T3a, T4g). Every NAT instance type the network parser admits (t4g, t3, t3a, c6g, c7g) is here.
_RECOVERABLE_FAMILIES = ("t2.", "t3.", "t3a.", "t4g.", "c5.", "c6g.", "c7g.", "m5.", "m6g.", "m7g.")
_AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-{arch}"
# Turns an Amazon Linux 2023 instance into a NAT: forward and masquerade VPC traffic. The instance
# reaches the internet only once its Elastic IP is associated, which Pulumi does after the instance
# is running, while this script already runs: under `set -e` the first failed `dnf install` ended
# the boot, leaving an instance that forwards nothing and still passes its status checks. The
# install now retries with backoff for about seven minutes (15 s, 30 s, ... 105 s), which outlasts
# the association and a transient repository failure. No public address at launch instead: it
# would be a second public IPv4 address to pay for until the EIP replaces it, for one boot.
_NAT_USER_DATA = """#!/bin/bash
set -euo pipefail
for attempt in 1 2 3 4 5 6 7 8; do
  dnf install -y iptables-services && break
  [ "$attempt" -eq 8 ] && exit 1
  sleep $((attempt * 15))
done
systemctl enable --now iptables
echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/90-nat.conf
sysctl --system
IFACE=$(ip route show default | awk '{print $5; exit}')
iptables -t nat -A POSTROUTING -o "$IFACE" -j MASQUERADE
iptables -F FORWARD
service iptables save
"""


@dataclass(frozen=True)
class NetworkArgs:
    config: NetworkConfig
    namer: Namer
    region: str
    availability_zones: Sequence[str]  # from aws.get_availability_zones, at least az_count of them
    # Where the NAT instance's status-check alarms also notify (the stack's alert topic), besides acting:
    # recovering or rebooting an instance every private subnet's egress hangs on is worth a page.
    alert_topic_arn: pulumi.Input[str] | None = None


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    vpc_cidr: str
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]
    isolated_subnet_ids: list[pulumi.Output[str]]
    private_route_table_ids: list[pulumi.Output[str]]
    public_route_table_ids: list[pulumi.Output[str]]  # the front door adds peering routes here
    nat_mode: NatMode
    has_internet_egress: bool  # private subnets reach the internet (NAT)
    nat_instance_id: pulumi.Output[str] | None  # natMode instance: its id (health alarms recover it)

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:network:Network", name, None, opts)
        cfg = args.config
        self._name, self._args = name, args
        azs = list(args.availability_zones)[: cfg.az_count]
        if len(azs) < cfg.az_count:
            raise ValueError(f"network.azCount is {cfg.az_count} but {args.region} offers {len(azs)} AZs")
        child = pulumi.ResourceOptions(parent=self)
        self.nat_instance_id = None

        self.vpc = aws.ec2.Vpc(name, cidr_block=cfg.cidr, enable_dns_hostnames=True, enable_dns_support=True,
                               tags={"Name": args.namer.name(Kind.GENERIC, "vpc")}, opts=child)
        aws.ec2.DefaultSecurityGroup(f"{name}-default-sg", vpc_id=self.vpc.id, ingress=[], egress=[],
                                     tags={"Name": args.namer.name(Kind.GENERIC, "default-unused")}, opts=child)
        igw = aws.ec2.InternetGateway(f"{name}-igw", vpc_id=self.vpc.id, opts=child)

        subnets: dict[str, list[aws.ec2.Subnet]] = {"public": [], "private": [], "isolated": []}
        for plan in cfg.subnets():
            subnets[plan.tier].append(self._subnet(plan, azs[plan.az_index]))

        # Routes as separate resources, not inline: the blue/green front door adds a route to a peered
        # legacy VPC here, and an inline route list would delete any route it does not declare.
        public_rt = aws.ec2.RouteTable(f"{name}-public", vpc_id=self.vpc.id,
                                       tags={"Name": args.namer.name(Kind.GENERIC, "public")}, opts=child)
        aws.ec2.Route(f"{name}-public-internet", route_table_id=public_rt.id, destination_cidr_block="0.0.0.0/0",
                      gateway_id=igw.id, opts=child)
        for i, s in enumerate(subnets["public"]):
            aws.ec2.RouteTableAssociation(f"{name}-public-{_az(azs[i])}", subnet_id=s.id,
                                          route_table_id=public_rt.id, opts=child)

        egress = self._nat(cfg, azs, subnets["public"])
        private_rts = []
        for i, s in enumerate(subnets["private"]):
            routes = [egress[i]] if egress else []
            rt = aws.ec2.RouteTable(f"{name}-private-{_az(azs[i])}", vpc_id=self.vpc.id, routes=routes,
                                    tags={"Name": args.namer.name(Kind.GENERIC, "private", _az(azs[i]))}, opts=child)
            aws.ec2.RouteTableAssociation(f"{name}-private-{_az(azs[i])}", subnet_id=s.id, route_table_id=rt.id,
                                          opts=child)
            private_rts.append(rt)
        isolated_rt = aws.ec2.RouteTable(f"{name}-isolated", vpc_id=self.vpc.id, routes=[],
                                         tags={"Name": args.namer.name(Kind.GENERIC, "isolated")}, opts=child)
        for i, s in enumerate(subnets["isolated"]):
            aws.ec2.RouteTableAssociation(f"{name}-isolated-{_az(azs[i])}", subnet_id=s.id,
                                          route_table_id=isolated_rt.id, opts=child)

        endpoint_rts = [rt.id for rt in private_rts] + [isolated_rt.id]
        for service in cfg.gateway_endpoints:
            aws.ec2.VpcEndpoint(f"{name}-{service}-endpoint", vpc_id=self.vpc.id,
                                service_name=f"com.amazonaws.{args.region}.{service}", vpc_endpoint_type="Gateway",
                                route_table_ids=endpoint_rts, opts=child)
        if cfg.flow_logs:
            self._flow_logs()

        self.vpc_id = self.vpc.id
        self.vpc_cidr = cfg.cidr
        self.availability_zones = azs
        self.public_subnet_ids = [s.id for s in subnets["public"]]
        self.private_subnet_ids = [s.id for s in subnets["private"]]
        self.isolated_subnet_ids = [s.id for s in subnets["isolated"]]
        self.private_route_table_ids = [rt.id for rt in private_rts]
        self.public_route_table_ids = [public_rt.id]
        self.nat_mode = cfg.nat_mode
        self.has_internet_egress = cfg.nat_mode is not NatMode.NONE
        self.register_outputs({
            "vpcId": self.vpc_id, "publicSubnetIds": self.public_subnet_ids,
            "privateSubnetIds": self.private_subnet_ids, "isolatedSubnetIds": self.isolated_subnet_ids,
            "natInstanceId": self.nat_instance_id,
        })

    def _subnet(self, plan: SubnetPlan, az: str) -> aws.ec2.Subnet:
        return aws.ec2.Subnet(
            f"{self._name}-{plan.tier}-{_az(az)}", vpc_id=self.vpc.id, cidr_block=plan.cidr, availability_zone=az,
            map_public_ip_on_launch=False,  # nothing gets a public IP by accident, even in public subnets
            tags={"Name": self._args.namer.name(Kind.GENERIC, plan.tier, _az(az)), "cutover:tier": plan.tier},
            opts=pulumi.ResourceOptions(parent=self))

    def _nat(self, cfg: NetworkConfig, azs: list[str], public: list[aws.ec2.Subnet]) -> list[dict[str, object]]:
        """One default route per private subnet (by AZ index), or none without NAT."""
        child = pulumi.ResourceOptions(parent=self)
        if cfg.nat_mode is NatMode.NONE:
            return []
        if cfg.nat_mode is NatMode.INSTANCE:
            eni = self._nat_instance(cfg, public[0])
            return [{"cidr_block": "0.0.0.0/0", "network_interface_id": eni} for _ in azs]
        count = len(azs) if cfg.nat_mode is NatMode.GATEWAY_PER_AZ else 1
        gateways = []
        for i in range(count):
            eip = aws.ec2.Eip(f"{self._name}-nat-{_az(azs[i])}", domain="vpc", opts=child)
            gateways.append(aws.ec2.NatGateway(f"{self._name}-nat-{_az(azs[i])}", allocation_id=eip.id,
                                               subnet_id=public[i].id, connectivity_type="public", opts=child))
        return [{"cidr_block": "0.0.0.0/0", "nat_gateway_id": gateways[i if count > 1 else 0].id}
                for i in range(len(azs))]

    def _nat_instance(self, cfg: NetworkConfig, subnet: aws.ec2.Subnet) -> pulumi.Output[str]:
        child = pulumi.ResourceOptions(parent=self)
        arch = "arm64" if cfg.nat_instance_type.startswith(_ARM_FAMILIES) else "x86_64"
        ami = aws.ssm.get_parameter_output(name=_AMI_PARAMETER.format(arch=arch),
                                           opts=pulumi.InvokeOutputOptions(parent=self))
        sg = aws.ec2.SecurityGroup(
            f"{self._name}-nat", vpc_id=self.vpc.id, description="NAT instance: VPC traffic in, internet out",
            ingress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": [cfg.cidr],
                      "description": "traffic from inside the VPC only"}],
            egress=[{"protocol": "-1", "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"],
                     "description": "forwarded traffic to the internet"}],
            opts=child)
        instance = aws.ec2.Instance(
            f"{self._name}-nat", ami=ami.value, instance_type=cfg.nat_instance_type, subnet_id=subnet.id,
            # source_dest_check off: a NAT forwards packets neither addressed to nor sent by itself,
            # which EC2 drops otherwise (VPC user guide, "NAT instances").
            vpc_security_group_ids=[sg.id], source_dest_check=False, user_data=_NAT_USER_DATA,
            user_data_replace_on_change=True, monitoring=False,
            metadata_options={"http_tokens": "required", "http_endpoint": "enabled", "http_put_response_hop_limit": 1},
            root_block_device={"encrypted": True, "volume_type": "gp3", "volume_size": 8,
                               "delete_on_termination": True},
            tags={"Name": self._args.namer.name(Kind.GENERIC, "nat")},
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["ami"]))  # patch in place, not on every AMI
        aws.ec2.Eip(f"{self._name}-nat-instance", domain="vpc", instance=instance.id, opts=child)
        self._nat_health(cfg, instance)
        eni: pulumi.Output[str] = instance.primary_network_interface_id
        return eni

    def _nat_health(self, cfg: NetworkConfig, instance: aws.ec2.Instance) -> None:
        """Every private subnet's egress hangs on this one instance: recover it on a failed system
        check (hardware, host network) and reboot it on a failed instance check (a hung OS)."""
        if not cfg.nat_instance_type.startswith(_RECOVERABLE_FAMILIES):
            raise ValueError(f"{cfg.nat_instance_type} does not support the EC2 recover alarm action")
        region, child = self._args.region, pulumi.ResourceOptions(parent=self)
        notify = [self._args.alert_topic_arn] if self._args.alert_topic_arn is not None else []
        # Alarm actions AWS/EC2 per-instance alarms take (CloudWatch API, PutMetricAlarm AlarmActions:
        # arn:aws:automate:region:ec2:recover | reboot).
        for check, action in (("System", "recover"), ("Instance", "reboot")):
            aws.cloudwatch.MetricAlarm(
                f"{self._name}-nat-{check.lower()}-check",
                name=self._args.namer.name(Kind.ALARM, "nat", check.lower(), "check"),
                alarm_description=f"NAT instance failed its {check.lower()} status check: EC2 {action}s it",
                namespace="AWS/EC2", metric_name=f"StatusCheckFailed_{check}", dimensions={"InstanceId": instance.id},
                statistic="Maximum", period=60, evaluation_periods=2, datapoints_to_alarm=2, threshold=1,
                comparison_operator="GreaterThanOrEqualToThreshold", treat_missing_data="missing",
                alarm_actions=[f"arn:aws:automate:{region}:ec2:{action}", *notify], opts=child)
        self.nat_instance_id = instance.id

    def _flow_logs(self) -> None:
        args, child = self._args, pulumi.ResourceOptions(parent=self)
        group = aws.cloudwatch.LogGroup(
            f"{self._name}-flow-logs", name=args.namer.path("vpc-flow-logs"),
            retention_in_days=args.config.flow_log_retention_days, opts=child)
        role = aws.iam.Role(f"{self._name}-flow-logs", name=args.namer.name(Kind.IAM_ROLE, "vpc-flow-logs"),
                            assume_role_policy=iam.assume_role("vpc-flow-logs.amazonaws.com"), opts=child)
        aws.iam.RolePolicy(
            f"{self._name}-flow-logs", role=role.id,
            policy=group.arn.apply(lambda arn: iam.document(iam.statement(
                ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], [arn, f"{arn}:*"]))),
            opts=child)
        aws.ec2.FlowLog(f"{self._name}-flow-logs", vpc_id=self.vpc.id, traffic_type="ALL",
                        log_destination_type="cloud-watch-logs", log_destination=group.arn,
                        iam_role_arn=role.arn, max_aggregation_interval=600, opts=child)


def _az(az: str) -> str:
    """``us-east-1a`` -> ``a``: children are keyed by AZ letter, never by list position."""
    return az[-1]
