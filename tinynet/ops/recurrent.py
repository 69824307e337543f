"""Recurrences over a whole sequence: the tanh/relu RNN, the LSTM and the GRU, for one layer in one
direction, in two forms that compute the same function.

The composed form (``composed_direction``) runs a cell's step function (``rnn_tanh_step``,
``lstm_step``, ``gru_step``, ...) once per time step, each a few differentiable ops: it is the
readable specification, and the oracle the fused form is tested against.

The fused form (``FusedRecurrent``) is one op per layer and direction. Its forward loops over the
time steps on arrays: per step one BLAS product h W_hhᵀ (tinynet.runtime.matmul) and one kernel
for all the gate math (tinynet/kernels/recurrent.py, where the gate derivatives are written out),
saving the activated gates and, for the LSTM, the cell states. Its backward is a second op,
``FusedRecurrentBackward``, that runs backprop through time on arrays (per step one gate-derivative
kernel and one product with W_hh; the gradient of W_hh is then one product over all steps).

Gradients of gradients: the backward op's own backward recomputes the sequence with the composed
form under grad mode and differentiates it twice (the first derivative recorded with
``create_graph``, then its vector-Jacobian product with the incoming gradients). So first
derivatives, also inside a recorded backward (gradient penalties), take the fast path, and the
second derivatives are those of the composed graph, exactly. When that second backward is itself
recorded (third derivatives), the recomputation starts from clones of the op's inputs, so the
result stays connected to the graph at every order.

Shapes: gates_x = x W_ihᵀ + b_ih (L, N, G·H) for G stacked gates (RNN 1; LSTM 4: i, f, g, o; GRU
3: r, z, n); h_0, c_0 (N, H); w_hh (G·H, H); b_hh (G·H,) or None. Outputs (L, N, H) in time order
(``reverse`` runs the steps from the last to the first, as the backward direction of a
bidirectional layer), h_n and, for the LSTM, c_n (N, H).
"""

from __future__ import annotations

import numpy as np

from tinynet.autograd.engine import grad as autograd_grad
from tinynet.autograd.function import Function
from tinynet.autograd.grad_mode import enable_grad, is_grad_enabled
from tinynet.ops.elementwise import relu, sigmoid, tanh
from tinynet.ops.linalg import Linear
from tinynet.ops.rearrange import unbind
from tinynet.ops.shape import chunk, stack
from tinynet.runtime import blas_threads, matmul
from tinynet.tensor import Tensor

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# ---- the composed form: one step function per cell type -----------------------------------------

