"""The plan engine's property type lookup (cutover.plan.typehints) answers as the SDK does on an ordinary
import.

The lookup's own path (postponed annotations, classes created on first access) only runs where the
provider SDK was imported by the plan's loader, so two child processes compare notes: one imports the
services the ordinary way and asks the SDK (``pulumi._types._raw_return_hints``), the other installs the
loader and asks ``raw_return_hints``, for every resource, input and output class of those services. The
answers (each type's ``repr``, which names every class by module) must be equal.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from cutover.plan.project import ROOT

# every class of these services (the plans' wafv2 and ec2 types are held against an ordinary import by
# test_fastimport, which compares whole plans made both ways)
SERVICES = ("lambda_", "apigatewayv2", "sqs", "route53", "iam")

_CHILD = """
import importlib, inspect, json, pathlib, sys
from cutover.plan import fastimport
loader = sys.argv[1] == "loader"
if loader:
    assert fastimport.install()
import pulumi
from pulumi import _types
from cutover.plan import typehints
lookup = typehints.raw_return_hints if loader else _types._raw_return_hints
answers, strings = {}, 0
for service in sys.argv[2:]:
    service, _, scope = service.partition(":")
    package = importlib.import_module(f"pulumi_aws.{service}")
    folder = pathlib.Path(package.__file__).parent
    classes = []
    for source in sorted(folder.glob("*.py")):  # every module's exported names, read from its source
        exported = fastimport._exported(source) or []
        if source.stem in ("_inputs", "outputs"):
            if scope != "resources":
                module = importlib.import_module(f"pulumi_aws.{service}.{source.stem}")
                classes += [getattr(module, n) for n in exported]
        elif not source.stem.startswith("_"):
            classes += [getattr(package, n) for n in exported]
    for cls in classes:
        getters = _types._py_properties(cls) if inspect.isclass(cls) else ()
        if not getters:
            continue
        strings += any(isinstance(p.fget.__annotations__.get("return"), str) for _, _, p in getters)
        kind = "resource" if issubclass(cls, pulumi.CustomResource) else "type"
        answers[f"{kind}:{cls.__module__}.{cls.__qualname__}"] = {k: repr(v) for k, v in lookup(cls).items()}
print(json.dumps({"answers": answers, "strings": strings}))
"""


def _child(mode: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", _CHILD, mode, *SERVICES], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_every_class_of_the_plans_services_gets_the_types_of_an_ordinary_import() -> None:
    ordinary, loaded = _child("ordinary"), _child("loader")
    assert loaded["strings"] == len(loaded["answers"])  # ours from postponed annotations, every class
    assert ordinary["strings"] < len(ordinary["answers"]) / 10  # the SDK's mostly from evaluated ones
    assert set(loaded["answers"]) == set(ordinary["answers"])
    differing = [name for name, hints in ordinary["answers"].items() if loaded["answers"][name] != hints]
    assert differing == []
    assert sum(name.startswith("resource:") for name in ordinary["answers"]) > 50
    assert len(ordinary["answers"]) > 500  # resources, their Args, and the nested input and output types
