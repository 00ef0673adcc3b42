"""An SNS topic that CloudWatch alarms (and, for the stack's alerts, AWS Budgets) publish to,
encrypted at rest with a customer-managed key.

Encrypted topics and AWS publishers (Amazon SNS developer guide, "Managing Amazon SNS encryption
keys and costs" > "Enable compatibility between event sources from AWS services and encrypted
topics", https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services):
the publisher must use a customer managed key (the AWS-managed ``alias/aws/sns`` key's policy
cannot be edited and does not admit CloudWatch or Budgets: the alarm history then shows "CloudWatch
Alarms does not have authorization to access the SNS topic encryption key"), and the key policy
must allow the publishing service principal ``kms:GenerateDataKey*`` and ``kms:Decrypt``. SNS
itself needs no statement in the key policy: it calls KMS with the publisher's permission.

Each publisher gets its own statement, in the key policy and in the topic policy, scoped against
the confused deputy with the global condition keys AWS documents for it:

* CloudWatch alarms (``cloudwatch.amazonaws.com``): ``aws:SourceAccount`` = this account and
  ``aws:SourceArn`` like ``arn:aws:cloudwatch:<region>:<account>:alarm:*`` (SNS developer guide,
  "Example cases for Amazon SNS access control"; the alarm's ARN is the source of its publish).
* AWS Budgets (``budgets.amazonaws.com``), only on the topic that receives budget notifications:
  ``aws:SourceAccount`` and ``aws:SourceArn`` like ``arn:aws:budgets::<account>:*`` (AWS Cost
  Management user guide, "Creating an Amazon SNS topic for budget notifications",
  https://docs.aws.amazon.com/cost-management/latest/userguide/budgets-sns-policy.html). Budgets
  ARNs have no region.

No EventBridge rule publishes to these topics. If one ever does, note that EventBridge does not
send ``aws:SourceAccount``/``aws:SourceArn`` to KMS: its key statement must go without them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.specs.existing import partition_of
from cutover.naming import Kind, Namer

CLOUDWATCH = "cloudwatch.amazonaws.com"
BUDGETS = "budgets.amazonaws.com"
PUBLISHERS = (CLOUDWATCH, BUDGETS)  # what a topic admits unless told otherwise
KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey*")


def source_conditions(service: str, account: str, region: str) -> dict[str, Any]:
    """The confused-deputy conditions AWS documents for ``service`` publishing to a topic."""
    if service == CLOUDWATCH:
        source = f"arn:aws:cloudwatch:{region}:{account}:alarm:*"
    elif service == BUDGETS:
        source = f"arn:aws:budgets::{account}:*"
    else:
        raise ValueError(f"no documented publisher conditions for {service}")
    return {"StringEquals": {"aws:SourceAccount": account}, "ArnLike": {"aws:SourceArn": source}}


def key_policy(account: str, region: str, publishers: Sequence[str]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AccountAdministers", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
         "Action": "kms:*", "Resource": "*"},
        *[{"Sid": f"{_sid(p)}PublishesEncrypted", "Effect": "Allow", "Principal": {"Service": p},
           "Action": list(KEY_ACTIONS), "Resource": "*", "Condition": source_conditions(p, account, region)}
          for p in publishers],
    ]}


def topic_policy(topic_arn: str, account: str, region: str, publishers: Sequence[str]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        *[{"Sid": f"{_sid(p)}Publishes", "Effect": "Allow", "Principal": {"Service": p}, "Action": "SNS:Publish",
           "Resource": topic_arn, "Condition": source_conditions(p, account, region)} for p in publishers],
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "SNS:Publish",
         "Resource": topic_arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    ]}


def _sid(service: str) -> str:
    sids = {CLOUDWATCH: "CloudWatchAlarms", BUDGETS: "Budgets"}
    if service not in sids:
        raise ValueError(f"no documented publisher conditions for {service}")
    return sids[service]


@dataclass(frozen=True)
class AlertTopicArgs:
    namer: Namer
    purpose: str  # "alerts", "rollback"
    account_id: str
    email: str = ""  # subscribed when set (the subscriber confirms by email)
    _: KW_ONLY
    region: str  # the alarms' region (their ARNs in aws:SourceArn)
    publishers: tuple[str, ...] = PUBLISHERS  # the rollback topic takes alarms only: (CLOUDWATCH,)


def topic_arn(namer: Namer, purpose: str, region: str, account_id: str) -> str:
    """The ARN ``AlertTopic(purpose)`` will have, known before it exists, for alarms built earlier in the
    program (the NAT instance's): arn:<partition>:sns:<region>:<account>:<name> (SNS API reference, ARN format)."""
    return f"arn:{partition_of(region)}:sns:{region}:{account_id}:{namer.name(Kind.SNS_TOPIC, purpose)}"


class AlertTopic(pulumi.ComponentResource):
    topic: aws.sns.Topic
    arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AlertTopicArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:monitoring:AlertTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        account = args.account_id
        key = aws.kms.Key(f"{name}-key", description=f"{args.namer.prefix} {args.purpose} topic encryption",
                          enable_key_rotation=True, deletion_window_in_days=30,
                          policy=json.dumps(key_policy(account, args.region, args.publishers), sort_keys=True),
                          opts=child)
        self.topic = aws.sns.Topic(name, name=args.namer.name(Kind.SNS_TOPIC, args.purpose),
                                   kms_master_key_id=key.arn, opts=child)
        aws.sns.TopicPolicy(
            f"{name}-policy", arn=self.topic.arn,
            policy=self.topic.arn.apply(lambda arn: json.dumps(
                topic_policy(arn, account, args.region, args.publishers), sort_keys=True)), opts=child)
        if args.email:
            aws.sns.TopicSubscription(f"{name}-email", topic=self.topic.arn, protocol="email",
                                      endpoint=args.email, opts=child)
        self.arn = self.topic.arn
        self.key_arn = key.arn
        self.register_outputs({"arn": self.arn})
