"""The plan engine's property type lookup (cutover.plan.typehints) answers as the SDK's own.

The string-annotation path only runs where the provider SDK was imported by the plan's loader
(postponed annotations), so the comparison runs in a child process that installs the loader and then
holds ``raw_return_hints`` against the SDK's uncached ``_raw_return_hints`` for every resource, input and
output class of the services the plans use.
"""

from __future__ import annotations

import json
import subprocess
import sys

from cutover.plan.project import ROOT

SERVICES = ("lambda_", "iam", "wafv2", "ec2", "cloudwatch", "apigatewayv2", "s3", "rds", "sqs", "route53", "lb")

_CHILD = """
import importlib, inspect, json, sys
from cutover.plan import fastimport
fastimport.install()
import pulumi
from pulumi import _types
from cutover.plan import typehints
sdk = _types._raw_return_hints.__wrapped__  # the SDK's function without its per-class cache
compared = strings = resources = 0
differing = []
for service in sys.argv[1:]:
    for module_name in ("outputs", "_inputs"):
        try:
            module = importlib.import_module(f"pulumi_aws.{service}.{module_name}")
        except ModuleNotFoundError:  # a service without nested types (sqs has no outputs module)
            continue
        classes = [getattr(module, n) for n in module.__all__]
        package = importlib.import_module(f"pulumi_aws.{service}")
        names = {*dir(package), *getattr(package, "_LAZY_NAMES", {})}  # the loader's lazy resource names too
        classes += [getattr(package, n) for n in sorted(names) if n[:1].isupper()]
        for cls in classes:
            if not inspect.isclass(cls) or not _types._py_properties(cls):
                continue
            compared += 1
            resources += issubclass(cls, pulumi.CustomResource)
            getters = _types._py_properties(cls)
            strings += any(isinstance(p.fget.__annotations__.get("return"), str) for _, _, p in getters)
            if typehints.raw_return_hints(cls) != sdk(cls):
                differing.append(f"{cls.__module__}.{cls.__qualname__}")
print(json.dumps({"compared": compared, "strings": strings, "differing": differing, "resources": resources}))
"""


def test_every_class_of_the_plans_services_gets_the_sdks_types() -> None:
    done = subprocess.run([sys.executable, "-c", _CHILD, *SERVICES], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["differing"] == []
    assert result["compared"] > 1000 and result["resources"] > 100  # resources, inputs and outputs
    assert result["strings"] == result["compared"]  # every one took the postponed-annotation path