def rnn_tanh_step(gates_x: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """h' = tanh(W_ih x + b_ih + W_hh h + b_hh), with ``gates_x`` = W_ih x + b_ih."""
    return tanh(gates_x + Linear.apply(h, w_hh, b_hh))


def rnn_relu_step(gates_x: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """h' = relu(W_ih x + b_ih + W_hh h + b_hh), with ``gates_x`` = W_ih x + b_ih."""
    return relu(gates_x + Linear.apply(h, w_hh, b_hh))


def lstm_step(gates_x: Tensor, h: Tensor, c: Tensor, w_hh: Tensor,
              b_hh: Tensor | None) -> tuple[Tensor, Tensor]:
    """One LSTM step; ``gates_x`` = W_ih x + b_ih holds the four input gates side by side::

        i = σ(W_ii x + b_ii + W_hi h + b_hi)        f = σ(W_if x + b_if + W_hf h + b_hf)
        g = tanh(W_ig x + b_ig + W_hg h + b_hg)     o = σ(W_io x + b_io + W_ho h + b_ho)
        c' = f ⊙ c + i ⊙ g                          h' = o ⊙ tanh(c')
    """
    i, f, g, o = chunk(gates_x + Linear.apply(h, w_hh, b_hh), 4, -1)
    c_next = sigmoid(f) * c + sigmoid(i) * tanh(g)
    return sigmoid(o) * tanh(c_next), c_next


def gru_step(gates_x: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """One GRU step; ``gates_x`` = W_ih x + b_ih holds the three input gates side by side::

        r = σ(W_ir x + b_ir + W_hr h + b_hr)        z = σ(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
        h' = (1 − z) ⊙ n + z ⊙ h

    The hidden bias b_hn sits inside the reset product, as in PyTorch (and cuDNN)."""
    x_r, x_z, x_n = chunk(gates_x, 3, -1)
    h_r, h_z, h_n = chunk(Linear.apply(h, w_hh, b_hh), 3, -1)
    r = sigmoid(x_r + h_r)
    z = sigmoid(x_z + h_z)
    n = tanh(x_n + r * h_n)
    return n + z * (h - n)


def composed_direction(mode: str, gates_x: Tensor, h0: Tensor, c0: Tensor | None, w_hh: Tensor,
                       b_hh: Tensor | None, reverse: bool = False, w_hr: Tensor | None = None):
    """The recurrence as a composition of ops, step by step: (output (L, N, H_out), h_n, c_n)
    (c_n None unless LSTM). With ``w_hr`` (LSTM only), h_t = W_hr (o ⊙ tanh(c_t)) (PyTorch's
    proj_size)."""
    steps = unbind(gates_x, 0)
    order = range(len(steps) - 1, -1, -1) if reverse else range(len(steps))
    outputs = [None] * len(steps)
    h, c = h0, c0
    for t in order:
        if mode == "LSTM":
            h, c = lstm_step(steps[t], h, c, w_hh, b_hh)
            if w_hr is not None:
                h = Linear.apply(h, w_hr, None)
        elif mode == "GRU":
            h = gru_step(steps[t], h, w_hh, b_hh)
        elif mode == "RNN_TANH":
            h = rnn_tanh_step(steps[t], h, w_hh, b_hh)
        else:
            h = rnn_relu_step(steps[t], h, w_hh, b_hh)
        outputs[t] = h
    return stack(outputs, 0), h, c


# ---- the fused form -----------------------------------------------------------------------------

def _forward_arrays(mode, gx, h0, c0, w, b, reverse):
    """The recurrence on arrays: (output (L, N, H), h_n, c_n or None, saved gates or None, cell
    states (L, N, H) or None)."""
    from tinynet.kernels import recurrent as kernels  # here: `import tinynet` skips Numba

    length, batch, _ = gx.shape
    hidden = h0.shape[1]
    dtype = gx.dtype
    output = np.empty((length, batch, hidden), dtype)
    gates = np.empty((length, batch, 4 * hidden), dtype) if mode in ("LSTM", "GRU") else None
    cells = np.empty((length, batch, hidden), dtype) if mode == "LSTM" else None
    hh = np.empty((batch, w.shape[0]), dtype)
    w_t = w.T
    h, c = h0, c0
    with blas_threads(hh.size * hidden):  # one scope for all the steps' products
        for t in range(length - 1, -1, -1) if reverse else range(length):
            _step_forward(kernels, mode, gx[t], h, w_t, b, c, hh, gates, cells, output, t)
            h = output[t]
            c = cells[t] if mode == "LSTM" else None
    return output, h.copy(), None if c is None else c.copy(), gates, cells


def _step_forward(kernels, mode, gx, h, w_t, b, c, hh, gates, cells, output, t):
    """One step of the recurrence: the product h W_hhᵀ (BLAS), then the gate kernel."""
    np.matmul(h, w_t, out=hh)
    if mode == "LSTM":
        kernels.lstm_forward_step(gx, hh, b, c, gates[t], cells[t], output[t])
    elif mode == "GRU":
        kernels.gru_forward_step(gx, hh, b, h, gates[t], output[t])
    else:
        kernels.rnn_forward_step(gx, hh, b, mode == "RNN_RELU", output[t])


def _previous(sequence, first, t, reverse):
    """The state step t started from: s_{t−1} (s_{t+1} for ``reverse``), or ``first`` at the
    first step."""
    if reverse:
        return first if t == len(sequence) - 1 else sequence[t + 1]
    return first if t == 0 else sequence[t - 1]


def _weight_gradient(grad_hh, output, h0, reverse):
    """Σ_t grad_hh_tᵀ h_{t−1} as two products (the steps that started from an output, and the
    one that started from h_0), without copying the outputs into a shifted sequence."""
    length, _, rows = grad_hh.shape
    hidden = h0.shape[1]
    inner, first = (slice(0, length - 1), length - 1) if reverse else (slice(1, length), 0)
    previous = slice(1, length) if reverse else slice(0, length - 1)
    grad_w = matmul(grad_hh[first].T, h0)
    if length > 1:
        grad_w += matmul(grad_hh[inner].reshape(-1, rows).T,
                         output[previous].reshape(-1, hidden))
    return grad_w


def _backward_arrays(mode, gx, h0, c0, w, b, grad_output, grad_h_n, grad_c_n, reverse, gates,
                     cells, output):
    """Backprop through time on arrays: (d gates_x, d h_0, d c_0, d w_hh, d b_hh), with zeros for
    d c_0 (not an LSTM) and d b_hh when there is no bias."""
    from tinynet.kernels import recurrent as kernels

    length, batch, rows = gx.shape
    hidden = h0.shape[1]
    dtype = gx.dtype
    grad_gx = np.empty((length, batch, rows), dtype)
    grad_hh = np.empty((length, batch, rows), dtype) if mode == "GRU" else grad_gx
    dh = np.array(grad_h_n, dtype, copy=True)  # the gradient reaching h_t from step t+1
    dh_step = np.empty((batch, hidden), dtype)
    direct = np.empty((batch, hidden), dtype)
    if mode == "LSTM":
        dc = np.array(grad_c_n, dtype, copy=True)
        dc_next = np.empty_like(dc)
    with blas_threads(batch * rows * hidden):  # one scope for all the steps' products
        for t in range(length) if reverse else range(length - 1, -1, -1):
            np.add(dh, grad_output[t], out=dh_step)
            if mode == "LSTM":
                dc, dc_next = dc_next, dc
                kernels.lstm_backward_step(dh_step, dc_next, gates[t], cells[t],
                                           _previous(cells, c0, t, reverse), grad_gx[t], dc)
                np.matmul(grad_gx[t], w, out=dh)
            elif mode == "GRU":
                kernels.gru_backward_step(dh_step, gates[t], _previous(output, h0, t, reverse),
                                          grad_gx[t], grad_hh[t], direct)
                np.matmul(grad_hh[t], w, out=dh)
                dh += direct
            else:
                kernels.rnn_backward_step(dh_step, output[t], mode == "RNN_RELU", grad_gx[t])
                np.matmul(grad_gx[t], w, out=dh)
    grad_w = _weight_gradient(grad_hh, output, h0, reverse)
    grad_b = grad_hh.reshape(length * batch, rows).sum(0)
    grad_c0 = dc if mode == "LSTM" else np.zeros((batch, hidden), dtype)
    return grad_gx, dh, grad_c0, grad_w, grad_b


def _arrays(gx, h0, c0, w, b):
    """The operands as C-contiguous arrays, b as zeros when there is no bias."""
    gx, h0 = np.ascontiguousarray(gx), np.ascontiguousarray(h0)
    c0 = None if c0 is None else np.ascontiguousarray(c0)
    b = np.zeros(w.shape[0], gx.dtype) if b is None else np.ascontiguousarray(b)
    return gx, h0, c0, w, b


class FusedRecurrent(Function):
    """One layer and direction of a recurrence (``mode`` in RNN_TANH, RNN_RELU, LSTM, GRU) over the
    whole sequence as one op: (output, h_n) or, for the LSTM, (output, h_n, c_n); the formulas
    of each step are the step functions' above, their derivatives in tinynet/kernels/recurrent.py.
    Backward: FusedRecurrentBackward (backprop through time)."""

    @staticmethod
    def forward(ctx, gates_x, h0, c0, w_hh, b_hh, mode, reverse):
        gx, h0, c0, w, b = _arrays(gates_x, h0, c0, w_hh, b_hh)
        output, h_n, c_n, gates, cells = _forward_arrays(mode, gx, h0, c0, w, b, reverse)
        ctx.mode, ctx.reverse, ctx.gates, ctx.cells = mode, reverse, gates, cells
        return (output, h_n, c_n) if mode == "LSTM" else (output, h_n)

    @staticmethod
    def backward(ctx, grad_output, grad_h_n, grad_c_n=None):
        gates_x, h0, c0, w_hh, b_hh = ctx.inputs
        grads = FusedRecurrentBackward.apply(
            gates_x, h0, c0, w_hh, b_hh, grad_output, grad_h_n, grad_c_n, mode=ctx.mode,
            reverse=ctx.reverse, gates=ctx.gates, cells=ctx.cells, output=ctx.output._data)
        grad_gx, grad_h0, grad_c0, grad_w, grad_b = grads
        return (grad_gx, grad_h0, None if c0 is None else grad_c0, grad_w,
                None if b_hh is None else grad_b)


class FusedRecurrentBackward(Function):
    """The gradient of FusedRecurrent: from (gates_x, h_0, c_0, w_hh, b_hh) and the gradients of
    (output, h_n, c_n), backprop through time gives (d gates_x, d h_0, d c_0, d w_hh, d b_hh)
    (d c_0 zeros unless LSTM, d b_hh zeros without bias). Per step t, from the last computed to
    the first: dh_t = d output_t + (the gradient from step t+1); the kernel turns dh_t (and the
    LSTM's dc_t) into the pre-activation gradients da_t = d gates_x_t; then
    dh_{t−1} = da_t W_hh (GRU: its hidden-side part, plus dh_t ⊙ z_t). Finally
    d w_hh = Σ_t da_tᵀ h_{t−1}, d b_hh = Σ_t da_t (hidden-side parts).

    Its backward differentiates the composed form twice (see the module docstring)."""

    @staticmethod
    def forward(ctx, gates_x, h0, c0, w_hh, b_hh, grad_output, grad_h_n, grad_c_n, mode, reverse,
                gates, cells, output):
        ctx.mode, ctx.reverse = mode, reverse
        gx, h0, c0, w, b = _arrays(gates_x, h0, c0, w_hh, b_hh)
        return _backward_arrays(mode, gx, h0, c0, w, b, grad_output, grad_h_n, grad_c_n, reverse,
                                gates, cells, output)

    @staticmethod
    def backward(ctx, *grads):
        inputs = ctx.inputs
        record = is_grad_enabled()
        with enable_grad():
            # Partial derivatives need a variable per input that nothing else depends on: fresh
            # leaves, or, when this backward is itself recorded (third derivatives), a clone of
            # each input, so that the result stays connected to the inputs' graph.
            leaves = [None if x is None else x.clone() if record and x.requires_grad
                      else x.detach().requires_grad_() for x in inputs]
            gates_x, h0, c0, w_hh, b_hh, grad_output, grad_h_n, grad_c_n = leaves
            output, h_n, c_n = composed_direction(ctx.mode, gates_x, h0, c0, w_hh, b_hh,
                                                  ctx.reverse)
            outputs, cotangents = [output, h_n], [grad_output, grad_h_n]
            if c_n is not None:
                outputs.append(c_n)
                cotangents.append(grad_c_n)
            primal = [(x, g) for x, g in zip(leaves[:5], grads) if x is not None]
            firsts = autograd_grad(outputs, [x for x, _ in primal], cotangents,
                                   create_graph=True, allow_unused=True)
            pairs = [(first, g) for first, (_, g) in zip(firsts, primal)
                     if first is not None and first.requires_grad]
            wanted = [x for x, needs in zip(leaves, ctx.needs_input_grad) if needs]
            seconds = iter(autograd_grad([f for f, _ in pairs], wanted, [g for _, g in pairs],
                                         create_graph=record, allow_unused=True)
                           if wanted and pairs else [None] * len(wanted))
        return tuple(next(seconds) if needs else None for needs in ctx.needs_input_grad)


def _check_operands(mode, gates_x, h0, c0, w_hh, b_hh) -> None:
    """Refuse operands whose shapes or dtypes do not fit one another, naming them."""
    if gates_x.ndim != 3 or h0.ndim != 2:
        raise ValueError(f"recurrent_direction: expected gates_x (L, N, G·H) and h_0 (N, H), got "
                         f"shapes {list(gates_x.shape)} and {list(h0.shape)}")
    batch, hidden = h0.shape
    rows = GATES[mode] * hidden
    expected = {"gates_x": (gates_x, (gates_x.shape[0], batch, rows)),
                "w_hh": (w_hh, (rows, hidden)), "b_hh": (b_hh, (rows,)),
                "c_0": (c0 if mode == "LSTM" else None, (batch, hidden))}
    for name, (value, shape) in expected.items():
        if value is not None and tuple(value.shape) != shape:
            raise ValueError(f"recurrent_direction: {name} should have shape {list(shape)} for "
                             f"{mode} with h_0 of shape {list(h0.shape)}, got "
                             f"{list(value.shape)}")
        if value is not None and value.dtype != h0.dtype:
            raise TypeError(f"recurrent_direction: {name} dtype ({value.dtype}) differs from "
                            f"h_0's ({h0.dtype})")
    if mode == "LSTM" and c0 is None:
        raise ValueError("recurrent_direction: the LSTM needs c_0")


def recurrent_direction(mode: str, gates_x: Tensor, h0: Tensor, c0: Tensor | None, w_hh: Tensor,
                        b_hh: Tensor | None, reverse: bool = False, fused: bool = True):
    """(output (L, N, H), h_n, c_n or None) of one layer and direction: one FusedRecurrent op with
    ``fused``, else the composed form (the same function)."""
    if mode not in MODES:
        raise ValueError(f"recurrent_direction: unknown mode {mode!r}; expected one of {MODES}")
    _check_operands(mode, gates_x, h0, c0, w_hh, b_hh)
    if not fused:
        return composed_direction(mode, gates_x, h0, c0, w_hh, b_hh, reverse)
    results = FusedRecurrent.apply(gates_x, h0, c0 if mode == "LSTM" else None, w_hh, b_hh,
                                   mode=mode, reverse=reverse)
    return results if mode == "LSTM" else (results[0], results[1], None)


__all__ = ["FusedRecurrent", "FusedRecurrentBackward", "composed_direction", "gru_step",
           "lstm_step", "recurrent_direction", "rnn_relu_step", "rnn_tanh_step"]
