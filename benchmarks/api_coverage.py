"""How much of PyTorch's API tinynet offers: for every public name of ``torch``, ``torch.Tensor``,
``torch.nn``, ``torch.nn.functional``, ``torch.optim``, ``torch.optim.lr_scheduler`` and
``torch.utils.data``, whether tinynet has the same dotted name (``tinynet.nn.functional.relu`` for
``torch.nn.functional.relu``) and whether its signature is PyTorch's; then whether tinynet has every
name that PyTorch's beginner and intermediate tutorials use, and every keyword argument they pass
to one (benchmarks/tutorial_names.txt).

    PYTHONPATH=$PWD python benchmarks/api_coverage.py                  # the summary and the gaps
    PYTHONPATH=$PWD python benchmarks/api_coverage.py --details        # one line per name
    PYTHONPATH=$PWD python benchmarks/api_coverage.py --markdown docs/results/api-coverage.md

Needs PyTorch installed (it is the reference).

Public names. A namespace's public names are those ``dir()`` lists, less: names that begin with
``_``; submodules; objects defined in ``typing``, ``typing_extensions``, ``collections``,
``functools``, ``weakref``, ``bisect`` or ``__future__`` (what a module imported for its own
annotations, e.g. ``Callable``, ``Optional``, ``Any``); and the names listed in
``api_exclusions.NON_API`` with a reason (``TYPE_CHECKING``, ``BroadcastingList1``, the
``__torch_function__`` helpers, docstring fragments, re-exports counted in another namespace).

Signatures. PyTorch's signature is read with ``inspect.signature``. PyTorch's C functions and
Tensor methods have none; for those the first line of the docstring (``add(input, other, *,
alpha=1, out=None) -> Tensor``) is parsed when the docstring documents one form only. A name
documented with several overloads, or with no readable signature, is "unknown signature": it counts
by presence only. For a class the signature of its constructor is compared; for a Tensor method
compared with a docstring signature, tinynet's ``self`` is dropped (PyTorch's docs omit it);
properties and other non-callables count by presence. A docstring whose pseudo-signature names
types rather than parameters (``set_num_threads(int)``), or that is only ``(*args, **kwargs)``,
is unknown. A signature that is only ``(*args,
**kwargs)`` (a dispatching wrapper such as ``max_pool2d``, or ``Module.__init__`` inherited by
``nn.Tanh``) says nothing: the docstring is tried, else it is unknown. Docstring signatures are
PyTorch's documentation, which in a few places names a parameter differently from the binding
(``Tensor.div(value)`` for the binding's ``other``). Two signatures match when they have the same
parameters with the same names, kinds (positional-only, positional-or-keyword, ``*args``,
keyword-only, ``**kwargs``) and defaults; annotations are ignored. The positional parameters must
come in PyTorch's order; keyword-only ones may come in any order. PyTorch's private
parameters (``_stacklevel``) are left out, and so are the parameters listed in
``api_exclusions.TOLERATED_ABSENT_PARAMETERS`` when tinynet lacks them (the losses' deprecated
``size_average``/``reduce``; the optimizers' CUDA and compiler flags ``foreach``, ``fused``,
``capturable``, ``differentiable``). Defaults compare by
value after normalization: numbers by value (``1`` equals ``1.0``; a bool equals only a bool),
strings, ``None`` and tuples as themselves, dtypes and other library objects by their name without
the ``torch.`` or ``tinynet.`` prefix (``torch.float32`` equals ``tinynet.float32``, whose repr is
NumPy's ``float32``), functions and classes by ``__name__``.

Figures. Per namespace: the public names; those tinynet has; those it has with a matching
signature (a name whose PyTorch signature is unknown counts here when present); the names listed in
``api_exclusions.DELIBERATELY_LACKING`` (real API tinynet lacks on purpose, each with its reason).
The raw percentage is matching / all public names; the adjusted percentage leaves the deliberately
lacking names out of both sides: (matching names not listed) / (names not listed). Both are shown.
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import importlib
import inspect
import math
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_exclusions import DELIBERATELY_LACKING, NON_API, TOLERATED_ABSENT_PARAMETERS

NAMESPACES = ("", "Tensor", "nn", "nn.functional", "optim", "optim.lr_scheduler", "utils.data")
TARGET_NAMESPACES = ("torch.nn", "torch.nn.functional")
TARGET_PERCENT = 80.0
TUTORIAL_NAMES = Path(__file__).resolve().parent / "tutorial_names.txt"
FOREIGN_MODULES = ("typing", "typing_extensions", "collections", "collections.abc", "functools",
                   "weakref", "_bisect", "bisect", "__future__")
MISSING = object()


@dataclass
class NameResult:
    """One public name of a reference namespace and what the candidate library has for it."""

    namespace: str          # "torch.nn"
    name: str               # "Linear"
    present: bool
    signature: str          # "match", "mismatch", "unknown", "attribute" or "absent"
    detail: str = ""        # what differs, or where the reference signature came from
    lacking_reason: str = ""  # the reason when the name is listed as deliberately lacking

    @property
    def matching(self) -> bool:
        return self.present and self.signature in ("match", "unknown", "attribute")


@dataclass
class Summary:
    namespace: str
    names: int
    present: int
    matching: int
    lacking: int            # listed as deliberately lacking
    matching_not_lacking: int
    non_api: list[str] = field(default_factory=list)

    @property
    def raw_percent(self) -> float:
        return 100.0 * self.matching / self.names if self.names else 100.0

    @property
    def adjusted_percent(self) -> float:
        rest = self.names - self.lacking
        return 100.0 * self.matching_not_lacking / rest if rest else 100.0


def resolve(root: object, dotted: str) -> object:
    """The object at ``dotted`` below ``root`` by attribute access, importing a submodule of a
    package where attribute access does not reach it; ``MISSING`` when there is none."""
    obj = root
    for i, part in enumerate(p for p in dotted.split(".") if p):
        try:
            obj = getattr(obj, part)
            continue
        except AttributeError:
            pass
        if not isinstance(obj, types.ModuleType) or not hasattr(obj, "__path__"):
            return MISSING
        try:
            obj = importlib.import_module(f"{obj.__name__}.{part}")
        except ImportError:
            return MISSING
    return obj


def reachable_by_attribute(root: object, dotted: str) -> bool:
    """Whether ``root.a.b`` resolves by attribute access alone (``import torch`` then
    ``torch.utils.data``), without importing anything."""
    obj = root
    for part in (p for p in dotted.split(".") if p):
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


def public_names(namespace: object, label: str,
                 non_api: dict[str, dict[str, str]]) -> tuple[list[str], dict[str, str]]:
    """The public names of ``namespace`` and the names left out as not API, with the reason."""
    listed = non_api.get(label, {})
    names, dropped = [], {}
    for name in sorted(dir(namespace)):
        if name.startswith("_"):
            continue
        try:
            value = inspect.getattr_static(namespace, name)
        except AttributeError:
            continue
        value = getattr(namespace, name, value)
        if isinstance(value, types.ModuleType):
            continue
        home = getattr(value, "__module__", None)
        if isinstance(home, str) and home in FOREIGN_MODULES:
            dropped[name] = f"re-exported from {home}"
        elif type(value).__name__ == "_Feature":
            dropped[name] = "a __future__ import"
        elif name in listed:
            dropped[name] = listed[name]
        else:
            names.append(name)
    return names, dropped


def lacking_reason(label: str, name: str, lacking: list[tuple[str, str, str]]) -> str:
    for namespace, pattern, reason in lacking:
        if namespace == label and fnmatch.fnmatchcase(name, pattern):
            return reason
    return ""


_OVERLOAD_LINE = re.compile(r"^\s*(?:\.\. function:: )?([A-Za-z_][A-Za-z0-9_]*)\((.*)\)\s*(->.*)?$")


def docstring_signature(obj: object, name: str) -> inspect.Signature | None:
    """The signature a PyTorch C function documents on its docstring's first line, when the
    docstring documents exactly one form of ``name``; else None."""
    doc = getattr(obj, "__doc__", None)
    if not isinstance(doc, str):
        return None
    forms = [m for m in map(_OVERLOAD_LINE.match, doc.splitlines()) if m and m.group(1) == name]
    first = next((line for line in doc.splitlines() if line.strip()), "")
    if len(forms) != 1 or _OVERLOAD_LINE.match(first) is None:
        return None
    params = re.sub(r"(\*\w+\s*),\s*\*\s*(,|$)", r"\1\2", forms[0].group(2))
    try:
        tree = ast.parse(f"def f({params}): pass")
    except SyntaxError:
        return None
    args = tree.body[0].args
    parameters = []
    positional = args.posonlyargs + args.args
    defaults = [inspect.Parameter.empty] * (len(positional) - len(args.defaults)) + args.defaults
    for i, (arg, default) in enumerate(zip(positional, defaults)):
        kind = (inspect.Parameter.POSITIONAL_ONLY if i < len(args.posonlyargs)
                else inspect.Parameter.POSITIONAL_OR_KEYWORD)
        parameters.append(inspect.Parameter(arg.arg, kind, default=_doc_default(default)))
    if args.vararg:
        parameters.append(inspect.Parameter(args.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    for arg, default in zip(args.kwonlyargs, args.kw_defaults):
        parameters.append(inspect.Parameter(arg.arg, inspect.Parameter.KEYWORD_ONLY,
                                            default=_doc_default(default)))
    if args.kwarg:
        parameters.append(inspect.Parameter(args.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    if any(p.name in _TYPE_NAMES for p in parameters):
        return None  # a pseudo-signature naming types (``set_num_threads(int)``)
    if [p.kind for p in parameters] == [inspect.Parameter.VAR_POSITIONAL,
                                        inspect.Parameter.VAR_KEYWORD]:
        return None  # ``to(*args, **kwargs)`` documents nothing
    try:
        return inspect.Signature(parameters)
    except ValueError:
        return None


_TYPE_NAMES = {"int", "float", "bool", "str", "Tensor", "tensor", "number"}


class _Source(str):
    """A default written in a docstring as an expression (``torch.strided``), kept as its text."""


def _doc_default(node):
    if node is None or node is inspect.Parameter.empty:
        return inspect.Parameter.empty
    try:
        return ast.literal_eval(node)
    except ValueError:
        return _Source(ast.unparse(node))


def reference_signature(obj: object, name: str) -> tuple[inspect.Signature | None, str]:
    """PyTorch's signature of ``obj`` and where it came from ("inspect" or "docstring")."""
    try:
        signature = inspect.signature(obj)
        kinds = [p.kind for p in signature.parameters.values()]
        if kinds != [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD]:
            return signature, "inspect"
    except (ValueError, TypeError):
        pass
    # no signature, or only (*args, **kwargs) (a dispatching wrapper, or Module.__init__ inherited)
    signature = docstring_signature(obj, name)
    return (signature, "docstring") if signature is not None else (None, "")


