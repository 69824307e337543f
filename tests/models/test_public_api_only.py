"""Every architecture in tinynet/models is built from the public API only: no file there imports
tinynet.ops or tinynet.kernels (directly, as ``from tinynet import ops``, or as a submodule)."""

import ast
from pathlib import Path

import pytest

import tinynet.models

MODELS_FOLDER = Path(tinynet.models.__file__).parent
PRIVATE_PACKAGES = ("tinynet.ops", "tinynet.kernels")


def _is_private(module: str) -> bool:
    return any(module == package or module.startswith(package + ".")
               for package in PRIVATE_PACKAGES)


def private_imports(source: str) -> list[str]:
    """The imports in ``source`` that reach tinynet.ops or tinynet.kernels, as written."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names if _is_private(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _is_private(node.module):
                found.append(node.module)
            found += [f"{node.module}.{alias.name}" for alias in node.names
                      if _is_private(f"{node.module}.{alias.name}")]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", ""))
              in ("import_module", "__import__") and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and _is_private(node.args[0].value)):
            found.append(node.args[0].value)
    return found


@pytest.mark.parametrize("path", sorted(MODELS_FOLDER.rglob("*.py")), ids=lambda p: p.name)
def test_model_file_uses_the_public_api_only(path):
    assert private_imports(path.read_text()) == [], (
        f"{path.name} imports {private_imports(path.read_text())}: models may use tinynet, "
        f"tinynet.nn, tinynet.nn.functional and tensor ops only")


@pytest.mark.parametrize("source", [
    "import tinynet.ops",
    "import tinynet.kernels.im2col as im2col",
    "from tinynet import ops",
    "from tinynet import nn, kernels",
    "from tinynet.ops.conv import Conv2d",
    "from tinynet.kernels import set_backend",
    "importlib.import_module('tinynet.ops')",
])
def test_the_checker_catches_private_imports(source):
    assert private_imports(source)


@pytest.mark.parametrize("source", [
    "import tinynet as tn",
    "from tinynet import nn",
    "from tinynet.nn import functional as F",
    "import tinynet.nn.functional as F",
    "from tinynet.operations_guide import x",
    "from . import ops",
])
def test_the_checker_allows_public_imports(source):
    assert not private_imports(source)
