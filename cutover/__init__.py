"""Cutover's pure logic: config parsing, naming, CIDR math, weights, and the offline plan.

Nothing in this package creates resources; ``components/`` does. Modules here avoid importing
``pulumi`` unless their name says otherwise (``cutover.plan`` drives the SDK's mocks).
"""