def normalize_default(value: object) -> object:
    """A comparable form of a default value (see the module docstring for the rules)."""
    if value is inspect.Parameter.empty:
        return ("required",)
    if isinstance(value, _Source):
        return ("name", re.sub(r"^(torch|tinynet)\.", "", str(value)))
    if value is None or isinstance(value, (bool, str)):
        return ("literal", type(value).__name__, value)
    if isinstance(value, (int, float)):
        return ("number", "nan" if math.isnan(value) else float(value))
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(normalize_default(v) for v in value))
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type)):
        return ("name", value.__name__)
    return ("name", re.sub(r"^(torch|tinynet)\.", "", str(value)))


def compare_signatures(reference: inspect.Signature, candidate: inspect.Signature,
                       tolerated=TOLERATED_ABSENT_PARAMETERS) -> list[str]:
    """What differs between two signatures, in words; empty if none. The positional parameters
    (and ``*args``) must be the same names in the same order; the others are compared by name
    (the order of keyword-only parameters does not matter); every shared name must have the same
    kind and default. PyTorch's private parameters (``_stacklevel``) are left out, and so are those
    in ``tolerated`` when the candidate does not have them."""
    cand = [p for p in candidate.parameters.values() if not p.name.startswith("_")]
    cand_by = {p.name: p for p in cand}
    ref = [p for p in reference.parameters.values() if not p.name.startswith("_")
           and not (p.name in tolerated and p.name not in cand_by)]
    ref_by = {p.name: p for p in ref}

    def positional(params):
        return [("*" if p.kind is p.VAR_POSITIONAL else "") + p.name for p in params
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]

    differences = []
    ref_pos, cand_pos = positional(ref), positional(cand)
    if ref_pos != cand_pos:
        i = next(i for i, (r, c) in enumerate(zip(ref_pos + [""], cand_pos + [""])) if r != c)
        differences.append(f"positional parameters from #{i}: ({', '.join(cand_pos[i:])}), "
                           f"PyTorch's ({', '.join(ref_pos[i:])})")
    in_positional = {n.lstrip("*") for n in ref_pos + cand_pos}
    for name in ref_by.keys() - cand_by.keys() - in_positional:
        differences.append(f"missing {name!r}")
    for name in cand_by.keys() - ref_by.keys() - in_positional:
        differences.append(f"extra {name!r}")
    for name in (p.name for p in ref if p.name in cand_by):
        r, c = ref_by[name], cand_by[name]
        if r.kind != c.kind and not (name in in_positional and ref_pos != cand_pos):
            differences.append(f"{name!r} is {c.kind.description}, PyTorch's is "
                               f"{r.kind.description}")
        if normalize_default(r.default) != normalize_default(c.default):
            differences.append(f"{name!r} defaults to {_show(c.default)}, PyTorch's to "
                               f"{_show(r.default)}")
    return differences


