"""Cutover: one stack = one application profile in one environment.

This file is the table of contents. Each line below is one section of the stack, in the order the
engine must see it; what a section builds, and every choice it makes by variant, front-door kind or
retirement step, is in ``cutover/stack_builder.py`` (the adapter from the parsed configuration to the
components in ``components/``). docs/ARCHITECTURE.md draws the modules.
"""

from cutover.adapter import config_errors
from cutover.config.source import load_stack_config
from cutover.stack_builder import StackBuilder

# Configuration: the profile, its environment layer and the stack's overrides, parsed and validated once.
with config_errors():
    cfg = load_stack_config()
stack = StackBuilder(cfg)  # the AWS provider, account and availability zones

# Guards, read before anything is registered: an automatic rollback is never undone by the next update,
# and a dataset's writer moves (or blue retires) only on a verification receipt.
stack.guards()

# Shared layers: what the stack is (read by policies), web ACLs, network, buckets, generated secrets.
stack.shared_layers()

# Data stores the profile declares (tables, Aurora, PostgreSQL, Redis, email) and the static frontend.
# They belong to green: retire=green unprotects them (step 1), retireData=true drops them (step 2).
stack.data_stores()

# The two colors, each built by its variant (external, serverless, ecs). A retired ECS color scales
# to zero; its deletion-protected load balancer leaves with retireData.
stack.green_color()
stack.blue_color()

# The front door between them: records or listener rules moved by greenWeight.
stack.build_front_door()

# Automatic rollback while both colors are live: alarms on green, a Lambda that resets the front door.
stack.build_rollback()

# Promotion evidence: the stage record (when this weight took effect) and the smoke test of green.
stack.promotion()

# Cleanup: the retired color's data is archived from here (step 1) before it leaves (step 2).
stack.cleanup()

# Monitoring: the alarms every component declared, at the seeds' thresholds, a dashboard, the budget.
stack.build_monitoring()

# Data plan: DMS replication and the verifier while blue is live, and the record of who writes where.
stack.data_plan()

# Outputs: identifiers only; secret values never leave Secrets Manager.
stack.outputs()
