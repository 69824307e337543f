"""Products of tensors, with PyTorch's names: einsum (one Function: forward by NumPy's einsum,
each operand's gradient an einsum of the output's gradient with the other operands, so that it
differentiates again), and compositions of einsum, matmul and the elementwise ops: tensordot,
outer (ger), dot, vdot, mv, kron, cross, cdist, matrix_power, and the fused forms addmm,
addmv, baddbmm, addbmm, addcmul, addcdiv (β·input + α·product).
"""

from __future__ import annotations

import string
import warnings

import numpy as np

from tinynet import tensor as tensor_module
from tinynet.autograd.function import Function
from tinynet.errors import ArgumentError, DtypeError, ShapeError
from tinynet.ops.dims import normalize_dim
from tinynet.ops.elementwise import add, div, mul, sub
from tinynet.ops.indexing import getitem
from tinynet.ops.out import write_out
from tinynet.ops.promotion import to_tensor
from tinynet.ops.reduction import sum as _sum
from tinynet.ops.shape import _stack, expand, matmul, reshape, unsqueeze


class Einsum(Function):
    """y = einsum(subscripts, *operands), every subscript letter explicit (no ellipsis, no
    repeated letter in the output, operands already broadcast to the letters' sizes).
    d operand_i = einsum(dy and the other operands -> operand_i's subscripts), with an identity
    matrix for each letter repeated in operand_i (the gradient of a diagonal lies on the
    diagonal) and a vector of ones for each letter only operand_i has (summed in the forward,
    so broadcast back)."""

    @staticmethod
    def forward(ctx, *operands, inputs, output):
        ctx.subscripts = (inputs, output)
        return np.asarray(np.einsum(",".join(inputs) + "->" + output, *operands))

    @staticmethod
    def backward(ctx, grad):
        inputs, output = ctx.subscripts
        operands = ctx.inputs
        grads = []
        for i, target in enumerate(inputs):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            subs = [output] + [s for j, s in enumerate(inputs) if j != i]
            tensors = [grad] + [t for j, t in enumerate(operands) if j != i]
            free = iter(c for c in string.ascii_letters if c not in "".join(inputs) + output)
            renamed, seen = "", {}
            for letter, size in zip(target, operands[i].shape):
                if letter in seen:  # a repeated letter: a fresh one tied by an identity matrix
                    fresh = next(free)
                    subs.append(letter + fresh)
                    tensors.append(_constant(np.eye(size, dtype=grad.dtype)))
                    renamed += fresh
                else:
                    seen[letter] = size
                    renamed += letter
            for letter, size in seen.items():
                if not any(letter in s for s in subs):
                    subs.append(letter)
                    tensors.append(_constant(np.ones(size, dtype=grad.dtype)))
            grads.append(Einsum.apply(*tensors, inputs=tuple(subs), output=renamed))
        return tuple(grads)


def _constant(array):
    return tensor_module.Tensor._make(array)


