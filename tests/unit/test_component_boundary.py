"""The component boundary (issue 13 item 6): components take plain arguments, never the profile layer.

Every module under components/ is parsed (not imported) and may not import ``cutover.config`` nor
name ``ConfigError``; a component's bad combination is a ``components.errors.ComponentError``, which
the profile layer maps to its ConfigError with the same text (cutover/adapter.py).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pulumi
import pytest

from components.errors import ComponentError
from cutover.adapter import as_config_error, config_errors
from cutover.errors import ConfigError
from tests.conftest import ROOT

COMPONENTS = sorted((ROOT / "components").rglob("*.py"))
SPECS = sorted((ROOT / "components" / "specs").glob("*.py"))


def _imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every import in ``path``, at any depth (function-local imports included)."""
    found: list[tuple[str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def _profile_layer(module: str, name: str) -> bool:
    return (module == "cutover.config" or module.startswith("cutover.config.")
            or (module == "cutover" and name == "config"))


def test_the_walk_sees_the_package() -> None:
    # guards the tests below against passing on an empty or wrong directory
    assert ROOT / "components" / "front_door.py" in COMPONENTS
    assert ROOT / "components" / "specs" / "traffic.py" in SPECS


@pytest.mark.parametrize("path", COMPONENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_component_imports_the_profile_layer(path: Path) -> None:
    bad = [f"{m}.{n}" if n else m for m, n in _imports(path) if _profile_layer(m, n)]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}: take the type from components.specs instead"


@pytest.mark.parametrize("path", COMPONENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_component_raises_or_imports_config_error(path: Path) -> None:
    tree = ast.parse(path.read_text(), str(path))
    named = [n.lineno for n in ast.walk(tree)
             if (isinstance(n, ast.Name) and n.id == "ConfigError")
             or (isinstance(n, ast.Attribute) and n.attr == "ConfigError")
             or (isinstance(n, ast.alias) and n.name == "ConfigError")]
    assert not named, f"{path.relative_to(ROOT)} uses ConfigError at lines {named}: raise ComponentError"


@pytest.mark.parametrize("path", SPECS, ids=lambda p: str(p.relative_to(ROOT)))
def test_specs_modules_import_no_pulumi(path: Path) -> None:
    bad = [m for m, _ in _imports(path) if m.split(".")[0] in {"pulumi", "pulumi_aws", "pulumi_random"}]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}: components.specs stays pulumi-free"


def test_importing_the_specs_loads_neither_pulumi_nor_the_profile_layer() -> None:
    # a fresh interpreter: this test process has imported everything already
    modules = [f"components.specs.{p.stem}" for p in SPECS if p.stem != "__init__"]
    code = ("import sys\n" + "".join(f"import {m}\n" for m in modules)
            + "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'pulumi_aws')"
              " or m.startswith('cutover.config')))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_component_error_reads_like_the_config_error_it_maps_to() -> None:
    err = ComponentError("services.a.routes", "path pattern '/x' can match the same request", "other paths")
    assert isinstance(err, ValueError)  # another program catches it without knowing this project
    mapped = as_config_error(err)
    assert (mapped.key, mapped.problem, mapped.allowed) == (err.path, err.message, err.allowed)
    assert str(mapped) == str(err) == ("services.a.routes: path pattern '/x' can match the same request "
                                       "(allowed: other paths)")


@pytest.mark.parametrize("error", [ComponentError("services", "too many rules", "fewer routes"),
                                   ConfigError("services", "too many rules", "fewer routes")])
def test_config_errors_ends_the_program_with_one_message_for_either(error: ValueError) -> None:
    with pytest.raises(pulumi.RunError) as exc, config_errors():
        raise error
    assert str(exc.value) == "configuration error: services: too many rules (allowed: fewer routes)"
    assert exc.value.__cause__ is None and exc.value.__suppress_context__  # no traceback chain


def test_pip_installs_every_package_of_the_components_and_the_adapter() -> None:
    # setuptools installs only the packages listed (no discovery is configured): a missing one, like
    # components.specs, would make `pip install` ship components that cannot import their arguments
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(ROOT).parts)
             for top in ("components", "cutover") for init in (ROOT / top).rglob("__init__.py")}
    assert "components.specs" in found
    assert found <= listed, f"add to pyproject.toml [tool.setuptools] packages: {sorted(found - listed)}"
