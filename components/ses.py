"""SES domain identity with Easy DKIM (seed 003's "domain verification for sending emails").

The DNS records to publish are outputs: three DKIM CNAMEs
``<token>._domainkey.<domain> -> <token>.dkim.amazonses.com``, plus, with a custom MAIL FROM
domain, its MX and SPF TXT records. Leaving the SES sandbox is an account-level support request.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.refs import StoreRef
from components.specs.datastores import EmailConfig

SEND_ACTIONS = ("ses:SendEmail", "ses:SendRawEmail")


@dataclass(frozen=True)
class EmailArgs:
    config: EmailConfig
    region: str


class EmailSender(pulumi.ComponentResource):
    identity: aws.ses.DomainIdentity
    identity_arn: pulumi.Output[str]
    dkim_tokens: pulumi.Output[list[str]]
    dkim_records: pulumi.Output[list[dict[str, str]]]  # CNAMEs to create in the domain's DNS
    mail_from_records: list[dict[str, str]]

    def __init__(self, name: str, args: EmailArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("cutover:data:EmailSender", name, None, opts)
        cfg = args.config
        child = pulumi.ResourceOptions(parent=self)
        self.identity = aws.ses.DomainIdentity(name, domain=cfg.domain, opts=child)
        dkim = aws.ses.DomainDkim(f"{name}-dkim", domain=self.identity.domain, opts=child)
        self.mail_from_records = []
        if cfg.mail_from_domain:
            aws.ses.MailFrom(f"{name}-mail-from", domain=self.identity.domain,
                             mail_from_domain=cfg.mail_from_domain, behavior_on_mx_failure="UseDefaultValue",
                             opts=child)
            self.mail_from_records = [
                {"name": cfg.mail_from_domain, "type": "MX",
                 "value": f"10 feedback-smtp.{args.region}.amazonses.com"},
                {"name": cfg.mail_from_domain, "type": "TXT", "value": "v=spf1 include:amazonses.com ~all"},
            ]
        self.identity_arn = self.identity.arn
        self.dkim_tokens = dkim.dkim_tokens.apply(lambda t: list(t or []))
        self.dkim_records = self.dkim_tokens.apply(lambda tokens: dkim_records(cfg.domain, tokens))
        self._config = cfg
        self.register_outputs({"identityArn": self.identity_arn, "dkimTokens": self.dkim_tokens})

    def refs(self) -> dict[str, StoreRef]:
        """``email:ses``: send as the verified domain. Sending is the only use, so every access level
        grants it."""
        return {"email:ses": StoreRef(
            key="email:ses",
            resource_arns=[self.identity_arn],
            read_actions=SEND_ACTIONS,
            write_actions=(),
            env={"SES_FROM_EMAIL": self._config.from_address, "SUPPORT_EMAIL": self._config.support_address},
        )}


def dkim_records(domain: str, tokens: list[str]) -> list[dict[str, str]]:
    """The Easy DKIM CNAMEs SES verifies: ``<token>._domainkey.<domain> -> <token>.dkim.amazonses.com``."""
    return [{"name": f"{t}._domainkey.{domain}", "type": "CNAME", "value": f"{t}.dkim.amazonses.com"}
            for t in tokens]