def _parse(equation: str, operands: list) -> tuple:
    """(input subscripts, output subscript) with the ellipsis spelled out as letters."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(operands):
        raise ArgumentError(f"einsum(): {len(inputs)} operands in the equation {equation!r} but "
                            f"{len(operands)} given")
    used = {c for c in equation if c.isalpha()}
    bad = set(equation) - set(string.ascii_letters) - set(",->.")
    if bad:
        raise ArgumentError(f"einsum(): invalid subscript {min(bad)!r} in {equation!r}: "
                            "subscripts are letters a-z, A-Z")
    free = [c for c in string.ascii_letters if c not in used]
    ellipsis_dims = 0
    for spec, x in zip(inputs, operands):
        explicit = len(spec.replace("...", ""))
        if ("..." in spec and x.ndim < explicit) or ("..." not in spec and x.ndim != explicit):
            raise ShapeError(f"einsum(): the subscripts {spec!r} do not fit an operand of shape "
                             f"{list(x.shape)}")
        if "..." in spec:
            ellipsis_dims = max(ellipsis_dims, x.ndim - explicit)
    letters = "".join(free[:ellipsis_dims])
    spelled = [spec.replace("...", letters[ellipsis_dims - (x.ndim - len(spec) + 3):])
               if "..." in spec else spec for spec, x in zip(inputs, operands)]
    if arrow:
        output = rhs.replace("...", letters)
    else:
        counts = {c: "".join(spelled).count(c) for c in "".join(spelled) if c not in letters}
        output = letters + "".join(sorted(c for c, n in counts.items() if n == 1))
    if len(set(output)) != len(output):
        raise ArgumentError(f"einsum(): output subscript {rhs!r} has a repeated letter")
    missing = set(output) - set("".join(spelled))
    if missing:
        raise ArgumentError(f"einsum(): output subscript {min(missing)!r} does not appear "
                            f"in the inputs of {equation!r}")
    return spelled, output


def einsum(*args):
    """The Einstein summation ``einsum(equation, *operands)`` (or the operands as one list):
    e.g. 'ij,jk->ik' is a matrix product, 'ii->i' a diagonal, 'bij->bji' a transpose, '...ij->
    ...ji' the same over any batch dims. Without '->' the output is the letters that appear
    once, in alphabetical order. Sizes of 1 broadcast. NumPy's sublist form is not supported."""
    if not args or not isinstance(args[0], str):
        raise ArgumentError("einsum(): the first argument must be the equation string (the "
                            "sublist form is not supported in tinynet)")
    equation, operands = args[0], list(args[1:])
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = list(operands[0])
    operands = [to_tensor(x) for x in operands]
    inputs, output = _parse(equation, operands)
    sizes = {}
    for spec, x in zip(inputs, operands):
        for letter, size in zip(spec, x.shape):
            if sizes.get(letter, 1) not in (1, size) and size != 1:
                raise ShapeError(f"einsum(): spec {letter!r} has size {size} for an operand "
                                 f"of shape {list(x.shape)}, which does not match the size "
                                 f"{sizes[letter]} it has elsewhere")
            sizes[letter] = max(sizes.get(letter, 1), size)
    dtypes = {x.dtype for x in operands}
    if len(dtypes) > 1:
        raise DtypeError(f"einsum(): expected all operands to have one dtype, got "
                         f"{sorted(str(d) for d in dtypes)}")
    fitted = []
    for spec, x in zip(inputs, operands):
        shape = tuple(sizes[c] for c in spec)
        fitted.append(expand(x, shape) if tuple(x.shape) != shape else x)
    return Einsum.apply(*fitted, inputs=tuple(inputs), output=output)