def _show(default: object) -> str:
    return "(required)" if default is inspect.Parameter.empty else repr(default)


def _candidate_signature(obj: object, drop_self: bool) -> inspect.Signature | None:
    """tinynet's signature; ``drop_self``: without the first parameter (the tensor a method is
    called on), to compare with PyTorch's documented method signatures, which omit it."""
    try:
        signature = inspect.signature(obj)
    except (ValueError, TypeError):
        return None
    params = list(signature.parameters.values())
    if drop_self and params and params[0].kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                   inspect.Parameter.POSITIONAL_OR_KEYWORD):
        signature = signature.replace(parameters=params[1:])
    return signature


def check_name(label: str, name: str, ref_obj: object, cand_obj: object) -> NameResult:
    """Presence and signature of one name."""
    if cand_obj is MISSING:
        return NameResult(label, name, False, "absent")
    if not callable(ref_obj):
        return NameResult(label, name, True, "attribute")
    signature, source = reference_signature(ref_obj, name)
    if signature is None:
        return NameResult(label, name, True, "unknown", "PyTorch's signature cannot be read")
    is_method = label.endswith(".Tensor") and isinstance(cand_obj, types.FunctionType)
    cand_sig = _candidate_signature(cand_obj, drop_self=source == "docstring" and is_method)
    if cand_sig is None:
        return NameResult(label, name, True, "mismatch", "tinynet's signature cannot be read")
    differences = compare_signatures(signature, cand_sig)
    if differences:
        return NameResult(label, name, True, "mismatch", "; ".join(differences))
    return NameResult(label, name, True, "match", f"signature from {source}")


