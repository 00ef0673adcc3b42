"""SES: domain identity with Easy DKIM, DNS records as outputs, send-only ref on the identity."""

from __future__ import annotations

import pulumi

from components.ses import SEND_ACTIONS, EmailArgs, EmailSender, dkim_records
from cutover.config import EmailConfig, parse_stack_config
from cutover.plan.model import Plan
from tests.conftest import plan_components


def _plan(config: EmailConfig) -> Plan:
    def program() -> None:
        e = EmailSender("email", EmailArgs(config, "us-east-1"))
        (ref,) = e.refs().values()
        pulumi.export("ref", {"key": ref.key, "arns": list(ref.resource_arns), "read": ref.read_actions,
                              "write": ref.write_actions, "env": dict(ref.env)})
        pulumi.export("records", e.dkim_records)

    return plan_components(program)


def _waiterix() -> EmailConfig:
    cfg = parse_stack_config({"profile": "waiterix-serverless"}, project="cutover", stack="dev")
    assert cfg.email is not None
    return cfg.email


def test_domain_identity_and_dkim_for_the_configured_domain() -> None:
    plan = _plan(_waiterix())
    identity = plan.one("aws:ses/domainIdentity:DomainIdentity")
    assert identity.inputs["domain"] == "waiterix.com"
    dkim = plan.one("aws:ses/domainDkim:DomainDkim")
    assert dkim.inputs["domain"] == "waiterix.com"
    assert identity.urn in dkim.dependencies
    assert not plan.of_type("aws:ses/mailFrom:MailFrom")


def test_send_only_ref_scoped_to_the_identity_with_seed_variables() -> None:
    plan = _plan(_waiterix())
    ref = plan.stack_outputs["ref"]
    assert ref["key"] == "email:ses"
    assert ref["arns"] == [plan.one("aws:ses/domainIdentity:DomainIdentity").outputs["arn"]]
    assert tuple(ref["read"]) == SEND_ACTIONS == ("ses:SendEmail", "ses:SendRawEmail")
    assert not ref["write"]
    assert ref["env"] == {"SES_FROM_EMAIL": "noreply@waiterix.com", "SUPPORT_EMAIL": "support@waiterix.com"}


def test_custom_mail_from_domain() -> None:
    cfg = EmailConfig(domain="waiterix.com", from_address="noreply@waiterix.com",
                      support_address="support@waiterix.com", mail_from_domain="mail.waiterix.com")
    mail_from = _plan(cfg).one("aws:ses/mailFrom:MailFrom").inputs
    assert mail_from["mailFromDomain"] == "mail.waiterix.com" and mail_from["domain"] == "waiterix.com"


def test_dkim_cname_records_from_tokens() -> None:
    assert dkim_records("waiterix.com", ["abc123", "def456"]) == [
        {"name": "abc123._domainkey.waiterix.com", "type": "CNAME", "value": "abc123.dkim.amazonses.com"},
        {"name": "def456._domainkey.waiterix.com", "type": "CNAME", "value": "def456.dkim.amazonses.com"},
    ]
