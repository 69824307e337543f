"""The elementwise gate math of one time step of the tanh/relu RNN, the LSTM and the GRU, forward
and backward, on (N, ·) arrays. The matrix product h W_hhᵀ of each step stays in BLAS (the caller
passes its result ``hh``); these kernels do everything elementwise around it in one pass, writing
into arrays the caller owns (so the per-step loop in tinynet/ops/recurrent.py allocates nothing).

Notation: N the batch, H the hidden size; ``gx`` = x W_ihᵀ + b_ih (the input side, all gates
side by side), ``hh`` = h W_hhᵀ (the hidden side, without its bias), ``b`` = b_hh (zeros when the
layer has no bias). σ(a) = (1 + tanh(a/2))/2, which never overflows.

Derivatives (a_· the pre-activation of a gate, ⊙ elementwise, dh and dc the gradients arriving
at h_t and c_t):

LSTM   c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
       dc = dc_next + dh ⊙ o ⊙ (1 − tanh²(c_t))
       da_i = dc ⊙ g ⊙ i(1 − i)      da_f = dc ⊙ c_{t−1} ⊙ f(1 − f)
       da_g = dc ⊙ i ⊙ (1 − g²)      da_o = dh ⊙ tanh(c_t) ⊙ o(1 − o)
       dc_{t−1} = dc ⊙ f
GRU    n = tanh(a_n),  a_n = gx_n + r ⊙ (hh_n + b_n),   h_t = n + z ⊙ (h_{t−1} − n)
       da_n = dh ⊙ (1 − z) ⊙ (1 − n²)
       da_z = dh ⊙ (h_{t−1} − n) ⊙ z(1 − z)
       da_r = da_n ⊙ (hh_n + b_n) ⊙ r(1 − r)
       d gx = (da_r, da_z, da_n),  d hh = (da_r, da_z, da_n ⊙ r),  dh_{t−1} (direct) = dh ⊙ z
RNN    h_t = act(gx + hh + b):  da = dh ⊙ (1 − h_t²) (tanh) or dh ⊙ [h_t > 0] (relu)

Every kernel is a readable NumPy reference (the specification) and a Numba twin of the same
signature; float32 and float64, computed in the arrays' dtype. The Numba twins fuse the arithmetic
into single passes but leave tanh to NumPy: NumPy's tanh is vectorised (SIMD), a scalar math.tanh
per element in a Numba loop measures 20-60x slower, which made an all-Numba step slower than
the NumPy reference.
"""

import numpy as np

from tinynet.kernels.backend import dispatch
from tinynet.kernels.jit import njit


def _sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


# ---- LSTM ---------------------------------------------------------------------------------------

def lstm_forward_step_numpy(gx, hh, b, c_prev, gates, c, h) -> None:
    """One LSTM step. Reads gx, hh (N, 4H), b (4H,), c_prev (N, H); writes the activated gates
    (i, f, g, o) into ``gates`` (N, 4H), c_t = f ⊙ c_prev + i ⊙ g into ``c`` and
    h_t = o ⊙ tanh(c_t) into ``h`` (N, H)."""
    H = c_prev.shape[1]
    a = gx + hh + b
    gates[:, :H] = _sigmoid(a[:, :H])
    gates[:, H:2 * H] = _sigmoid(a[:, H:2 * H])
    gates[:, 2 * H:3 * H] = np.tanh(a[:, 2 * H:3 * H])
    gates[:, 3 * H:] = _sigmoid(a[:, 3 * H:])
    i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    c[...] = f * c_prev + i * g
    h[...] = o * np.tanh(c)


@njit(cache=True, nogil=True)
def _lstm_preactivations(gx, hh, b, gates):
    """gates = (gx + hh + b) / 2 for i, f, o (σ(a) = (1 + tanh(a/2))/2) and gx + hh + b for g."""
    n_rows, rows = gx.shape
    H = rows // 4
    for n in range(n_rows):
        for j in range(rows):
            a = gx[n, j] + hh[n, j] + b[j]
            gates[n, j] = a if 2 * H <= j < 3 * H else 0.5 * a


@njit(cache=True, nogil=True)
def _lstm_cell(gates, c_prev, c):
    """tanh values of the halved i, f, o into σ; c = f ⊙ c_prev + i ⊙ g."""
    n_rows, H = c.shape
    for n in range(n_rows):
        for j in range(H):
            i = 0.5 + 0.5 * gates[n, j]
            f = 0.5 + 0.5 * gates[n, H + j]
            gates[n, j] = i
            gates[n, H + j] = f
            gates[n, 3 * H + j] = 0.5 + 0.5 * gates[n, 3 * H + j]
            c[n, j] = f * c_prev[n, j] + i * gates[n, 2 * H + j]


