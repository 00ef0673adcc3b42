"""Entry point of the cutover-guard policy pack (``pulumi preview --policy-pack policy``)."""

from pulumi_policy import EnforcementLevel, PolicyPack

from cutover_guard import ALL_POLICIES, PACK_NAME

PolicyPack(PACK_NAME, policies=list(ALL_POLICIES), enforcement_level=EnforcementLevel.ADVISORY)
