"""pad with PyTorch's arguments and rules: which input ranks and padding lengths each mode takes,
how far reflect and circular padding may reach. The padding itself is ``tinynet.ops.pad``: the
constant mode a Function, the others one gather of the input at the padded positions (whose
gradient adds each output's gradient into the element it copied, and is itself differentiable).
"""

from __future__ import annotations

from tinynet import ops
from tinynet.tensor import Tensor
from tinynet.errors import ShapeError

_MODES = ("constant", "reflect", "replicate", "circular")


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pads the last len(pad) // 2 dims of ``input``: pad = (left, right) for the last dim, then
    (top, bottom) for the one before, then (front, back). Negative widths crop.

    - "constant": the new entries are ``value`` (default 0); any rank.
    - "reflect": mirror images without repeating the edge (widths < the dim's size).
    - "replicate": copies of the edge element.
    - "circular": the input wrapped around (widths ≤ the dim's size).

    The non-constant modes pad 1 dim of a 2-D or 3-D input, 2 dims of a 3-D or 4-D one, or 3 dims
    of a 4-D or 5-D one (unbatched or batched, as in PyTorch), and take no ``value``."""
    widths = tuple(pad)
    if not all(isinstance(w, int) or getattr(w, "__index__", None) for w in widths):
        raise TypeError(f"pad: the padding must be a tuple of ints, got {pad!r}")
    widths = tuple(int(w) for w in widths)
    if mode not in _MODES:
        raise ShapeError(f"pad: mode must be one of {', '.join(_MODES)}; got {mode!r}")
    if len(widths) % 2:
        raise ShapeError(f"pad: the padding {list(widths)} must have an even length (a pair "
                         "of widths per padded dim)")
    if len(widths) // 2 > input.ndim:
        raise ShapeError(f"pad: the padding {list(widths)} pads {len(widths) // 2} dims, but the "
                         f"input of shape {list(input.shape)} has only {input.ndim}")
    if mode != "constant":
        if value is not None and value != 0:
            raise ShapeError(f"pad: mode {mode!r} takes no value argument")
        dims = len(widths) // 2
        if input.ndim not in (dims + 1, dims + 2):
            raise ShapeError(f"pad: mode {mode!r} pads {dims} dim(s) of a {dims + 1}-D or "
                             f"{dims + 2}-D input, got a {input.ndim}-D input of shape "
                             f"{list(input.shape)} (padding {list(widths)})")
        for i in range(dims):
            size = input.shape[input.ndim - 1 - i]
            before, after = widths[2 * i], widths[2 * i + 1]
            if mode == "circular" and max(before, after) > size:
                raise ShapeError(f"pad: circular padding {(before, after)} wraps around more "
                                 f"than once: the dim has size {size} (input shape "
                                 f"{list(input.shape)})")
            if mode == "reflect" and max(before, after) >= size:
                raise ShapeError(f"pad: reflect padding {(before, after)} must be smaller than "
                                 f"the dim's size {size} (input shape {list(input.shape)})")
    return ops.pad(input, widths, mode, value)