def tensordot(a, b, dims=2, out=None):
    """The sum of products over the last ``dims`` dims of ``a`` and the first ``dims`` of ``b``
    (an int), or over the dims listed in ``dims = (dims_of_a, dims_of_b)``."""
    if isinstance(dims, tensor_module.Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0 or dims > min(a.ndim, b.ndim):
            raise ArgumentError(f"tensordot(): dims {dims} must be in [0, {min(a.ndim, b.ndim)}]")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(int(dims)))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(dims_a) != len(dims_b):
        raise ShapeError(f"tensordot(): both dims lists must have one length, got {dims_a} and "
                         f"{dims_b}")
    dims_a = [normalize_dim(d, a.ndim, "tensordot") for d in dims_a]
    dims_b = [normalize_dim(d, b.ndim, "tensordot") for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise ShapeError(f"tensordot(): contracted dimensions need to match, but first has "
                             f"size {a.shape[da]} in dim {da} and second has size {b.shape[db]} "
                             f"in dim {db}")
    letters = iter(string.ascii_letters)
    sub_a = [next(letters) for _ in range(a.ndim)]
    sub_b = [next(letters) for _ in range(b.ndim)]
    for da, db in zip(dims_a, dims_b):
        sub_b[db] = sub_a[da]
    output = [c for i, c in enumerate(sub_a) if i not in dims_a] + \
             [c for i, c in enumerate(sub_b) if i not in dims_b]
    equation = "".join(sub_a) + "," + "".join(sub_b) + "->" + "".join(output)
    return write_out(einsum(equation, a, b), out, "tensordot", a, b)


def _vector(x, name, op_name):
    if x.ndim != 1:
        raise ShapeError(f"{op_name}(): {name} must be 1-D, got shape {list(x.shape)}")


def outer(input, vec2, *, out=None):  # noqa: A002
    """The outer product of two vectors: out[i, j] = input[i] · vec2[j]."""
    _vector(input, "input", "outer")
    _vector(vec2, "vec2", "outer")
    return write_out(mul(unsqueeze(input, 1), unsqueeze(vec2, 0)), out, "outer", input, vec2)


def ger(input, vec2, *, out=None):  # noqa: A002
    """``outer`` under its older name."""
    return outer(input, vec2, out=out)


def dot(input, tensor, *, out=None):  # noqa: A002
    """The dot product of two 1-D tensors of one length and dtype: Σ input[i] · tensor[i]."""
    _vector(input, "input", "dot")
    _vector(tensor, "tensor", "dot")
    if input.shape != tensor.shape:
        raise ShapeError(f"dot(): inconsistent tensor size, expected tensor [{input.shape[0]}] "
                         f"and src [{tensor.shape[0]}] to have the same number of elements")
    if input.dtype != tensor.dtype:
        raise DtypeError(f"dot(): expected both vectors to have same dtype, but found "
                         f"{input.dtype} and {tensor.dtype}")
    return write_out(_sum(mul(input, tensor)), out, "dot", input, tensor)


def vdot(input, other, *, out=None):  # noqa: A002
    """The dot product with the first vector conjugated; tinynet's tensors are real, so it is
    ``dot``."""
    return dot(input, other, out=out)


def mv(input, vec, *, out=None):  # noqa: A002
    """The product of a matrix (n, m) and a vector (m,): a vector (n,)."""
    if input.ndim != 2 or vec.ndim != 1:
        raise ShapeError(f"mv(): expected a matrix and a vector, got shapes {list(input.shape)} "
                         f"and {list(vec.shape)}")
    return write_out(matmul(input, vec), out, "mv", input, vec)


def kron(input, other, *, out=None):  # noqa: A002
    """The Kronecker product: the block tensor whose block at index i is input[i] · other
    (the operands padded with leading dims of size 1 to one number of dims)."""
    ndim = max(input.ndim, other.ndim)
    a_shape = (1,) * (ndim - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (ndim - other.ndim) + tuple(other.shape)
    a = reshape(input, tuple(s for size in a_shape for s in (size, 1)))
    b = reshape(other, tuple(s for size in b_shape for s in (1, size)))
    result = reshape(mul(a, b), tuple(p * q for p, q in zip(a_shape, b_shape)))
    return write_out(result, out, "kron", input, other)


def _cross(input, other, axis, op_name):  # noqa: A002
    try:
        shape = np.broadcast_shapes(input.shape, other.shape)
    except ValueError:
        raise ShapeError(f"{op_name}(): shapes {list(input.shape)} and {list(other.shape)} do not "
                         "broadcast together") from None
    if shape[axis] != 3:
        raise ShapeError(f"{op_name}(): dimension {axis} does not have size 3 (shape "
                         f"{list(shape)})")
    a, b = expand(input, shape), expand(other, shape)

    def part(x, i):
        return getitem(x, (slice(None),) * axis + (i,))

    parts = [sub(mul(part(a, (i + 1) % 3), part(b, (i + 2) % 3)),
                 mul(part(a, (i + 2) % 3), part(b, (i + 1) % 3))) for i in range(3)]
    return _stack(parts, axis)


def cross(input, other, dim=None, *, out=None):  # noqa: A002
    """The cross product of 3-vectors along ``dim``; with ``dim=None`` the first dim of size 3
    (with PyTorch's warning: pass dim, or use linalg.cross, whose default is the last dim)."""
    shape = np.broadcast_shapes(input.shape, other.shape) if input.ndim == other.ndim else None
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated. Please "
                      "either pass the dim explicitly or simply use torch.linalg.cross.",
                      UserWarning, stacklevel=2)
        sizes = shape if shape is not None else input.shape
        dim = next((i for i, s in enumerate(sizes) if s == 3), None)
        if dim is None:
            raise ShapeError(f"cross(): no dimension of size 3 in input (shape "
                             f"{list(input.shape)})")
    axis = normalize_dim(dim, max(input.ndim, other.ndim), "cross")
    return write_out(_cross(input, other, axis, "cross"), out, "cross", input, other)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distances between each row of ``x1`` (…, P, M) and each row of ``x2``
    (…, R, M): a (…, P, R) tensor. ``compute_mode`` is accepted; tinynet always computes the
    differences directly (exact, where the matrix-product form rounds). The gradient at a zero
    distance is 0, as in PyTorch."""
    from tinynet.ops.norms import vector_norm

    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ShapeError(f"cdist(): X1 (shape {list(x1.shape)}) and X2 (shape {list(x2.shape)}) "
                         "must be at least 2-D with the same number of columns")
    if p < 0:
        raise ArgumentError(f"cdist(): only supports non-negative p values, got {p}")
    differences = sub(unsqueeze(x1, -2), unsqueeze(x2, -3))
    return vector_norm(differences, p, -1)


def matrix_power(input, n, *, out=None):  # noqa: A002
    """The square matrix (or batch of them) to the integer power n by repeated squaring;
    n = 0 gives the identity, n < 0 the power of the inverse."""
    from tinynet.ops.linalg_more import inv

    if input.ndim < 2 or input.shape[-1] != input.shape[-2]:
        raise ShapeError(f"matrix_power(): expected a square matrix or a batch of them, got "
                         f"shape {list(input.shape)}")
    if n == 0:
        eye = np.broadcast_to(np.eye(input.shape[-1], dtype=input.dtype), input.shape)
        return write_out(_constant(eye.copy()), out, "matrix_power", input)
    base = inv(input) if n < 0 else input
    result, n = None, abs(int(n))
    while n:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if n:
            base = matmul(base, base)
    return write_out(result, out, "matrix_power", input)


def _scaled_sum(input, product, beta, alpha):  # noqa: A002
    """β·input + α·product, input ignored when β = 0 (its nan and inf not propagated)."""
    scaled = product if alpha == 1 else mul(product, alpha)
    input = to_tensor(input)  # noqa: A001
    try:
        fits = np.broadcast_shapes(input.shape, scaled.shape) == tuple(scaled.shape)
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(f"input of shape {list(input.shape)} cannot be broadcast to the "
                         f"product's shape {list(scaled.shape)}")
    if beta == 0:
        return scaled
    return add(input if beta == 1 else mul(input, beta), scaled)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):  # noqa: A002
    """β·input + α·(mat1 @ mat2), input broadcast to the product's shape."""
    product = matmul(mat1, mat2) if mat1.ndim == 2 and mat2.ndim == 2 else _bad(
        "addmm", mat1, mat2, "matrices")
    return write_out(_scaled_sum(input, product, beta, alpha), out, "addmm", input, mat1, mat2)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):  # noqa: A002
    """β·input + α·(mat @ vec)."""
    return write_out(_scaled_sum(input, mv(mat, vec), beta, alpha), out, "addmv", input, mat,
                     vec)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):  # noqa: A002
    """β·input + α·(batch1 @ batch2) for batches of matrices (b, n, m) and (b, m, p)."""
    from tinynet.ops.rearrange import bmm

    return write_out(_scaled_sum(input, bmm(batch1, batch2), beta, alpha), out, "baddbmm", input,
                     batch1, batch2)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):  # noqa: A002
    """β·input + α·Σ_b batch1[b] @ batch2[b]: the batch of products summed to one matrix."""
    from tinynet.ops.rearrange import bmm

    return write_out(_scaled_sum(input, _sum(bmm(batch1, batch2), 0), beta, alpha), out,
                     "addbmm", input, batch1, batch2)