def lstm_forward_step_numba(gx, hh, b, c_prev, gates, c, h) -> None:
    """Same contract as lstm_forward_step_numpy: the arithmetic in two Numba passes, the tanh of
    every gate in one NumPy call (vectorised, far faster than a scalar tanh per element)."""
    _lstm_preactivations(gx, hh, b, gates)
    np.tanh(gates, out=gates)
    _lstm_cell(gates, c_prev, c)
    np.tanh(c, out=h)
    np.multiply(h, gates[:, 3 * c.shape[1]:], out=h)


def lstm_backward_step_numpy(dh, dc_next, gates, c, c_prev, da, dc_prev) -> None:
    """The LSTM step's backward (formulas in the module docstring). Reads dh, dc_next (N, H), the
    saved gates (N, 4H), c_t and c_{t−1} (N, H); writes the pre-activation gradient (N, 4H) into
    ``da`` and dc_{t−1} (N, H) into ``dc_prev``."""
    H = c.shape[1]
    i, f, g, o = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    tanh_c = np.tanh(c)
    dc = dc_next + dh * o * (1 - tanh_c * tanh_c)
    da[:, :H] = dc * g * i * (1 - i)
    da[:, H:2 * H] = dc * c_prev * f * (1 - f)
    da[:, 2 * H:3 * H] = dc * i * (1 - g * g)
    da[:, 3 * H:] = dh * tanh_c * o * (1 - o)
    dc_prev[...] = dc * f


@njit(cache=True, nogil=True)
def _lstm_backward(dh, dc_next, gates, tanh_c, c_prev, da, dc_prev):
    n_rows, H = tanh_c.shape
    for n in range(n_rows):
        for j in range(H):
            i = gates[n, j]
            f = gates[n, H + j]
            g = gates[n, 2 * H + j]
            o = gates[n, 3 * H + j]
            t = tanh_c[n, j]
            dc = dc_next[n, j] + dh[n, j] * o * (1 - t * t)
            da[n, j] = dc * g * i * (1 - i)
            da[n, H + j] = dc * c_prev[n, j] * f * (1 - f)
            da[n, 2 * H + j] = dc * i * (1 - g * g)
            da[n, 3 * H + j] = dh[n, j] * t * o * (1 - o)
            dc_prev[n, j] = dc * f


def lstm_backward_step_numba(dh, dc_next, gates, c, c_prev, da, dc_prev) -> None:
    """Same contract as lstm_backward_step_numpy: tanh(c_t) in one NumPy call, the rest in one
    Numba pass."""
    _lstm_backward(dh, dc_next, gates, np.tanh(c), c_prev, da, dc_prev)


# ---- GRU ----------------------------------------------------------------------------------------

def gru_forward_step_numpy(gx, hh, b, h_prev, saved, h) -> None:
    """One GRU step. Reads gx, hh (N, 3H), b (3H,), h_prev (N, H); writes r, z, n and the reset
    product's operand hh_n + b_n side by side into ``saved`` (N, 4H), and
    h_t = n + z ⊙ (h_prev − n) into ``h`` (N, H)."""
    H = h_prev.shape[1]
    hidden_n = hh[:, 2 * H:] + b[2 * H:]
    r = _sigmoid(gx[:, :H] + hh[:, :H] + b[:H])
    z = _sigmoid(gx[:, H:2 * H] + hh[:, H:2 * H] + b[H:2 * H])
    n = np.tanh(gx[:, 2 * H:] + r * hidden_n)
    saved[:, :H], saved[:, H:2 * H], saved[:, 2 * H:3 * H], saved[:, 3 * H:] = r, z, n, hidden_n
    h[...] = n + z * (h_prev - n)


@njit(cache=True, nogil=True)
def _gru_gates(gx, hh, b, saved):
    """saved = ((a_r)/2, (a_z)/2, ·, hh_n + b_n)."""
    n_rows, rows = gx.shape
    H = rows // 3
    for m in range(n_rows):
        for j in range(2 * H):
            saved[m, j] = 0.5 * (gx[m, j] + hh[m, j] + b[j])
        for j in range(H):
            saved[m, 3 * H + j] = hh[m, 2 * H + j] + b[2 * H + j]


@njit(cache=True, nogil=True)
def _gru_candidate(gx, saved):
    """tanh values of the halved r, z into σ; the candidate's pre-activation a_n."""
    n_rows, rows = gx.shape
    H = rows // 3
    for m in range(n_rows):
        for j in range(H):
            r = 0.5 + 0.5 * saved[m, j]
            saved[m, j] = r
            saved[m, H + j] = 0.5 + 0.5 * saved[m, H + j]
            saved[m, 2 * H + j] = gx[m, 2 * H + j] + r * saved[m, 3 * H + j]


@njit(cache=True, nogil=True)
def _gru_output(saved, h_prev, h):
    n_rows, H = h_prev.shape
    for m in range(n_rows):
        for j in range(H):
            n = saved[m, 2 * H + j]
            h[m, j] = n + saved[m, H + j] * (h_prev[m, j] - n)


