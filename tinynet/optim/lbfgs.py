"""L-BFGS: a quasi-Newton method that builds its step from the last few gradient differences.

A port of PyTorch's ``torch.optim.LBFGS`` (itself modelled on Mark Schmidt's minFunc): the same
iteration, stopping rules, two-loop recursion, cubic interpolation and strong-Wolfe line search, in
NumPy on one flat vector that holds every parameter.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tinynet.autograd import enable_grad
from tinynet.optim.optimizer import Optimizer, ParamsT
from tinynet.tensor import Tensor


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to
    ``bounds`` (by default [min(x1, x2), max(x1, x2)])::

        d1 = g1 + g2 − 3 (f1 − f2) / (x1 − x2)
        d2 = √(d1² − g1 g2)
        x = x2 − (x2 − x1) (g2 + d2 − d1) / (g2 − g1 + 2 d2)        (for x1 ≤ x2)

    When d1² < g1 g2 the cubic has no minimizer and the midpoint of the bounds is returned."""
    if bounds is not None:
        low, high = bounds
    else:
        low, high = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square**0.5
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, low), high)
    return (low + high) / 2.0


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9,
                  max_ls=25):
    """Find a step t along d that satisfies the strong Wolfe conditions, for φ(t) = f(x + t d)::

        φ(t) ≤ φ(0) + c1 t φ′(0)          (sufficient decrease)
        |φ′(t)| ≤ −c2 φ′(0)               (curvature: the slope has flattened enough)

    First a bracketing phase grows t (by cubic extrapolation in [t + 0.01 (t − t_prev), 10 t])
    until a point satisfies both, or an interval is found that must hold one (decrease failed,
    φ stopped decreasing, or the slope turned non-negative). Then a zoom phase shrinks the bracket
    by cubic interpolation, moving a trial that lands within 10% of the bracket's ends away from
    them when progress stalls. At most ``max_ls`` evaluations. Returns (φ(t), ∇f(x + t d), t,
    number of evaluations)."""
    d_norm = np.abs(d).max()
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = g_new.dot(d)

    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # extrapolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        previous_t = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = previous_t, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

    if ls_iter == max_ls:  # reached the evaluation budget while bracketing
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket until a point satisfies the strong Wolfe conditions
    insufficient_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        # a trial too close to an end of the bracket: move it 10% inside, the second time
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insufficient_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False

        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1

        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # no sufficient decrease: t becomes the high end
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # the old low end becomes the high end
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new

    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


