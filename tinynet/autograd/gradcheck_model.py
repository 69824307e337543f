"""gradcheck_model: check the gradient of a whole model, and when it is wrong, name the op.

Two stages, both in float64.

1. The whole model. ``fn()`` is a scalar s(θ) of the tensors θ. Along a few random unit
   directions d, the analytic directional derivative <∇s, d> (one backward) is compared with
   central differences (s(θ + εd) − s(θ − εd)) / 2ε (two forwards per direction).

2. When they disagree, each node of the graph is checked on its own, in the order backward visits
   them. ``fn()`` is recorded three times, at θ and at θ ± εd (d the first failing direction),
   keeping copies of every node's inputs and outputs; the nodes are matched by creation order.
   For a node y = f(x₁, …, x_k) with a random vector v over its output, its backward gives the
   vector-Jacobian products gⱼ = vᵀ ∂f/∂xⱼ, and

       Σⱼ <gⱼ, (xⱼ⁺ − xⱼ⁻) / 2ε>   must equal   <v, (y⁺ − y⁻)> / 2ε

   (both are vᵀ·J·u, u the change of the node's inputs along d). The inputs move as the model
   moves them, so a node is never pushed across a kink the model does not cross (a ReLU fed by a
   ReLU sees its zeros stay zeros), and no node's forward has to be run again. The first node
   that fails is reported with its op, the module that created it, its shapes and the two
   numbers. A node is skipped (and listed) when its values are not finite or the three runs did
   not record the same ops.

The check needs float64. ``fn`` is called once as given, to find the floating-point tensors it
reads: the given tensors, the parameters and buffers of every Module it calls, and the leaf
tensors its recorded ops take (an input that does not require grad, say). For the check, each of
these has its array replaced by a float64 copy; the original arrays are put back afterwards (also
on error), so no user data is lost or changed, and ``.grad`` is not touched. ``fn`` is called
2·directions + 6 times in all. It must compute the same value each time: put the model in
``eval()`` mode if it uses dropout. A model in training mode with batch norm works; its running
statistics move by the first call only (the others update the float64 copies, dropped after).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.engine import grad as autograd_grad
from tinynet.autograd.engine import topological_order
from tinynet.autograd.function import Context, call_backward
from tinynet.autograd.grad_mode import enable_grad, no_grad
from tinynet.autograd.gradcheck import GradcheckError
from tinynet.autograd.provenance import CallRecorder


@dataclasses.dataclass
class DirectionCheck:
    """The whole-model check along one random direction."""

    analytic: float
    numerical: float
    passed: bool


@dataclasses.dataclass
class NodeCheck:
    """The local check of one graph node: vᵀ·J·u from its backward (``analytic``) and from
    finite differences of its output (``numerical``). ``step`` is the node's place in the order
    backward visits the nodes (its row in ``trace(fn())``)."""

    step: int
    op: str
    module_path: str | None
    module_type: str | None
    input_shapes: tuple
    output_shapes: tuple
    analytic: float
    numerical: float
    passed: bool

    @property
    def module(self) -> str:
        if self.module_path is None:
            return "(outside every module)"
        return self.module_path or f"(the outermost module, {self.module_type})"


@dataclasses.dataclass
class GradcheckReport:
    """What gradcheck_model found. ``passed``; ``directions`` (the whole-model checks);
    ``culprit`` (the first faulty node, a NodeCheck, or None); ``nodes_checked``; ``skipped``
    ((node name, reason) pairs). ``str(report)`` is the readable text."""

    passed: bool
    directions: list
    culprit: NodeCheck | None = None
    nodes_checked: int = 0
    skipped: list = dataclasses.field(default_factory=list)
    note: str = ""
    atol: float = 0.0
    rtol: float = 0.0

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        status = "passed" if self.passed else "FAILED"
        lines = [f"gradcheck_model: {status} (float64, atol={self.atol}, rtol={self.rtol})"]
        for index, check in enumerate(self.directions):
            lines.append(f"  direction {index}: analytic {check.analytic:.10g} vs numerical "
                         f"{check.numerical:.10g}, abs error "
                         f"{abs(check.analytic - check.numerical):.3g}"
                         f"{'' if check.passed else '  <- disagree'}")
        if self.culprit is not None:
            c = self.culprit
            shapes = ", ".join("-" if s is None else str(list(s)) for s in c.input_shapes)
            outputs = ", ".join(str(list(s)) for s in c.output_shapes)
            lines += [
                (f"first faulty node (step {c.step} of the backward pass; "
                 f"{self.nodes_checked} nodes checked):"),
                f"  op:      {c.op} ({c.op}Backward)",
                f"  module:  {c.module}",
                f"  shapes:  inputs {shapes} -> output {outputs}",
                (f"  vector-Jacobian product {c.analytic:.10g} vs finite differences "
                 f"{c.numerical:.10g} (abs error {abs(c.analytic - c.numerical):.3g})"),
                f"  its backward disagrees with its own forward: check {c.op}.backward",
            ]
        if self.note:
            lines.append(self.note)
        for name, reason in self.skipped:
            lines.append(f"  skipped {name}: {reason}")
        return "\n".join(lines)


def gradcheck_model(fn, tensors, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                    directions: int = 3, seed: int = 0,
                    raise_on_failure: bool = False) -> GradcheckReport:
    """Check the gradient of the scalar ``fn()`` with respect to ``tensors`` (parameters and
    inputs that require grad), in float64, along ``directions`` random directions; when it is
    wrong, find the first graph node whose backward disagrees with its forward and name its op
    and module. See the module's docstring for the method and for what ``fn`` may do.

    A direction passes when |analytic − numerical| ≤ atol + rtol·|numerical|; a node likewise.
    Returns a GradcheckReport; with ``raise_on_failure=True`` a failure raises GradcheckError
    with the report's text (the report is its ``report`` attribute).
    """
    tensors = _checked_tensors(tensors)
    if not callable(fn):
        raise TypeError(f"gradcheck_model: fn must be a function of no arguments, got "
                        f"{type(fn).__name__}")
    if directions < 1:
        raise ValueError(f"gradcheck_model: directions must be at least 1, got {directions}")
    used = _tensors_used(fn, tensors)
    originals = [t._data for t in used]
    try:
        for t in used:
            t._data = np.array(t._data, dtype=np.float64)  # a copy, even if float64 already
        report = _check(fn, tensors, eps, atol, rtol, directions, np.random.default_rng(seed))
    finally:
        for t, data in zip(used, originals):
            t._data = data
    if raise_on_failure and not report.passed:
        error = GradcheckError(str(report))
        error.report = report
        raise error
    return report


def _tensors_used(fn, tensors) -> list:
    """The floating-point tensors that fn() reads: ``tensors``, the parameters and buffers of
    every Module it calls, and the leaf tensors that its recorded ops take (one call of fn, in
    the tensors' own dtypes)."""
    with CallRecorder() as recorder, enable_grad():
        _scalar(fn)
    found = {id(t): t for t in tensors}
    for module in recorder.modules.values():
        for t in [*module.parameters(), *module.buffers()]:
            found.setdefault(id(t), t)
    for ctx, _, _ in recorder.calls:
        for t in ctx._inputs:
            if isinstance(t, tensor_module.Tensor) and t.grad_fn is None:
                found.setdefault(id(t), t)
    return [t for t in found.values() if t.dtype.kind == "f"]


def _checked_tensors(tensors) -> list:
    if isinstance(tensors, tensor_module.Tensor):
        tensors = [tensors]
    result, seen = [], set()
    for position, t in enumerate(tensors):
        if not isinstance(t, tensor_module.Tensor):
            raise TypeError(f"gradcheck_model: tensors[{position}] is a {type(t).__name__}, "
                            "not a Tensor")
        if t.dtype.kind != "f":
            raise TypeError(f"gradcheck_model: tensors[{position}] has dtype {t.dtype}; only "
                            "floating-point tensors have gradients")
        if not t.requires_grad:
            raise ValueError(f"gradcheck_model: tensors[{position}] (shape {list(t.shape)}) "
                             "does not require grad; create it with requires_grad=True")
        if id(t) not in seen:
            seen.add(id(t))
            result.append(t)
    if not result:
        raise ValueError("gradcheck_model: no tensors to check (tensors is empty)")
    return result


def _scalar(fn):
    out = fn()
    if not isinstance(out, tensor_module.Tensor):
        raise TypeError(f"gradcheck_model: fn() must return a scalar Tensor, got "
                        f"{type(out).__name__}")
    if out.numel() != 1:
        raise ValueError(f"gradcheck_model: fn() must return a scalar, got shape "
                         f"{list(out.shape)} (reduce it, e.g. with .sum())")
    return out


def _value(fn) -> float:
    with no_grad():
        return float(_scalar(fn)._data.reshape(()))


def _check(fn, tensors, eps, atol, rtol, directions, rng) -> GradcheckReport:
    with enable_grad():
        out = _scalar(fn)
    if not out.requires_grad:
        raise ValueError("gradcheck_model: fn() returned a tensor that does not require grad: "
                         "it does not depend on the tensors (or was computed under no_grad)")
    value = float(out._data.reshape(()))
    again = _value(fn)
    if not np.isclose(again, value, rtol=1e-9, atol=1e-300) and not (np.isnan(again)
                                                                       and np.isnan(value)):
        raise ValueError(f"gradcheck_model: fn() returned {value!r}, then {again!r}: it must "
                         "compute the same value each time (put the model in eval() mode if it "
                         "uses dropout)")
    grads = autograd_grad(out, tensors, allow_unused=True)
    grads = [np.zeros(t.shape) if g is None else g._data for g, t in zip(grads, tensors)]
    checks, failing = [], None
    for _ in range(directions):
        direction = _unit_direction(tensors, rng)
        analytic = float(sum(np.sum(g * d) for g, d in zip(grads, direction)))
        numerical = (_shifted(fn, tensors, direction, eps) -
                     _shifted(fn, tensors, direction, -eps)) / (2 * eps)
        passed = abs(analytic - numerical) <= atol + rtol * abs(numerical)
        checks.append(DirectionCheck(analytic, numerical, passed))
        if not passed and failing is None:
            failing = direction
    report = GradcheckReport(failing is None, checks, atol=atol, rtol=rtol)
    if failing is not None:
        _localize(report, fn, tensors, failing, eps, atol, rtol, rng)
    return report


def _unit_direction(tensors, rng) -> list:
    direction = [rng.standard_normal(t.shape) for t in tensors]
    norm = np.sqrt(sum(np.sum(d * d) for d in direction))
    return [d / norm for d in direction]


def _shifted(fn, tensors, direction, step) -> float:
    centers = [t._data for t in tensors]
    try:
        for t, center, d in zip(tensors, centers, direction):
            t._data = center + step * d
        return _value(fn)
    finally:
        for t, center in zip(tensors, centers):
            t._data = center


def _recorded(fn, tensors=None, direction=None, step=0.0):
    """The calls recorded by one run of fn (at θ + step·direction), and its output."""
    centers = [t._data for t in tensors or ()]
    try:
        for t, center, d in zip(tensors or (), centers, direction or ()):
            t._data = center + step * d
        with CallRecorder() as recorder, enable_grad():
            out = _scalar(fn)
    finally:
        for t, center in zip(tensors or (), centers):
            t._data = center
    return recorder.calls, out


def _localize(report, fn, tensors, direction, eps, atol, rtol, rng) -> None:
    calls, out = _recorded(fn)
    plus, _ = _recorded(fn, tensors, direction, eps)
    minus, _ = _recorded(fn, tensors, direction, -eps)
    same = (len(calls) == len(plus) == len(minus) and all(
        a[0].function is b[0].function is c[0].function for a, b, c in zip(calls, plus, minus)))
    if not same:
        report.note = ("could not localize: fn() recorded different ops at θ and θ ± εd "
                       "(its control flow depends on the values)")
        return
    index = {id(call[0]): k for k, call in enumerate(calls)}
    for step, node in enumerate(topological_order([out.grad_fn])):
        if not isinstance(node, Context) or getattr(node.function, "passes_gradients_through",
                                                    False):
            continue  # a leaf's accumulation, or an identity that runs module backward hooks
        k = index.get(id(node))
        if k is None:
            report.skipped.append((node.name(), "not recorded by fn()"))
            continue
        check = _check_node(node, calls[k], plus[k], minus[k], eps, atol, rtol, rng, step)
        if isinstance(check, str):
            report.skipped.append((node.name(), check))
            continue
        report.nodes_checked += 1
        if not check.passed:
            report.culprit = check
            return
    report.note = ("every node passed its local check: the disagreement comes from outside the "
                   "recorded ops (a hook that changes gradients, or a point where the model is "
                   "not differentiable)")


def _check_node(node, center, plus, minus, eps, atol, rtol, rng, step):
    """A NodeCheck, or the reason (a str) why the node cannot be checked."""
    _, inputs, outputs = center
    arrays = [o for o in outputs if o is not None] + [x for x in inputs if x is not None]
    if not all(np.isfinite(a).all() for a in arrays):
        return "its inputs or outputs are not finite"
    for j, needs in enumerate(node.needs_input_grad):
        if not needs and inputs[j] is not None and not np.array_equal(plus[1][j], minus[1][j]):
            return (f"its input {j} changes with the checked tensors but carries no gradient "
                    "(detached, or computed under no_grad)")
    vectors = [None if o is None else rng.standard_normal(o.shape) for o in outputs]
    with no_grad():
        grads = call_backward(node, [
            tensor_module.Tensor._make((np.zeros(node._output_meta[i][1].shape) if v is None else v)
                         .astype(node._output_meta[i][1].dtype))
            for i, v in enumerate(vectors)])
    numerical = sum(float(np.sum(v * (p - m))) for v, p, m in zip(vectors, plus[2], minus[2])
                    if v is not None) / (2 * eps)
    analytic = 0.0
    for j, g in enumerate(grads):
        if g is None or inputs[j] is None:
            continue
        analytic += float(np.sum(g._data.astype(np.float64) * (plus[1][j] - minus[1][j]))) / (
            2 * eps)
    module = node.module
    return NodeCheck(
        step=step, op=node.function.__name__, module_path=node.module_path,
        module_type=None if module is None else type(module).__name__,
        input_shapes=node.input_shapes,
        output_shapes=tuple(tuple(meta[1].shape) for meta in node._output_meta),
        analytic=analytic, numerical=numerical,
        passed=abs(analytic - numerical) <= atol + rtol * abs(numerical))
