"""The plan's loader creates the classes of generated ``_inputs``/``outputs`` modules on first access
(cutover.plan.fastimport.lazy_classes_tree), and nothing star-imports ``_inputs`` any more
(lazy_package_source, lazy_star_tree): each name must still resolve to a class as an ordinary import
defines it, created once, and a module that does not have the generated shape must stay eager."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cutover.plan import fastimport
from tests.unit.test_fastimport_typeddict import loaded_with_loader

PACKAGE = {
    "__init__.py": "from ._inputs import *\nfrom .thing import *\nfrom . import outputs\n",
    "_inputs.py": ("import pulumi\n__all__ = ['ThingArgs', 'NestedArgs']\n"
                   "@pulumi.input_type\nclass ThingArgs:\n    '''doc'''\n    def __init__(__self__, *, nested=None):\n"
                   "        pulumi.set(__self__, 'nested', nested)\n"
                   "    @property\n    @pulumi.getter\n    def nested(self) -> 'NestedArgs':\n"
                   "        return pulumi.get(self, 'nested')\n"
                   "@pulumi.input_type\nclass NestedArgs:\n    pass\n"),
    "outputs.py": "import pulumi\n__all__ = ['Out']\n@pulumi.output_type\nclass Out(dict):\n    pass\n",
    "thing.py": ("import pulumi\nfrom ._inputs import *\nfrom . import outputs\n__all__ = ['Thing']\n"
                 "class Thing:\n    def args(self):\n        return ThingArgs\n"),
}


@pytest.fixture
def lazypkg(tmp_path: Path) -> Iterator[str]:
    name = "lazyclasses"
    (tmp_path / name).mkdir()
    for file, text in PACKAGE.items():
        (tmp_path / name / file).write_text(text)
    cache = tmp_path / "cache"
    finder = fastimport._Finder((name,), cache)
    modules = [name, *(f"{name}.{m}" for m in ("_inputs", "outputs", "thing"))]
    sys.path.insert(0, str(tmp_path))
    assert fastimport.compile_modules(modules, cache) == 4
    sys.meta_path.insert(0, finder)
    try:
        yield name
    finally:
        sys.meta_path.remove(finder)
        sys.path.remove(str(tmp_path))
        for module in modules:
            sys.modules.pop(module, None)


def test_classes_are_created_on_first_access_as_the_module_defines_them(lazypkg: str) -> None:
    pkg = importlib.import_module(lazypkg)
    assert f"{lazypkg}._inputs" not in sys.modules  # the package no longer star-imports it
    inputs = importlib.import_module(f"{lazypkg}._inputs")
    assert "ThingArgs" not in vars(inputs) and "NestedArgs" not in vars(inputs)  # nothing created yet
    thing_args = pkg.ThingArgs
    assert thing_args is inputs.ThingArgs is vars(inputs)["ThingArgs"]  # created once, then a global
    assert (thing_args.__name__, thing_args.__qualname__, thing_args.__module__, thing_args.__doc__) == (
        "ThingArgs", "ThingArgs", f"{lazypkg}._inputs", "doc")
    assert "NestedArgs" not in vars(inputs)
    assert sorted(dir(inputs)) == sorted({*vars(inputs), "NestedArgs"})
    assert inputs.NestedArgs is pkg.NestedArgs
    assert sys.modules[f"{lazypkg}.outputs"].Out.__qualname__ == "Out"
    with pytest.raises(AttributeError, match="Missing"):
        inputs.Missing  # noqa: B018


def test_a_resource_module_reads_its_inputs_by_attribute_not_by_star_import(lazypkg: str) -> None:
    pkg = importlib.import_module(lazypkg)
    thing = sys.modules.get(f"{lazypkg}.thing") or importlib.import_module(f"{lazypkg}.thing")
    assert "ThingArgs" not in vars(thing)  # no star import bound it
    assert thing.ThingArgs is pkg.ThingArgs  # the module's attribute, as the star import made it
    with pytest.raises(AttributeError, match="Missing"):
        thing.Missing  # noqa: B018


def test_a_class_built_on_another_keeps_its_module_eager(tmp_path: Path) -> None:
    source = tmp_path / "_inputs.py"
    source.write_text("class Base:\n    pass\nclass Derived(Base):\n    pass\n")
    assert fastimport.lazy_classes_tree(source) is None
    source.write_text("class A:\n    pass\nALIAS = A\n")
    assert fastimport.lazy_classes_tree(source) is None
    source.write_text("class A:\n    pass\n")
    assert fastimport.lazy_classes_tree(source) is not None


def test_the_provider_modules_the_plans_use_keep_every_name(tmp_path: Path) -> None:
    """Every exported name of lambda_'s and apigatewayv2's _inputs and outputs, loaded through the loader's
    code, is a class with the name, qualified name, properties and docstring of an ordinary import (the
    plans themselves are compared both ways by test_fastimport)."""
    for service, stem in [(s, m) for s in ("lambda_", "apigatewayv2") for m in ("_inputs", "outputs")]:
        ordinary, loaded = loaded_with_loader(f"pulumi_aws.{service}.{stem}", tmp_path)
        lazy = vars(loaded)["__getattr__"]
        for name in ordinary.__all__:
            a, b = getattr(ordinary, name), lazy(name)
            assert (b.__name__, b.__qualname__, b.__doc__) == (a.__name__, a.__qualname__, a.__doc__), name
            assert [k for k, v in vars(b).items() if isinstance(v, property)] == \
                   [k for k, v in vars(a).items() if isinstance(v, property)], name