def _bad(op_name, a, b, what):
    raise ShapeError(f"{op_name}(): expected {what}, got shapes {list(a.shape)} and "
                     f"{list(b.shape)}")


def addcmul(input, tensor1, tensor2, *, value=1, out=None):  # noqa: A002
    """input + value · tensor1 · tensor2 (all broadcast)."""
    product = mul(tensor1, tensor2)
    result = add(input, product if value == 1 else mul(product, value))
    return write_out(result, out, "addcmul", input, tensor1, tensor2)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):  # noqa: A002
    """input + value · tensor1 / tensor2 (all broadcast; integer division is refused, as in
    PyTorch)."""
    if to_tensor(tensor1).dtype.kind in "iub" and to_tensor(tensor2).dtype.kind in "iub":
        raise DtypeError("addcdiv(): integer division with addcdiv is no longer supported; "
                         "divide with div(..., rounding_mode='trunc') or 'floor'")
    quotient = div(tensor1, tensor2)
    result = add(input, quotient if value == 1 else mul(quotient, value))
    return write_out(result, out, "addcdiv", input, tensor1, tensor2)


__all__ = ["einsum", "tensordot", "outer", "ger", "dot", "vdot", "mv", "kron", "cross",
           "cdist", "matrix_power", "addmm", "addmv", "baddbmm", "addbmm", "addcmul", "addcdiv"]