def coverage(reference_root: object, candidate_root: object, namespaces=NAMESPACES,
             non_api=NON_API, lacking=DELIBERATELY_LACKING
             ) -> tuple[list[NameResult], list[Summary]]:
    """Every public name of each reference namespace, checked in the candidate library."""
    results, summaries = [], []
    for path in namespaces:
        label = ".".join(p for p in (reference_root.__name__, path) if p)
        ref_ns = resolve(reference_root, path)
        cand_ns = resolve(candidate_root, path)
        names, dropped = public_names(ref_ns, label, non_api)
        rows = []
        for name in names:
            ref_obj = getattr(ref_ns, name)
            cand_obj = MISSING if cand_ns is MISSING else resolve(cand_ns, name)
            result = check_name(label, name, ref_obj, cand_obj)
            result.lacking_reason = lacking_reason(label, name, lacking)
            rows.append(result)
        results += rows
        summaries.append(Summary(
            label, len(rows), sum(r.present for r in rows), sum(r.matching for r in rows),
            sum(bool(r.lacking_reason) for r in rows),
            sum(r.matching and not r.lacking_reason for r in rows), sorted(dropped)))
    return results, summaries


def read_tutorial_names(path: Path = TUTORIAL_NAMES) -> tuple[dict[str, str], dict[str, str]]:
    """The names PyTorch's tutorials use, from the data file: (required name -> tutorials,
    out-of-scope name -> reason)."""
    required, out_of_scope = {}, {}
    for line in Path(path).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        name, tutorials = fields[0], fields[1] if len(fields) > 1 else ""
        if len(fields) > 2 and fields[2].startswith("out of scope"):
            out_of_scope[name] = fields[2]
        else:
            required[name] = tutorials
    return required, out_of_scope


