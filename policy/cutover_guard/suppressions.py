"""Waivers: list every ``cutover:suppress:<policy>`` tag, so a suppressed finding is never silent.

A resource waives one policy with a tag ``cutover:suppress:<policy-name>`` whose value is the reason (at least
20 characters; AWS tag values allow letters, digits, spaces and ``_ . : / = + - @``). Every rule helper in
``_util`` drops the findings a resource waives; the offline plan lists them as "suppressed" with the reason.
Under the Pulumi CLI this advisory policy is what shows them: one finding per waiver, plus waivers that name
no policy of the pack or give no reason (those waive nothing).
"""

from __future__ import annotations

from collections.abc import Iterable

from pulumi_policy import ReportViolation, StackValidationArgs, StackValidationPolicy

from cutover_guard._util import MIN_REASON_LENGTH, stack_policy, suppressions

NAME = "policy-suppressions"


def make(known: Iterable[str]) -> StackValidationPolicy:
    """The advisory policy listing waivers; ``known`` are the pack's policy names."""
    names = frozenset(known)

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        for r in args.resources:
            for policy, reason in sorted(suppressions(r.props).items()):
                if policy not in names:
                    report(f"'{r.name}' waives {policy!r}, which is no cutover-guard policy: the waiver does nothing.",
                           r.urn)
                elif len(reason) < MIN_REASON_LENGTH:
                    report(f"'{r.name}' waives {policy} without a reason (at least {MIN_REASON_LENGTH} characters): "
                           "the waiver does nothing.", r.urn)
                else:
                    report(f"'{r.name}' waives {policy}: {reason}", r.urn)

    return stack_policy(NAME, "Lists every per-resource policy waiver (cutover:suppress:<policy> tags) and its "
                        "reason.", validate)