class LBFGS(Optimizer):
    """L-BFGS (Liu & Nocedal, 1989), PyTorch's algorithm and API: ``step(closure)`` runs up to
    ``max_iter`` iterations, calling ``closure`` (which must zero the gradients, compute the loss,
    call ``backward()`` and return the loss) as often as it needs, and returns the first loss.

    All parameters are treated as one flat vector x with gradient g. With the last m =
    ``history_size`` pairs sᵢ = x_{i+1} − xᵢ and yᵢ = g_{i+1} − gᵢ (a pair is kept only when
    yᵀs > 1e-10, which keeps the Hessian estimate positive definite), the direction d ≈ −H⁻¹g
    comes from the two-loop recursion::

        q = −g
        for i = newest … oldest:   αᵢ = ρᵢ sᵢᵀq,   q ← q − αᵢ yᵢ        (ρᵢ = 1 / yᵢᵀsᵢ)
        r = γ q,                    γ = sᵀy / yᵀy of the newest pair (H₀ = γ I)
        for i = oldest … newest:   βᵢ = ρᵢ yᵢᵀr,   r ← r + (αᵢ − βᵢ) sᵢ
        d = r

    (d = −g at the very first iteration). The step is x ← x + t d with t = lr, except
    t = min(1, 1/‖g‖₁)·lr at the first iteration; with ``line_search_fn="strong_wolfe"`` t is
    instead found by a line search satisfying the strong Wolfe conditions (c1 = 1e-4, c2 = 0.9;
    see ``_strong_wolfe`` and ``_cubic_interpolate``). A step stops early when max|g| ≤
    ``tolerance_grad``, when the directional derivative gᵀd > −``tolerance_change``, when
    max|t d| or the change of the loss is below ``tolerance_change``, or after ``max_eval``
    evaluations of the closure (default max_iter·5/4). The history lives in
    ``optimizer.state`` and carries over from one ``step`` to the next, as in PyTorch.

    L-BFGS assumes a deterministic function: use it full-batch (dropout off), as with PyTorch.
    Only one param group is supported (as in PyTorch), and the parameters must be floating point.

    Args:
        params: tensors (or one param-group dict).
        lr: learning rate (default 1).
        max_iter: iterations per ``step`` (default 20).
        max_eval: closure evaluations per ``step`` (default max_iter * 5 // 4).
        tolerance_grad: stop when max|g| is at most this (default 1e-7).
        tolerance_change: stop when the loss or the parameters change less (default 1e-9).
        history_size: the number m of (s, y) pairs kept (default 100).
        line_search_fn: None (fixed step) or ``"strong_wolfe"``.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(
                f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {line_search_fn!r}"
            )
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]
        for param in self._params:
            if param.dtype.kind != "f":
                raise TypeError(f"LBFGS needs floating-point parameters, got {param.dtype}")

    def add_param_group(self, param_group: dict) -> None:
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _state_entry(self, name, value, param, where):
        """LBFGS's state holds flat vectors and lists of them, not arrays of the first
        parameter's shape: they are checked against the total number of elements."""
        total = sum(p.numel() for p in self._params)
        for array in value if isinstance(value, list) else [value]:
            if isinstance(array, np.ndarray) and array.ndim and array.shape != (total,):
                raise ValueError(
                    f"loaded {where} has shape {array.shape}, but the parameters hold {total} "
                    "elements"
                )
        return value

    def _gather_flat_grad(self) -> np.ndarray:
        views = [
            np.zeros(p.numel(), p.dtype) if p.grad is None else p.grad.detach().numpy().ravel()
            for p in self._params
        ]
        return np.concatenate(views)

    def _add_grad(self, step_size, update: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            count = p.numel()
            data = p.detach().numpy()
            data += step_size * update[offset : offset + count].reshape(data.shape)
            p._version += 1
            offset += count

    def _clone_param(self) -> list[np.ndarray]:
        return [p.detach().numpy().copy() for p in self._params]

    def _set_param(self, params_data: list[np.ndarray]) -> None:
        for p, data in zip(self._params, params_data):
            p.detach().numpy()[...] = data
            p._version += 1

    def _directional_evaluate(self, closure, x, t, d):
        """f and ∇f at x + t d; the parameters are put back to x afterwards."""
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def step(self, closure: Callable[[], Tensor | float]):  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; ``closure`` re-evaluates the model (zero
        the gradients, forward, ``backward()``) and returns the loss. Returns the loss that the
        first call of ``closure`` returned."""
        if closure is None or not callable(closure):
            raise TypeError(
                "LBFGS.step needs a closure that zeroes the gradients, computes the loss, calls "
                "backward() and returns the loss"
            )
        closure = enable_grad()(closure)
        group = self.param_groups[0]
        lr = group["lr"]
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        # the state lives with the first parameter, as in PyTorch
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1

        flat_grad = self._gather_flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:  # already optimal
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # the direction
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # update the memory
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / y.dot(y)
                # the two-loop recursion: d = −H⁻¹ g
                num_old = len(old_dirs)
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q -= al[i] * old_dirs[i]
                d = r = q * h_diag
                for i in range(num_old):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss

            # the step length
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:  # not a descent direction any more
                break

            ls_func_evals = 0
            if line_search_fn == "strong_wolfe":
                x_init = self._clone_param()

                def obj_func(x, t, d):
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                if n_iter != max_iter:
                    # re-evaluate unless this was the last iteration
                    loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1

            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter:
                break
            if current_evals >= max_eval:
                break
            if opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss
