"""The PyTorch names that tutorial scripts use, found by walking their syntax trees; writes the data
file that benchmarks/api_coverage.py checks tinynet against (benchmarks/tutorial_names.txt).

    PYTHONPATH=$PWD python benchmarks/extract_tutorial_names.py DIR [--sources SOURCES] [-o OUT]

DIR holds the tutorials' Python code, one ``<tutorial>.py`` per tutorial (the file's stem names the
tutorial in the output): the scripts themselves, or the lines of them that use PyTorch (the
tutorials' code is not part of this repository; benchmarks/tutorial_names.txt lists the scripts and
commits it was read from). ``--sources`` is a text file whose lines are copied into the output's
header (where each script came from). Needs PyTorch installed: every name is checked against it.

What counts as a use, per script:

- ``torch.X``, ``torch.nn.X``, ``nn.X``, ``F.X``, ``optim.X``, ``lr_scheduler.X``,
  ``autograd.Variable``, ``DataLoader``, ...: any attribute chain or bare name that starts from a
  name bound by ``import torch...`` or ``from torch... import ...`` (``torch`` is bound in every
  script, as tutorials that forget the import assume). The chain is followed while it resolves in
  PyTorch; modules are written under their own name (``from torch.functional import F`` then
  ``F.softmax`` is ``torch.nn.functional.softmax``); what the chain reaches first that is not a
  module is the name recorded.
- Tensor methods and attributes: ``x.m(...)``, ``x.a`` and ``x.a = v`` on any other receiver, where
  ``m``/``a`` is a public attribute of ``torch.Tensor``; recorded as ``torch.Tensor.m``. Receivers
  that are other imported modules (``np``, ``plt``, ``random``, ``torchvision``, ...) are skipped, and
  so are names that are also methods of ``str``, ``list``, ``dict``, ``set`` or ``tuple``
  (``split``, ``sort``, ``index``, ...), since a syntax tree cannot tell a string from a tensor;
  attributes of ``self`` are the tutorial's own (``self.softmax = nn.LogSoftmax()``) and skipped;
  an attribute of a class the script derives from a PyTorch class is recorded on that class
  (``LegendrePolynomial3.apply`` is ``torch.autograd.function.Function.apply``).
- Module, optimizer and scheduler methods: the same for public attributes of ``torch.nn.Module``,
  ``torch.optim.Optimizer`` and ``torch.optim.lr_scheduler.LRScheduler`` that are not Tensor
  attributes (``model.parameters()``, ``optimizer.step()``); a name that several of these classes
  have is recorded for each of them.

- Keyword arguments: for each call of a recorded name, the keywords it is given, as
  ``name(keyword=)`` (``torch.load(weights_only=)``, ``torch.matmul(out=)``,
  ``torch.Tensor.max(keepdim=)``); a keyword that PyTorch's readable signature does not take (an
  old tutorial's removed argument) is left out. Positional arguments are not recorded.

Out of scope (written with the reason, not required of tinynet): ``torch.cuda.*`` other than
``torch.cuda.is_available`` (the issue requires the availability checks, which answer False),
``torch.onnx.*`` and ``torch.nn.DataParallel`` (multi-GPU). Names from torchvision, torchtext, matplotlib, pandas, ... are never gathered:
they are not ``torch`` names.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import sys
import types
from pathlib import Path

OUT_OF_SCOPE_PREFIXES = {
    "torch.cuda.": "out of scope: CUDA-specific",
    "torch.onnx.": "out of scope: ONNX export",
    "torch.nn.DataParallel": "out of scope: multi-GPU training",
}
IN_SCOPE_EXCEPTIONS = {"torch.cuda.is_available"}
BUILTIN_METHODS = set().union(*(dir(t) for t in (str, list, dict, set, tuple, bytes)))


def _public(cls) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_")}


class _Walker(ast.NodeVisitor):
    def __init__(self, torch):
        self.torch = torch
        self.aliases = {"torch": "torch"}   # local name -> dotted torch path
        self.foreign: set[str] = set()      # local names of other imported modules
        self.found: set[str] = set()
        self.subclasses: dict[str, object] = {}  # class defined in the script -> its torch base
        self.tensor_attrs = _public(torch.Tensor)
        self.method_owners = [("torch.nn.Module", _public(torch.nn.Module)),
                              ("torch.optim.Optimizer", _public(torch.optim.Optimizer)),
                              ("torch.optim.lr_scheduler.LRScheduler",
                               _public(torch.optim.lr_scheduler.LRScheduler))]

    # imports
    def visit_Import(self, node):
        for alias in node.names:
            if alias.name == "torch" or alias.name.startswith("torch."):
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    self.aliases["torch"] = "torch"
            else:
                self.foreign.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node):
        module = node.module or ""
        for alias in node.names:
            local = alias.asname or alias.name
            if module == "torch" or module.startswith("torch."):
                self.aliases[local] = f"{module}.{alias.name}"
            else:
                self.foreign.add(local)

    # torch names
    def _chain(self, node) -> list[str] | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(node.id)
            return parts[::-1]
        return None

    def _record_torch_chain(self, parts: list[str]) -> str | None:
        """Record the name a chain rooted at a torch alias reaches; return it when the chain
        ends there (``torch.nn.Linear``, not ``torch.float.is_signed``), else None."""
        dotted = self.aliases[parts[0]].split(".")
        obj, canonical = self.torch, ["torch"]
        path = dotted[1:] + parts[1:]
        for i, part in enumerate(path):
            if not hasattr(obj, part):
                return None     # not a PyTorch name (a user attribute or a removed API)
            obj = getattr(obj, part)
            if isinstance(obj, types.ModuleType):
                canonical = obj.__name__.split(".")
                continue
            name = ".".join(canonical + [part])
            self.found.add(name)
            return name if i == len(path) - 1 else None
        return None

    def _method_names(self, node) -> list[str]:
        """The names a method call or attribute on a non-module receiver is recorded under."""
        if isinstance(node.value, ast.Name):
            if node.value.id == "self":
                return []   # the tutorial's own attributes (self.flatten, self.softmax, ...)
            if node.value.id in self.subclasses:
                base = self.subclasses[node.value.id]   # LegendrePolynomial3.apply
                if hasattr(base, node.attr) and not node.attr.startswith("_"):
                    return [f"{base.__module__}.{base.__qualname__}.{node.attr}"]
                return []
        if node.attr in BUILTIN_METHODS:
            return []
        if node.attr in self.tensor_attrs:
            return [f"torch.Tensor.{node.attr}"]
        return [f"{owner}.{node.attr}" for owner, names in self.method_owners
                if node.attr in names]

    def visit_Call(self, node):
        keywords = [k.arg for k in node.keywords if k.arg]
        names = []
        parts = self._chain(node.func)
        if parts is not None and parts[0] in self.aliases:
            name = self._record_torch_chain(parts)
            names = [name] if name else []
        elif parts is not None and parts[0] in self.foreign:
            names = []
        elif isinstance(node.func, ast.Attribute):
            names = self._method_names(node.func)
        for name in names:
            for keyword in keywords:
                if self._accepts(name, keyword):
                    self.found.add(f"{name}({keyword}=)")
        self.generic_visit(node)

    def _accepts(self, name: str, keyword: str) -> bool:
        """Whether PyTorch takes ``keyword`` in ``name`` (True when its signature is not
        readable: a C function's keywords are taken as the tutorial wrote them)."""
        obj = self.torch
        for part in name.split(".")[1:]:
            obj = getattr(obj, part, None)
        try:
            params = inspect.signature(obj).parameters.values()
        except (TypeError, ValueError):
            return True
        return any(p.name == keyword and p.kind is not p.POSITIONAL_ONLY or
                   p.kind is p.VAR_KEYWORD for p in params)

    def visit_Attribute(self, node):
        parts = self._chain(node)
        if parts is not None and (parts[0] in self.aliases or parts[0] in self.foreign):
            if parts[0] in self.aliases:
                self._record_torch_chain(parts)
            return  # a chain on a module: its inner Names are part of it
        self.found.update(self._method_names(node))
        if not (isinstance(node.value, ast.Name) and
                (node.value.id == "self" or node.value.id in self.subclasses)):
            self.generic_visit(node)

    def _torch_object(self, node):
        """The PyTorch object an expression written with torch aliases names, else None."""
        parts = self._chain(node)
        if parts is None or parts[0] not in self.aliases:
            return None
        obj = self.torch
        for part in self.aliases[parts[0]].split(".")[1:] + parts[1:]:
            obj = getattr(obj, part, None)
            if obj is None:
                return None
        return obj

    def visit_ClassDef(self, node):
        for base in node.bases:
            obj = self._torch_object(base)
            if isinstance(obj, type):
                self.subclasses[node.name] = obj
                break
        self.generic_visit(node)

    def visit_Name(self, node):
        if node.id in self.aliases and node.id != "torch":
            self._record_torch_chain([node.id])


def extract(path: Path, torch) -> set[str]:
    tree = ast.parse(Path(path).read_text())
    walker = _Walker(torch)
    for node in ast.walk(tree):   # imports first, wherever they are in the script
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            walker.visit(node)
    walker.visit(tree)
    return walker.found


def scope(name: str) -> str:
    if name in IN_SCOPE_EXCEPTIONS:
        return ""
    for prefix, reason in OUT_OF_SCOPE_PREFIXES.items():
        if name.startswith(prefix):
            return reason
    return ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--sources", help="text file of the scripts' origins, for the header")
    parser.add_argument("-o", "--output", default=str(Path(__file__).resolve().parent /
                                                       "tutorial_names.txt"))
    args = parser.parse_args(argv)
    import torch
    import torch.nn.functional
    import torch.optim.lr_scheduler
    import torch.utils.data

    uses: dict[str, set[str]] = {}
    scripts = sorted(Path(args.directory).glob("*.py"))
    for script in scripts:
        for name in extract(script, torch):
            uses.setdefault(name, set()).add(script.stem)
    header = [
        "# The PyTorch names that PyTorch's beginner and intermediate tutorials use.",
        "# Written by benchmarks/extract_tutorial_names.py (its docstring says what counts as a use",
        f"# and what is out of scope) with PyTorch {torch.__version__}, from the code of these",
        "# scripts of the pytorch/tutorials repository, each at the commit given (a few tutorials",
        "# in two stored versions). Each script was read whole; the lines that use PyTorch were",
        "# copied for the walk (prose, comments and repeats of the same use left out):",
    ]
    if args.sources:
        header += [f"#   {line}" for line in Path(args.sources).read_text().splitlines()
                   if line.strip()]
    header += ["#",
               "# Format: name<TAB>tutorials using it[<TAB>out of scope: reason]; a name is a",
               "# dotted PyTorch name, or name(keyword=) for a keyword argument passed to it.",
               "# Names out of scope are listed but not required.", ""]
    lines = []
    for name in sorted(uses):
        fields = [name, ",".join(sorted(uses[name]))]
        reason = scope(name)
        if reason:
            fields.append(reason)
        lines.append("\t".join(fields))
    Path(args.output).write_text("\n".join(header + lines) + "\n")
    print(f"{len(lines)} names from {len(scripts)} scripts -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
