"""The plan's loader creates the provider's ``*ArgsDict`` TypedDicts without checking their fields
(cutover.plan.fastimport.typeddict_tree): what a reader can see of each class must be what an ordinary
import gives (typing.is_typeddict, keys required and optional, annotation names in order, totality,
names, docstring), and a module keeps every other object it defines."""

from __future__ import annotations

import importlib
import typing
from pathlib import Path
from types import ModuleType

import pytest

from cutover.plan import fastimport

PACKAGES = ("lambda_", "sqs", "iam", "cloudwatch", "apigatewayv2")


def loaded_with_loader(name: str, tmp_path: Path) -> tuple[ModuleType, ModuleType]:
    """(the module as an ordinary import made it, a fresh module run from the plan loader's cached code)."""
    ordinary = importlib.import_module(name)
    assert "_cutover_typeddict_fields" not in vars(ordinary)  # really the ordinary import
    source = Path(str(ordinary.__file__))
    fastimport.compile_into_cache(ordinary.__name__, str(source), tmp_path)
    code = fastimport.cached_code(ordinary.__name__, str(source), tmp_path)
    assert code is not None
    module = ModuleType(ordinary.__name__)
    module.__package__, module.__file__ = name.rpartition(".")[0], str(source)
    exec(code, module.__dict__)
    return ordinary, module


@pytest.mark.parametrize("package", PACKAGES)
def test_typeddicts_look_as_an_ordinary_import_makes_them(package: str, tmp_path: Path) -> None:
    ordinary, loaded = loaded_with_loader(f"pulumi_aws.{package}._inputs", tmp_path)
    checked = 0
    for name in ordinary.__all__:
        a, b = getattr(ordinary, name), getattr(loaded, name)
        assert typing.is_typeddict(a) == typing.is_typeddict(b), name
        if not typing.is_typeddict(a):
            assert type(a) is type(b) and a.__name__ == b.__name__, name
            continue
        checked += 1
        assert (b.__name__, b.__qualname__, b.__doc__, b.__total__) == (a.__name__, a.__qualname__, a.__doc__,
                                                                       a.__total__), name
        assert b.__required_keys__ == a.__required_keys__, name
        assert b.__optional_keys__ == a.__optional_keys__, name
        assert list(b.__annotations__) == list(a.__annotations__), name
    assert checked > 0
    assert any(typing.is_typeddict(getattr(ordinary, n)) and getattr(ordinary, n).__optional_keys__
               for n in ordinary.__all__)  # the comparison covered optional keys (NotRequired[...]) too


def test_a_typeddict_that_is_not_the_generated_shape_is_left_as_it_is(tmp_path: Path) -> None:
    source = tmp_path / "_inputs.py"
    source.write_text("from typing import TypedDict\n"
                      "class Total(TypedDict, total=False):\n    a: int\n"
                      "class WithMethod(TypedDict):\n    a: int\n    x = 1\n")
    assert fastimport.typeddict_tree(source) is None
    source.write_text("from typing import NotRequired, TypedDict\n"
                      "class Plain(TypedDict):\n    a: int\n    '''doc of a'''\n    b: NotRequired[str]\n")
    tree = fastimport.typeddict_tree(source)
    assert tree is not None
    namespace: dict[str, object] = {}
    exec(compile(tree, str(source), "exec", flags=fastimport._FLAGS, dont_inherit=True), namespace)
    plain = namespace["Plain"]
    assert typing.is_typeddict(plain) and plain.__doc__ is None  # type: ignore[attr-defined]
    assert plain.__required_keys__ == {"a"} and plain.__optional_keys__ == {"b"}  # type: ignore[attr-defined]
