"""``tinynet.summary(model, input_size)``: the table of layers, shapes and parameter counts that
the ``torchinfo`` package prints for PyTorch models, for a tinynet Module.

One forward pass (under ``no_grad``, in eval mode unless ``mode="train"``) on random inputs of
``input_size`` (or on ``input_data``) records each module's input and output shape through forward
hooks, which are removed afterwards; the model's mode is restored. Counts come from the
parameters: a layer's count covers its whole subtree; in parentheses when none of it is trainable.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field

from tinynet import dtypes as _dtypes
from tinynet.autograd import no_grad
from tinynet.creation import rand
from tinynet.random import Generator
from tinynet.tensor import Tensor

COLUMNS = {"input_size": "Input Shape", "output_size": "Output Shape", "num_params": "Param #",
           "params_percent": "Param %", "kernel_size": "Kernel Shape",
           "mult_adds": "Mult-Adds", "trainable": "Trainable"}
ROW_SETTINGS = ("depth", "var_names", "ascii_only")


@dataclass
class LayerInfo:
    """One module of the tree: its path (``var_name``), class, depth and what the forward pass and
    its parameters say about it."""

    var_name: str
    class_name: str
    depth: int
    module: object = field(repr=False)
    depth_index: int = 0
    is_leaf_layer: bool = True
    input_size: list = field(default_factory=list)
    output_size: list = field(default_factory=list)
    output_bytes: int = 0
    num_params: int = 0
    trainable_params: int = 0
    own_params: int = 0  # held by this module itself, not by a submodule
    param_bytes: int = 0
    macs: int = 0
    kernel_size: list | None = None

    @property
    def trainable(self) -> str:
        """"True", "False", "Partial" (some parameters frozen) or "--" (no parameters)."""
        if self.num_params == 0:
            return "--"
        if self.trainable_params == 0:
            return "False"
        return "True" if self.trainable_params == self.num_params else "Partial"


class ModelStatistics:
    """What ``summary`` found: ``summary_list`` (one LayerInfo per module), ``total_params``,
    ``trainable_params``, ``total_mult_adds``, ``total_input``, ``total_output_bytes`` and
    ``total_param_bytes`` (bytes); ``str()`` is the table."""

    def __init__(self, summary_list, input_size, total_input, total_params, trainable_params,
                 total_param_bytes, formatting):
        self.summary_list = summary_list
        self.input_size = input_size
        self.total_input = total_input
        self.total_params = total_params
        self.trainable_params = trainable_params
        self.total_param_bytes = total_param_bytes
        self.formatting = formatting
        leaves = [info for info in summary_list if info.is_leaf_layer]
        self.total_mult_adds = sum(info.macs for info in leaves)
        # outputs of layers with parameters are kept for backward: x2 for their gradients
        self.total_output_bytes = sum(2 * info.output_bytes for info in leaves if info.num_params)

    def __repr__(self) -> str:
        f = self.formatting
        divider = "=" * f.total_width()
        non_trainable = self.total_params - self.trainable_params
        text = (f"{divider}\n{f.header_row()}{divider}\n"
                f"{f.layers_to_str(self.summary_list, self.total_params)}{divider}\n"
                f"Total params: {self.total_params:,}\n"
                f"Trainable params: {self.trainable_params:,}\n"
                f"Non-trainable params: {non_trainable:,}\n")
        if self.input_size is not None:
            unit, value = _readable(self.total_mult_adds)
            total = self.total_input + self.total_output_bytes + self.total_param_bytes
            text += (f"Total mult-adds ({unit}): {_number(value)}\n{divider}\n"
                     f"Input size (MB): {self.total_input / 1e6:0.2f}\n"
                     f"Forward/backward pass size (MB): {self.total_output_bytes / 1e6:0.2f}\n"
                     f"Params size (MB): {self.total_param_bytes / 1e6:0.2f}\n"
                     f"Estimated Total Size (MB): {total / 1e6:0.2f}\n")
        return text + divider

    __str__ = __repr__


def _readable(count) -> tuple[str, float]:
    for unit, scale in (("T", 1e12), ("G", 1e9)):
        if count >= scale:
            return unit, count / scale
    return "M", count / 1e6


def _number(value: float) -> str:
    return f"{int(value):,d}" if float(value).is_integer() else f"{value:,.2f}"


class Formatting:
    """Column widths and row text, as torchinfo lays them out."""

    def __init__(self, max_depth, col_names, col_width, row_settings, summary_list):
        self.max_depth, self.col_names, self.col_width = max_depth, col_names, col_width
        self.show_depth = "depth" in row_settings
        self.show_var_name = "var_names" in row_settings
        self.ascii_only = "ascii_only" in row_settings
        longest = max(len(self.layer_name(info)) + info.depth * 5 + 1 for info in summary_list)
        self.layer_name_width = math.ceil(longest / 5) * 5 if longest >= 40 else 40

    def total_width(self) -> int:
        return len(self.col_names) * self.col_width + self.layer_name_width

    def layer_name(self, info) -> str:
        name = info.class_name
        if self.show_var_name:  # the root's variable name is its class name
            name += f" ({info.var_name or info.class_name})"
        if self.show_depth and info.depth > 0:
            name += f": {info.depth}-{info.depth_index}"
        return name

    def prefix(self, depth) -> str:
        if depth == 0:
            return ""
        if depth == 1:
            return "+ " if self.ascii_only else "├─"
        return ("|    " if self.ascii_only else "│    ") * (depth - 1) + (
            "+ " if self.ascii_only else "└─")

    def format_row(self, name, values) -> str:
        line = f"{name:<{self.layer_name_width}} "
        for column in self.col_names:
            line += f"{values.get(column, ''):<{self.col_width}} "
        return line.rstrip() + "\n"

    def header_row(self) -> str:
        header = (" (var_name)" if self.show_var_name else "") + (
            ":depth-idx" if self.show_depth else "")
        return self.format_row(f"Layer (type{header})", COLUMNS)

    def layers_to_str(self, summary_list, total_params) -> str:
        text = ""
        for position, info in enumerate(summary_list):
            if info.depth > self.max_depth:
                continue
            whole = info.depth == self.max_depth or info.is_leaf_layer
            params = info.num_params if whole else info.own_params
            descendants = _descendants(summary_list, position)
            if info.is_leaf_layer:
                macs = info.macs
            elif info.depth == self.max_depth:
                macs = sum(d.macs for d in descendants if d.is_leaf_layer)
            else:
                macs = 0
            if info.num_params == 0:
                count = "--"
            elif whole:
                count = f"{info.num_params:,}" if info.trainable_params else f"({info.num_params:,})"
            else:
                count = f"{params:,}" if params > 0 else "--"
            values = {
                "input_size": _text(info.input_size), "output_size": _text(info.output_size),
                "num_params": count, "kernel_size": _text(info.kernel_size),
                "params_percent": (f"{params / total_params:>7.2%}" if params and total_params
                                   else "     --"),
                "mult_adds": f"{macs:,}" if macs > 0 else "--",
                "trainable": info.trainable,
            }
            text += self.format_row(self.prefix(info.depth) + self.layer_name(info), values)
        return text


def _text(value) -> str:
    return str(value) if value else "--"


def _descendants(summary_list, position) -> list:
    depth, found = summary_list[position].depth, []
    for info in summary_list[position + 1:]:
        if info.depth <= depth:
            break
        found.append(info)
    return found


def summary(model, input_size=None, input_data=None, batch_dim=None, cache_forward_pass=None,
            col_names=None, col_width=25, depth=3, device=None, dtypes=None, mode=None,
            row_settings=None, verbose=None, **kwargs):
    """The layers of ``model`` as torchinfo's ``summary`` tabulates them; returns a
    ``ModelStatistics`` (``str()`` is the table, printed too when ``verbose`` is 1, the default
    outside an interactive prompt).

    input_size: the shape of the input, batch included, or a list of shapes for several inputs;
    random inputs of ``dtypes`` (float32 by default) are made (integer ones are zeros). Or pass
    ``input_data`` (a Tensor, a list or tuple of positional inputs, or a dict of keyword inputs);
    ``kwargs`` go to ``forward`` too. Without either there is no forward pass: shapes show "--".
    col_names: any of "input_size", "output_size", "num_params", "params_percent",
    "kernel_size", "mult_adds", "trainable" (default output_size and num_params, only
    num_params without an input); depth: the
    deepest level shown (a row at that depth counts its whole subtree); row_settings: "depth",
    "var_names", "ascii_only"; mode: "eval" (default) or "train" during the pass, "same" to keep
    the model's mode.

    Sizes in MB are 10^6 bytes, mult-adds in millions "(M)" (or G, T): the inputs' bytes, twice the outputs' bytes of the layers with
    parameters (their values and gradients) and the parameters' bytes.
    Differs from torchinfo on purpose: rows follow the module tree (registration order), one per
    module however often it is called, and every parameter of the model is counted once, also
    those of modules the forward pass did not reach; input bytes are the arrays' ``nbytes``; the mult-adds line names its unit "(M)" where torchinfo
    prints its enum's name; random inputs come from a generator of their own (seed 0), not the
    global one.
    ``batch_dim``, ``cache_forward_pass`` and ``device`` (CPU only) are accepted for
    compatibility and change nothing.
    """
    from tinynet.nn import Module

    if not isinstance(model, Module):
        raise TypeError(f"summary describes a tinynet.nn.Module; got {type(model).__name__}")
    if col_names is None:  # no forward pass, no shapes to show
        has_input = input_size is not None or input_data is not None
        col_names = ("output_size", "num_params") if has_input else ("num_params",)
    columns = tuple(col_names)
    for column in columns:
        if column not in COLUMNS:
            raise ValueError(f"unknown column {column!r}: col_names are from {', '.join(COLUMNS)}")
    rows = tuple(row_settings) if row_settings is not None else ("depth",)
    for setting in rows:
        if setting not in ROW_SETTINGS:
            raise ValueError(f"unknown row setting {setting!r}: row_settings are from "
                             f"{', '.join(ROW_SETTINGS)}")
    if not isinstance(depth, int) or depth < 0:
        raise ValueError(f"depth must be a non-negative int; got {depth!r}")
    if mode not in (None, "eval", "train", "same"):
        raise ValueError(f"mode must be 'train', 'eval' or 'same'; got {mode!r}")
    if device is not None and str(device) != "cpu":
        raise ValueError(f"tinynet runs on the CPU only; got device={device!r}")
    if input_size is not None and input_data is not None:
        raise ValueError("pass input_size or input_data, not both")

    summary_list = _layer_infos(model)
    args, keywords = _inputs(input_size, input_data, dtypes)
    keywords.update(kwargs)
    if args or keywords:
        _forward(model, summary_list, args, keywords, mode or "eval")
    if verbose is None:
        verbose = 0 if getattr(sys, "ps1", None) else 1
    parameters = list(model.parameters())
    statistics = ModelStatistics(
        summary_list,
        input_size if input_size is not None else (None if input_data is None else "data"),
        sum(t._data.nbytes for t in _tensors((args, keywords))),
        sum(p.numel() for p in parameters),
        sum(p.numel() for p in parameters if p.requires_grad),
        sum(p._data.nbytes for p in parameters),
        Formatting(depth, columns, col_width, rows, summary_list))
    if verbose:
        print(statistics)
    return statistics


def _layer_infos(model) -> list:
    infos, counters = [], {}
    for name, module in model.named_modules():
        level = 0 if name == "" else name.count(".") + 1
        counters[level] = counters.get(level, 0) + 1
        params = list(module.parameters())
        info = LayerInfo(name, type(module).__name__, level, module, counters[level],
                         is_leaf_layer=not any(True for _ in module.children()),
                         num_params=sum(p.numel() for p in params),
                         trainable_params=sum(p.numel() for p in params if p.requires_grad),
                         own_params=sum(p.numel() for p in module.parameters(recurse=False)),
                         param_bytes=sum(p._data.nbytes for p in params))
        kernel = getattr(module, "kernel_size", None)
        if kernel is not None:
            info.kernel_size = list(kernel) if isinstance(kernel, (tuple, list)) else int(kernel)
        infos.append(info)
    return infos


def _inputs(input_size, input_data, dtypes) -> tuple[tuple, dict]:
    if input_data is not None:
        if isinstance(input_data, Tensor):
            return (input_data,), {}
        if isinstance(input_data, dict):
            return (), dict(input_data)
        if isinstance(input_data, (list, tuple)):
            return tuple(input_data), {}
        raise TypeError(f"input_data must be a Tensor, a list or tuple of inputs or a dict; got "
                        f"{type(input_data).__name__}")
    if input_size is None:
        return (), {}
    if not isinstance(input_size, (list, tuple)) or not input_size:
        raise TypeError(f"input_size must be a shape (a list or tuple of ints, batch included) "
                        f"or a list of shapes; got {input_size!r}")
    sizes = [input_size] if isinstance(input_size[0], int) else list(input_size)
    for size in sizes:
        if (not isinstance(size, (list, tuple)) or not all(isinstance(n, int) for n in size)
                or any(n <= 0 for n in size)):
            raise ValueError(f"input_size holds an invalid shape {size!r}: sizes must be "
                             "positive ints")
    dtypes = list(dtypes) if dtypes is not None else [_dtypes.float32] * len(sizes)
    if len(dtypes) != len(sizes):
        raise ValueError(f"{len(dtypes)} dtypes for {len(sizes)} inputs")
    generator = Generator().manual_seed(0)  # its own: the global random state is left alone
    inputs = []
    for size, dtype in zip(sizes, dtypes):
        inputs.append(rand(*size, generator=generator).to(dtype))  # integers: zeros, as torchinfo
    return tuple(inputs), {}


def _tensors(value):
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors(item)


def _first_tensor(value):
    return next(_tensors(value), None)


def _forward(model, summary_list, args, keywords, mode) -> None:
    """One pass with hooks on every module recording its (first) input and output shapes."""
    handles = []
    by_module = {id(info.module): info for info in summary_list}

    def record(module, inputs, output):
        info = by_module[id(module)]
        if info.output_size:
            return
        first_in, first_out = _first_tensor(inputs), _first_tensor(output)
        info.input_size = list(first_in.shape) if first_in is not None else []
        if first_out is not None:
            info.output_size = list(first_out.shape)
            info.output_bytes = first_out._data.nbytes
            info.macs = _mult_adds(info)

    for info in summary_list:
        handles.append(info.module.register_forward_hook(record))
    training = model.training
    try:
        if mode != "same":
            model.train(mode == "train")
        with no_grad():
            model(*args, **keywords)
    except Exception as error:
        executed = [f"{info.class_name}: {info.var_name or '(model)'}" for info in summary_list
                    if info.output_size]
        raise RuntimeError(f"summary's forward pass failed: {error}. Layers that ran before it: "
                           f"{executed}") from error
    finally:
        for handle in handles:
            handle.remove()
        model.train(training)


def _mult_adds(info) -> int:
    """Multiply-adds as torchinfo counts them: a weight or bias of n entries costs n per output
    position of a convolution (batch and spatial positions), n per sample otherwise, and n per
    (batch, time) step for the named weights of a recurrent layer."""
    total, out = 0, info.output_size
    for name, parameter in info.module.named_parameters():
        count = parameter.numel()
        if name in ("weight", "bias"):
            if "Conv" in info.class_name:
                total += count * math.prod(out[:1] + out[2:])
            else:
                total += (out[0] if out else 1) * count
        elif "weight" in name or "bias" in name:
            total += math.prod(out[:2]) * count
    return int(total)