def missing_tutorial_names(candidate_root: object, names) -> list[str]:
    """The dotted ``torch.*`` names that have no ``tinynet.*`` namesake, and the
    ``name(keyword=)`` entries whose name tinynet has but whose signature does not take the
    keyword (an entry whose name is missing is not repeated: the name is listed)."""
    missing = []
    for entry in names:
        dotted, _, keyword = entry.partition("(")
        obj = resolve(candidate_root, dotted.partition(".")[2])
        if not keyword:
            if obj is MISSING:
                missing.append(entry)
        elif obj is not MISSING and not accepts_keyword(obj, keyword.rstrip("=)")):
            missing.append(entry)
    return missing


def accepts_keyword(obj: object, keyword: str) -> bool:
    """Whether a call of ``obj`` can pass ``keyword`` by name (a parameter of that name that is
    not positional-only, or ``**kwargs``); False when the signature cannot be read."""
    try:
        params = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.kind is p.VAR_KEYWORD or (p.name == keyword and p.kind is not p.POSITIONAL_ONLY)
               for p in params)


# --- output ---------------------------------------------------------------------------------------


def summary_rows(summaries: list[Summary]) -> list[list[str]]:
    return [[s.namespace, s.names, s.present, s.matching, s.lacking,
             f"{s.raw_percent:.1f}%", f"{s.adjusted_percent:.1f}%"] for s in summaries]


SUMMARY_HEADERS = ["namespace", "public names", "present", "present, signature matches",
                   "deliberately lacking", "raw %", "adjusted %"]


def target_lines(summaries: list[Summary]) -> list[str]:
    lines = []
    for s in summaries:
        if s.namespace in TARGET_NAMESPACES:
            verdict = "met" if s.adjusted_percent >= TARGET_PERCENT else "not met"
            lines.append(f"{s.namespace}: {s.raw_percent:.1f}% raw, {s.adjusted_percent:.1f}% "
                         f"adjusted (target {TARGET_PERCENT:.0f}%: {verdict} on the adjusted "
                         f"figure, {'met' if s.raw_percent >= TARGET_PERCENT else 'not met'} on "
                         f"the raw one)")
    return lines


def group_by_namespace(dotted_names) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for dotted in dotted_names:
        head, _, tail = dotted.rpartition(".")
        groups.setdefault(head, []).append(tail)
    return groups


def text_report(results, summaries, tutorial_missing, tutorial_count, details: bool) -> str:
    from tinynet.report import markdown_table

    out = [markdown_table(SUMMARY_HEADERS, summary_rows(summaries)), ""]
    out += target_lines(summaries)
    out.append(f"\nTutorial names and keywords: {tutorial_count - len(tutorial_missing)} of "
               f"{tutorial_count} present; missing:")
    for head, tails in group_by_namespace(tutorial_missing).items():
        out.append(f"  {head}: {', '.join(tails)}")
    if details:
        out.append("")
        for r in results:
            state = "present" if r.present else "absent"
            lack = f" [deliberately lacking: {r.lacking_reason}]" if r.lacking_reason else ""
            out.append(f"{r.namespace}.{r.name}: {state}, {r.signature}"
                       f"{' (' + r.detail + ')' if r.detail else ''}{lack}")
    return "\n".join(out)


