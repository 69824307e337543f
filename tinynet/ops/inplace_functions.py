"""The in-place functions of PyTorch's namespace (``torch.sigmoid_(x)``, ``torch.clamp_(x, 0)``
...): each calls the tensor's in-place method of the same name, which writes into ``input``,
records the op in the graph, and returns ``input``."""

from __future__ import annotations

UNARY_NAMES = [
    "abs_", "acos_", "arccos_", "arcsin_", "arctan_", "asin_", "atan_", "ceil_",
    "cos_", "cosh_", "deg2rad_", "erf_", "exp_", "exp2_", "expm1_", "fix_", "floor_",
    "frac_", "log_", "log10_", "log1p_", "log2_", "neg_", "negative_", "rad2deg_",
    "reciprocal_", "relu_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_",
    "tan_", "tanh_", "trunc_", "zero_",
]


def _unary_inplace(name):
    def function(input):  # noqa: A002 - PyTorch's argument name
        return getattr(input, name)()
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``input.{name}()``: ``{name[:-1]}`` of ``input`` written into it."
    return function


globals().update({name: _unary_inplace(name) for name in UNARY_NAMES})


def clamp_(input, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    """``input.clamp_(min, max)``."""
    return input.clamp_(min, max)


def clip_(input, min=None, max=None):  # noqa: A002
    """``input.clip_(min, max)``."""
    return input.clip_(min, max)


def clamp_min_(input, min):  # noqa: A002
    """``input.clamp_min_(min)``."""
    return input.clamp_min_(min)


def clamp_max_(input, max):  # noqa: A002
    """``input.clamp_max_(max)``."""
    return input.clamp_max_(max)


def round_(input, *, decimals=0):  # noqa: A002
    """``input.round_(decimals=decimals)``."""
    return input.round_(decimals=decimals)


def nan_to_num_(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    """``input.nan_to_num_(nan, posinf, neginf)``."""
    return input.nan_to_num_(nan, posinf, neginf)


def fill_(input, value):  # noqa: A002
    """``input.fill_(value)``."""
    return input.fill_(value)


NAMES = UNARY_NAMES + ["clamp_", "clip_", "clamp_min_", "clamp_max_", "round_", "nan_to_num_",
                       "fill_"]
