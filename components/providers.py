"""The stack's AWS providers: every resource gets the default tags through one of them."""

from __future__ import annotations

import pulumi_aws as aws

from cutover.config import StackConfig


def aws_provider(cfg: StackConfig) -> aws.Provider:
    return aws.Provider("aws", region=cfg.region, default_tags=aws.ProviderDefaultTagsArgs(tags=cfg.tags))


def edge_provider(cfg: StackConfig, main: aws.Provider) -> aws.Provider:
    """CLOUDFRONT-scope web ACLs (and their log groups) must be created in us-east-1."""
    if cfg.region == "us-east-1":
        return main
    return aws.Provider("aws-us-east-1", region="us-east-1", default_tags=aws.ProviderDefaultTagsArgs(tags=cfg.tags))