def markdown_body(results, summaries, tutorial_required, tutorial_out, tutorial_missing,
                  namespace_reach) -> str:
    from tinynet.report import markdown_table

    intro = ("How much of PyTorch's public API tinynet offers under the same dotted name, and "
             "whether the signature is PyTorch's. How the names are chosen, how signatures and "
             "defaults compare and how the percentages are computed: "
             "[benchmarks/api_coverage.py](../../benchmarks/api_coverage.py) (its docstring); the "
             "lists of non-API names and deliberately lacking names with their reasons: "
             "[benchmarks/api_exclusions.py](../../benchmarks/api_exclusions.py).")
    percentages = ("Raw % = names present with a matching signature / public names. Adjusted % = "
                   "the same with the deliberately lacking names left out of both counts. A name "
                   "whose PyTorch signature cannot be read counts as matching when present.")
    reach = ("Namespaces reachable by attribute after `import tinynet` (as `torch.nn.functional` "
             "is after `import torch`): " + ", ".join(
                 f"`tinynet.{p}` {'yes' if ok else 'no'}" for p, ok in namespace_reach.items()))
    tutorials = (f"{len(tutorial_required) - len(tutorial_missing)} of {len(tutorial_required)} "
                 "required entries present: the names the tutorials use, and as `name(keyword=)` "
                 "the keyword arguments they pass (the list, with the tutorials using each and how "
                 "it was extracted: [benchmarks/tutorial_names.txt]"
                 "(../../benchmarks/tutorial_names.txt)). A keyword is listed as missing only "
                 "where tinynet has the name.")
    parts = [intro, "", "## Summary", "", markdown_table(SUMMARY_HEADERS, summary_rows(summaries)),
             "", percentages, ""]
    parts += [f"- {line}" for line in target_lines(summaries)]
    parts += ["", reach, "", "## Names used in PyTorch's tutorials", "", tutorials, ""]
    if tutorial_missing:
        parts += ["Missing:", ""]
        parts += [f"- `{head}`: {', '.join(f'`{t}`' for t in tails)}"
                  for head, tails in group_by_namespace(tutorial_missing).items()]
        parts.append("")
    if tutorial_out:
        parts += ["Out of scope (not required): " + ", ".join(
            f"`{n}` ({r.removeprefix('out of scope: ')})" for n, r in sorted(tutorial_out.items())),
            ""]
    parts += ["## Left out as not API", ""]
    for s in summaries:
        if s.non_api:
            parts.append(f"- `{s.namespace}`: " + ", ".join(f"`{n}`" for n in s.non_api))
    parts += ["", "Also left out by rule: names beginning with `_` and submodules.", ""]
    parts += ["## Deliberately lacking", ""]
    by_reason: dict[tuple[str, str], list[str]] = {}
    for r in results:
        if r.lacking_reason:
            by_reason.setdefault((r.namespace, r.lacking_reason), []).append(
                r.name + (" (present)" if r.present else ""))
    parts.append(markdown_table(["namespace", "reason", "names"], [
        [ns, reason, ", ".join(names)] for (ns, reason), names in by_reason.items()]))
    parts += ["", "## Per name", ""]
    for s in summaries:
        rows = [r for r in results if r.namespace == s.namespace]
        parts += [f"### {s.namespace}", "", markdown_table(
            ["name", "tinynet", "signature", "detail"],
            [[f"`{r.name}`", "yes" if r.present else ("lacking on purpose" if r.lacking_reason
                                                      else "no"),
              r.signature, r.detail.replace("|", "\\|")] for r in rows]), ""]
    return "\n".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--details", action="store_true", help="one line per name")
    parser.add_argument("--markdown", metavar="PATH", help="also write the report as Markdown")
    args = parser.parse_args(argv)
    try:
        import torch
        import torch.nn.functional
        import torch.optim.lr_scheduler
        import torch.utils.data
    except ImportError:
        print("PyTorch is not installed: it is the reference this report measures against.")
        return 2
    import tinynet

    results, summaries = coverage(torch, tinynet)
    required, out_of_scope = read_tutorial_names()
    tutorial_missing = missing_tutorial_names(tinynet, required)
    print(text_report(results, summaries, tutorial_missing, len(required), args.details))
    if args.markdown:
        from tinynet.report import write_markdown

        reach = {p: reachable_by_attribute(tinynet, p) for p in NAMESPACES if "." in p or p == "nn"
                 or p == "optim" or p == "Tensor"}
        path = write_markdown(args.markdown, "PyTorch API coverage", markdown_body(
            results, summaries, required, out_of_scope, tutorial_missing, reach))
        print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
