"""Where sliding windows land: kernel size, stride, padding and dilation, and the output size.

A 1-D window over (n, c, l) is the 2-D case over (n, c, 1, l) with kernel height 1, stride 1, no
vertical padding and dilation 1; `ConvGeometry.from_shape_1d` builds that geometry, and the 1-D
kernels are thin wrappers that reshape to height 1 and call the 2-D ones.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tinynet.errors import ShapeError

IntPair = int | Sequence[int]


def output_size(
    in_size: int,
    kernel_size: int,
    stride: int = 1,
    pad_before: int = 0,
    pad_after: int = 0,
    dilation: int = 1,
    ceil_mode: bool = False,
) -> int:
    """Number of window positions along one axis (PyTorch's formula, the only copy in tinynet).

    out = floor((in + pad_before + pad_after - dilation*(kernel_size-1) - 1) / stride) + 1,
    with ceil instead of floor when ceil_mode, in which case the last window must still start
    inside the input or the leading padding (otherwise it is dropped). May return 0 or less; the
    caller decides whether that is an error.
    """
    span = in_size + pad_before + pad_after - dilation * (kernel_size - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    size = -(-span // stride) + 1
    if (size - 1) * stride >= in_size + pad_before:
        size -= 1
    return size


def _pair(value: IntPair, name: str) -> tuple[int, int]:
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    pair = tuple(value) if isinstance(value, Sequence) else ()
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) for v in pair):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return int(pair[0]), int(pair[1])


def _same_padding(kernel_size: int, dilation: int) -> tuple[int, int]:
    # PyTorch's "same": the total d*(k-1) is split with the extra element at the end.
    total = dilation * (kernel_size - 1)
    return total // 2, total - total // 2


def _paddings(padding, kernel, stride, dilation, pooling) -> tuple[tuple[int, int], ...]:
    """((pad_top, pad_bottom), (pad_left, pad_right)) from an int, a pair, a pair of pairs or
    the strings "valid" / "same" (convolution only; "same" needs stride 1)."""
    if isinstance(padding, str):
        if pooling or padding not in ("valid", "same"):
            allowed = "an int or pairs" if pooling else "an int, pairs, 'valid' or 'same'"
            raise ValueError(f"padding must be {allowed}, got {padding!r}")
        if padding == "valid":
            return (0, 0), (0, 0)
        if stride != (1, 1):
            raise ValueError(f"padding='same' needs stride 1, got stride={stride}")
        return tuple(_same_padding(k, d) for k, d in zip(kernel, dilation))
    if not isinstance(padding, (int, np.integer)) and all(
        not isinstance(p, (int, np.integer)) for p in padding
    ):
        pads = tuple(_pair(p, "padding per side") for p in padding)
        if len(pads) != 2:
            raise ValueError(f"padding must be ((top, bottom), (left, right)), got {padding!r}")
        return pads
    return tuple((p, p) for p in _pair(padding, "padding"))


def _every_window_overlaps_input(out, stride, pad_before, kernel, dilation, in_size) -> bool:
    starts = np.arange(out)[:, None] * stride - pad_before
    positions = starts + dilation * np.arange(kernel)[None, :]
    return bool(((positions >= 0) & (positions < in_size)).any(axis=1).all())


@dataclass(frozen=True)
class ConvGeometry:
    """A kh x kw window with dilation (dh, dw), stepping (sh, sw) over an in_h x in_w plane that
    is zero padded by pad_top/pad_bottom rows and pad_left/pad_right columns.

    Output position (oh, ow) and kernel offset (i, j) read the input at
        row = oh*sh - pad_top + i*dh,    column = ow*sw - pad_left + j*dw,
    and positions outside [0, in_h) x [0, in_w) are padding. out_h x out_w windows in all.
    Padding is per side so that "same" convolution with an even kernel fits (PyTorch puts the
    extra row/column at the bottom/right). With ceil_mode (pooling) the last windows may reach past
    the padded input; `overhang_h` / `overhang_w` say by how much.
    """

    kh: int
    kw: int
    sh: int
    sw: int
    pad_top: int
    pad_bottom: int
    pad_left: int
    pad_right: int
    dh: int
    dw: int
    in_h: int
    in_w: int
    out_h: int
    out_w: int

    @classmethod
    def from_shape(
        cls,
        input_shape: Sequence[int],
        kernel_size: IntPair,
        stride: IntPair | None = 1,
        padding: IntPair | Sequence[Sequence[int]] | str = 0,
        dilation: IntPair = 1,
        ceil_mode: bool = False,
        pooling: bool = False,
    ) -> "ConvGeometry":
        """The geometry of windows over the last two dimensions of `input_shape` (h, w).

        kernel_size, stride, dilation: an int or (h, w); stride None means stride = kernel_size.
        padding: an int, (ph, pw), ((top, bottom), (left, right)), or "valid" / "same"
        (convolution only; "same" requires stride 1 and pads d*(k-1) in total, the odd one at the
        bottom/right, like PyTorch).
        pooling: apply PyTorch's pooling rules (padding at most half the kernel size; windows may
        reach past the padded input with ceil_mode; every window must overlap the input) instead
        of the convolution rule (the dilated kernel fits inside the padded input).
        Raises ValueError naming the values when the geometry is invalid.
        """
        if len(input_shape) < 2:
            raise ShapeError(f"input shape {tuple(input_shape)} needs at least 2 dims (h, w)")
        if ceil_mode and not pooling:
            raise ShapeError("ceil_mode is a pooling option; pass pooling=True")
        in_hw = tuple(int(v) for v in input_shape[-2:])
        kernel = _pair(kernel_size, "kernel_size")
        step = kernel if stride is None else _pair(stride, "stride")
        dilate = _pair(dilation, "dilation")
        for name, pair in (("kernel_size", kernel), ("stride", step), ("dilation", dilate)):
            if min(pair) < 1:
                raise ValueError(f"{name} must be positive, got {pair}")
        pads = _paddings(padding, kernel, step, dilate, pooling)
        if min(min(p) for p in pads) < 0:
            raise ShapeError(f"padding must be nonnegative, got {pads}")
        if pooling and any(max(p) > k // 2 for p, k in zip(pads, kernel)):
            raise ShapeError(
                f"pooling padding must be at most half the kernel size, got padding {pads} "
                f"for kernel_size {kernel}"
            )
        out = []
        axes = enumerate(zip(in_hw, kernel, step, pads, dilate))
        for axis, (size, k, s, (before, after), d) in axes:
            extent = d * (k - 1) + 1
            if not pooling and extent > size + before + after:
                raise ShapeError(
                    f"kernel of extent {extent} (kernel_size {k}, dilation {d}) is larger than "
                    f"the padded input {size + before + after} (size {size} + padding "
                    f"{before} + {after}) along axis {axis} of input shape {tuple(input_shape)}"
                )
            n_windows = output_size(size, k, s, before, after, d, ceil_mode)
            if n_windows < 1:
                raise ShapeError(
                    f"output size {n_windows} is too small: input shape {tuple(input_shape)}, "
                    f"kernel_size {kernel}, stride {step}, padding {pads}, dilation {dilate}"
                )
            # (without dilation, padding of at most half the kernel guarantees the overlap)
            if (
                pooling
                and d > 1
                and not _every_window_overlaps_input(n_windows, s, before, k, d, size)
            ):
                raise ShapeError(
                    f"a pooling window lies entirely in the padding: input shape "
                    f"{tuple(input_shape)}, kernel_size {kernel}, padding {pads}, dilation {dilate}"
                )
            out.append(n_windows)
        (pad_top, pad_bottom), (pad_left, pad_right) = pads
        return cls(
            kh=kernel[0], kw=kernel[1], sh=step[0], sw=step[1],
            pad_top=pad_top, pad_bottom=pad_bottom, pad_left=pad_left, pad_right=pad_right,
            dh=dilate[0], dw=dilate[1], in_h=in_hw[0], in_w=in_hw[1], out_h=out[0], out_w=out[1],
        )  # fmt: skip

    @classmethod
    def from_shape_1d(
        cls,
        input_shape: Sequence[int],
        kernel_size: int,
        stride: int | None = 1,
        padding: int | str = 0,
        dilation: int = 1,
        ceil_mode: bool = False,
        pooling: bool = False,
    ) -> "ConvGeometry":
        """The geometry of windows over the last dimension (l) of `input_shape`, as the 2-D
        geometry of a height-1 plane: kh = sh = dh = 1, no vertical padding, in_h = out_h = 1.
        Arguments as in `from_shape`, each an int; padding also "valid" or "same"."""
        stride = kernel_size if stride is None else stride
        if not isinstance(padding, str):
            padding = ((0, 0), (padding, padding))
        return cls.from_shape(
            (1, input_shape[-1]), (1, kernel_size), (1, stride), padding, (1, dilation),
            ceil_mode, pooling,
        )  # fmt: skip

    @property
    def pad_h(self) -> tuple[int, int]:
        """(pad_top, pad_bottom), in the form np.pad takes."""
        return self.pad_top, self.pad_bottom

    @property
    def pad_w(self) -> tuple[int, int]:
        """(pad_left, pad_right), in the form np.pad takes."""
        return self.pad_left, self.pad_right

    @property
    def overhang_h(self) -> int:
        """Rows by which the last window reaches past the padded input (ceil_mode only, else 0)."""
        reach = (self.out_h - 1) * self.sh + (self.kh - 1) * self.dh + 1
        return max(0, reach - (self.pad_top + self.in_h + self.pad_bottom))

    @property
    def overhang_w(self) -> int:
        """Columns by which the last window reaches past the padded input (ceil_mode only)."""
        reach = (self.out_w - 1) * self.sw + (self.kw - 1) * self.dw + 1
        return max(0, reach - (self.pad_left + self.in_w + self.pad_right))

    def check_input(self, shape: Sequence[int], name: str = "input") -> None:
        """Raise ValueError unless `shape` is (n, c, in_h, in_w)."""
        if len(shape) != 4 or tuple(shape[2:]) != (self.in_h, self.in_w):
            raise ShapeError(
                f"{name} of shape {tuple(shape)} does not match the geometry: expected "
                f"(n, c, {self.in_h}, {self.in_w})"
            )

    def check_output(self, shape: Sequence[int], name: str = "grad_output") -> None:
        """Raise ValueError unless `shape` is (n, c, out_h, out_w)."""
        if len(shape) != 4 or tuple(shape[2:]) != (self.out_h, self.out_w):
            raise ShapeError(
                f"{name} of shape {tuple(shape)} does not match the geometry: expected "
                f"(n, c, {self.out_h}, {self.out_w})"
            )
