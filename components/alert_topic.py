"""An SNS topic that CloudWatch alarms and AWS Budgets can publish to, encrypted at rest.

CloudWatch and Budgets cannot use the AWS-managed ``alias/aws/sns`` key, so the topic gets a
customer-managed key (rotated yearly) whose policy lets those two services use it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from cutover.naming import Kind, Namer

PUBLISHERS = ("cloudwatch.amazonaws.com", "budgets.amazonaws.com")


@dataclass(frozen=True)
class AlertTopicArgs:
    namer: Namer
    purpose: str  # "alerts", "rollback"
    account_id: str
    email: str = ""  # subscribed when set (the subscriber confirms by email)


class AlertTopic(pulumi.ComponentResource):
    topic: aws.sns.Topic
    arn: pulumi.Output[str]
    key_arn: pulumi.Output[str]

    def __init__(self, name: str, args: AlertTopicArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:monitoring:AlertTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        account = args.account_id
        key_policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "AccountAdministers", "Effect": "Allow",
                 "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"},
                {"Sid": "AlarmPublishersEncrypt", "Effect": "Allow", "Principal": {"Service": list(PUBLISHERS)},
                 "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
                 "Condition": {"StringEquals": {"aws:SourceAccount": account}}},
            ],
        }
        key = aws.kms.Key(f"{name}-key", description=f"{args.namer.prefix} {args.purpose} topic encryption",
                          enable_key_rotation=True, deletion_window_in_days=30,
                          policy=json.dumps(key_policy, sort_keys=True), opts=child)
        self.topic = aws.sns.Topic(name, name=args.namer.name(Kind.SNS_TOPIC, args.purpose),
                                   kms_master_key_id=key.arn, opts=child)
        aws.sns.TopicPolicy(
            f"{name}-policy", arn=self.topic.arn,
            policy=self.topic.arn.apply(lambda arn: json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Sid": "AlarmPublishers", "Effect": "Allow",
                               "Principal": {"Service": list(PUBLISHERS)}, "Action": "SNS:Publish",
                               "Resource": arn, "Condition": {"StringEquals": {"aws:SourceAccount": account}}},
                              {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                               "Action": "SNS:Publish", "Resource": arn,
                               "Condition": {"Bool": {"aws:SecureTransport": "false"}}}],
            }, sort_keys=True)), opts=child)
        if args.email:
            aws.sns.TopicSubscription(f"{name}-email", topic=self.topic.arn, protocol="email",
                                      endpoint=args.email, opts=child)
        self.arn = self.topic.arn
        self.key_arn = key.arn
        self.register_outputs({"arn": self.arn})