def gru_forward_step_numba(gx, hh, b, h_prev, saved, h) -> None:
    """Same contract as gru_forward_step_numpy: the arithmetic in Numba passes, the tanh of the
    gates and of the candidate in NumPy calls (vectorised)."""
    H = h_prev.shape[1]
    _gru_gates(gx, hh, b, saved)
    np.tanh(saved[:, :2 * H], out=saved[:, :2 * H])
    _gru_candidate(gx, saved)
    np.tanh(saved[:, 2 * H:3 * H], out=saved[:, 2 * H:3 * H])
    _gru_output(saved, h_prev, h)


def gru_backward_step_numpy(dh, saved, h_prev, dgx, dhh, dh_direct) -> None:
    """The GRU step's backward (formulas in the module docstring). Reads dh (N, H), the saved
    r, z, n, hh_n + b_n (N, 4H) and h_{t−1} (N, H); writes d gx and d hh (N, 3H) and the direct
    part dh ⊙ z of dh_{t−1} (N, H) (the rest is d hh · W_hh, a matrix product)."""
    H = h_prev.shape[1]
    r, z, n, hidden_n = saved[:, :H], saved[:, H:2 * H], saved[:, 2 * H:3 * H], saved[:, 3 * H:]
    da_n = dh * (1 - z) * (1 - n * n)
    da_z = dh * (h_prev - n) * z * (1 - z)
    da_r = da_n * hidden_n * r * (1 - r)
    dgx[:, :H], dgx[:, H:2 * H], dgx[:, 2 * H:] = da_r, da_z, da_n
    dhh[:, :H], dhh[:, H:2 * H], dhh[:, 2 * H:] = da_r, da_z, da_n * r
    dh_direct[...] = dh * z


@njit(cache=True, nogil=True)
def gru_backward_step_numba(dh, saved, h_prev, dgx, dhh, dh_direct):
    n_rows, H = h_prev.shape
    for m in range(n_rows):
        for j in range(H):
            r = saved[m, j]
            z = saved[m, H + j]
            n = saved[m, 2 * H + j]
            hidden_n = saved[m, 3 * H + j]
            grad = dh[m, j]
            da_n = grad * (1 - z) * (1 - n * n)
            da_z = grad * (h_prev[m, j] - n) * z * (1 - z)
            da_r = da_n * hidden_n * r * (1 - r)
            dgx[m, j] = da_r
            dgx[m, H + j] = da_z
            dgx[m, 2 * H + j] = da_n
            dhh[m, j] = da_r
            dhh[m, H + j] = da_z
            dhh[m, 2 * H + j] = da_n * r
            dh_direct[m, j] = grad * z


# ---- tanh / relu RNN ----------------------------------------------------------------------------

def rnn_forward_step_numpy(gx, hh, b, relu, h) -> None:
    """One Elman step: h_t = tanh(gx + hh + b), or relu(·) with ``relu``; all (N, H), b (H,)."""
    a = gx + hh + b
    h[...] = np.maximum(a, 0) if relu else np.tanh(a)


@njit(cache=True, nogil=True)
def _rnn_preactivation(gx, hh, b, relu, h):
    n_rows, H = h.shape
    for n in range(n_rows):
        for j in range(H):
            a = gx[n, j] + hh[n, j] + b[j]
            h[n, j] = (a if a > 0 else 0.0) if relu else a


def rnn_forward_step_numba(gx, hh, b, relu, h) -> None:
    """Same contract as rnn_forward_step_numpy: the sum (and relu) in one Numba pass, the tanh in
    one NumPy call (vectorised)."""
    _rnn_preactivation(gx, hh, b, relu, h)
    if not relu:
        np.tanh(h, out=h)


def rnn_backward_step_numpy(dh, h, relu, da) -> None:
    """The Elman step's backward: da = dh ⊙ (1 − h_t²) (tanh) or dh ⊙ [h_t > 0] (relu)."""
    da[...] = dh * (h > 0) if relu else dh * (1 - h * h)


@njit(cache=True, nogil=True)
def rnn_backward_step_numba(dh, h, relu, da):
    n_rows, H = h.shape
    for n in range(n_rows):
        for j in range(H):
            if relu:
                da[n, j] = dh[n, j] if h[n, j] > 0 else 0.0
            else:
                da[n, j] = dh[n, j] * (1 - h[n, j] * h[n, j])


lstm_forward_step = dispatch(numpy=lstm_forward_step_numpy, numba=lstm_forward_step_numba)
lstm_backward_step = dispatch(numpy=lstm_backward_step_numpy, numba=lstm_backward_step_numba)
gru_forward_step = dispatch(numpy=gru_forward_step_numpy, numba=gru_forward_step_numba)
gru_backward_step = dispatch(numpy=gru_backward_step_numpy, numba=gru_backward_step_numba)
rnn_forward_step = dispatch(numpy=rnn_forward_step_numpy, numba=rnn_forward_step_numba)
rnn_backward_step = dispatch(numpy=rnn_backward_step_numpy, numba=rnn_backward_step_numba)
