"""Transformer layer speed: nn.TransformerEncoderLayer and nn.TransformerDecoderLayer forward +
backward in tinynet and in PyTorch's CPU implementation, each library at its default thread count
(--threads N gives both N).

The workload is the one the target is stated for: d_model 128, 4 heads, feed-forward 512, batch
32, sequence 64, batch_first, float32, in training mode with PyTorch's default dropout 0.1 (so
both libraries draw dropout masks); the decoder layer attends to a memory of the same size with
the causal mask on its own sequence. A step is ``layer(x).sum().backward()`` (the decoder's
``layer(x, memory)``), x (and the memory) requiring grad, the same initial weights in both
libraries (PyTorch's state_dict loaded into tinynet). The implementations are interleaved as in
benchmarks/recurrent.py: round after round, each runs a block of calls after a short pause and a
few untimed ones; the table gives the minimum and the median milliseconds over all rounds and the
ratio of the minima to PyTorch's (on a shared machine the minimum is the time least disturbed by
other processes). Target: encoder layer tinynet/torch <= 1.5x.

The "composed" column is the same layer written with tinynet's core ops only (softmax as
exp(x − logsumexp x), layer norm as mean, subtraction, sqrt and division, the attention as two
matmuls), the same weights and dropout: what the fused ops (tinynet.ops.attention: the softmax with
its mask, layer norm) gain over it.

    PYTHONPATH=. python benchmarks/transformer.py [--rounds 7] [--calls 5] [--threads N]
        [--markdown FILE] [--json out.json] [--quick]
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np
from recurrent import blas_name, publish, timings

LAYERS = ("TransformerEncoderLayer", "TransformerDecoderLayer")


def make_step(library, name, state, x_array, memory_array, heads, feedforward):
    """A forward + backward step of layer ``name`` in ``library`` (tinynet or torch), its
    weights from ``state``."""
    layer = getattr(library.nn, name)(x_array.shape[-1], heads, feedforward, batch_first=True)
    layer.load_state_dict({k: library.tensor(v) for k, v in state.items()})
    layer.train()
    x = library.tensor(x_array, requires_grad=True)
    if name == "TransformerEncoderLayer":
        def step():
            layer(x).sum().backward()
        return step
    memory = library.tensor(memory_array, requires_grad=True)
    mask = library.nn.Transformer.generate_square_subsequent_mask(x_array.shape[1])

    def step():
        layer(x, memory, tgt_mask=mask, tgt_is_causal=True).sum().backward()
    return step


def _composed_layer_norm(x, weight, bias, eps):
    centered = x - x.mean(-1, keepdim=True)
    return centered / ((centered * centered).mean(-1, keepdim=True) + eps).sqrt() * weight + bias


def _composed_attention(attention, query, source, mask):
    """nn.MultiheadAttention's forward (batch_first, no padding) in core ops."""
    import tinynet as tn
    from tinynet.nn import functional as F

    size, heads = attention.embed_dim, attention.num_heads
    weight, bias = attention.in_proj_weight, attention.in_proj_bias
    q = F.linear(query, weight[:size], bias[:size])
    k = F.linear(source, weight[size:2 * size], bias[size:2 * size])
    v = F.linear(source, weight[2 * size:], bias[2 * size:])
    q, k, v = (t.reshape(t.shape[0], t.shape[1], heads, size // heads).transpose(1, 2)
               for t in (q, k, v))
    scores = q @ k.transpose(-2, -1) / (size // heads) ** 0.5
    if mask is not None:
        scores = scores + mask
    weights = F.dropout(tn.softmax(scores, -1), attention.dropout)
    out = (weights @ v).transpose(1, 2).reshape(query.shape)
    return attention.out_proj(out)


def composed_forward(layer, x, memory=None, mask=None):
    """``layer``'s forward (a post-norm, relu, batch_first TransformerEncoderLayer, or a
    TransformerDecoderLayer with ``memory`` and its self-attention ``mask``) in core ops, in
    training mode."""
    from tinynet.nn import functional as F

    p = layer.dropout.p

    def norm(module, y):
        return _composed_layer_norm(y, module.weight, module.bias, module.eps)

    y = x
    y = norm(layer.norm1, y + F.dropout(_composed_attention(layer.self_attn, y, y, mask), p))
    if memory is not None:
        y = norm(layer.norm2, y + F.dropout(
            _composed_attention(layer.multihead_attn, y, memory, None), p))
    hidden = F.dropout(F.relu(layer.linear1(y)), p)
    last = layer.norm2 if memory is None else layer.norm3
    return norm(last, y + F.dropout(layer.linear2(hidden), p))


def composed_step(name, state, x_array, memory_array, heads, feedforward):
    """The forward + backward step of ``make_step`` for tinynet, with ``composed_forward``."""
    import tinynet as tn

    layer = getattr(tn.nn, name)(x_array.shape[-1], heads, feedforward, batch_first=True)
    layer.load_state_dict({k: tn.tensor(v) for k, v in state.items()})
    x = tn.tensor(x_array, requires_grad=True)
    if name == "TransformerEncoderLayer":
        def step():
            composed_forward(layer, x).sum().backward()
        return step
    memory = tn.tensor(memory_array, requires_grad=True)
    mask = tn.nn.Transformer.generate_square_subsequent_mask(x_array.shape[1])

    def step():
        composed_forward(layer, x, memory, mask).sum().backward()
    return step


def initial_state(name, size, heads, feedforward) -> dict:
    """A layer's state_dict as float32 arrays: tinynet's initialization, with nonzero biases."""
    import tinynet

    tinynet.manual_seed(0)
    layer = getattr(tinynet.nn, name)(size, heads, feedforward, batch_first=True)
    rng = np.random.default_rng(0)
    return {k: (v.detach().numpy() + (0.02 * rng.standard_normal(v.shape) if "bias" in k
                                      else 0.0)).astype(np.float32)
            for k, v in layer.state_dict().items()}


def measure(args) -> dict:
    import tinynet

    try:
        import torch
    except ImportError:
        torch = None
    if args.threads:
        tinynet.set_num_threads(args.threads)
        if torch is not None:
            torch.set_num_threads(args.threads)
    size, heads, feedforward, batch, length = (16, 2, 32, 2, 5) if args.quick else (
        128, 4, 512, 32, 64)
    rng = np.random.default_rng(0)
    x_array = rng.standard_normal((batch, length, size)).astype(np.float32)
    memory_array = rng.standard_normal((batch, length, size)).astype(np.float32)
    results = {"workload": {"d_model": size, "heads": heads, "feedforward": feedforward,
                            "batch": batch, "length": length, "dropout": 0.1},
               "threads": {"tinynet": tinynet.get_num_threads()}, "rows": {}}
    if torch is not None:
        results["threads"]["torch"] = torch.get_num_threads()
        results["torch_version"] = torch.__version__
    for name in LAYERS:
        state = initial_state(name, size, heads, feedforward)
        steps = {"tinynet": make_step(tinynet, name, state, x_array, memory_array, heads,
                                      feedforward),
                 "composed": composed_step(name, state, x_array, memory_array, heads,
                                           feedforward)}
        if torch is not None:
            steps["torch"] = make_step(torch, name, state, x_array, memory_array, heads,
                                       feedforward)
        times = timings(steps, args.rounds, args.calls)
        results["rows"][name] = {library: {"min": min(values),
                                           "median": statistics.median(values)}
                                 for library, values in times.items()}
    return results


def table(results: dict) -> tuple[list[str], list[list[str]]]:
    headers = ["layer", "tinynet min ms", "torch min ms", "tinynet median ms",
               "torch median ms", "tinynet/torch (min)", "tinynet/torch (median)",
               "composed min ms", "composed/tinynet (min)"]
    cells = []
    for name, row in results["rows"].items():
        ours, theirs = row["tinynet"], row.get("torch")
        cells.append([
            name, f"{ours['min'] * 1e3:.2f}",
            f"{theirs['min'] * 1e3:.2f}" if theirs else "-",
            f"{ours['median'] * 1e3:.2f}",
            f"{theirs['median'] * 1e3:.2f}" if theirs else "-",
            f"{ours['min'] / theirs['min']:.2f}x" if theirs else "-",
            f"{ours['median'] / theirs['median']:.2f}x" if theirs else "-",
            f"{row['composed']['min'] * 1e3:.2f}",
            f"{row['composed']['min'] / ours['min']:.2f}x"])
    return headers, cells


def summary(results: dict, args) -> str:
    w = results["workload"]
    threads = ", ".join(f"{k} {v}" for k, v in results["threads"].items())
    return (f"Forward + backward of one layer: d_model {w['d_model']}, {w['heads']} heads, "
            f"feed-forward {w['feedforward']}, batch {w['batch']}, sequence {w['length']}, "
            f"batch_first, float32, training mode with dropout {w['dropout']}; the decoder layer "
            f"with a memory of the same size and the causal mask. {args.rounds} rounds of "
            f"{args.calls} calls per implementation, interleaved; minimum and median over all "
            f"calls. Threads: {threads}. NumPy's BLAS: {blas_name()}. Target: encoder layer "
            f"tinynet/torch <= 1.5x.")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=5, help="timed calls per block")
    parser.add_argument("--threads", type=int, help="threads for both libraries "
                        "(tinynet.set_num_threads, torch.set_num_threads; default: each "
                        "library's own default)")
    parser.add_argument("--quick", action="store_true", help="a tiny workload (a smoke test)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table as a results "
                        "page (tinynet.report) to FILE")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.calls < 1:
        parser.error("--rounds and --calls must be at least 1")
    if args.threads is not None and args.threads < 1:
        parser.error(f"--threads must be at least 1, got {args.threads}")
    results = measure(args)
    publish(results, table(results), summary(results, args), args, argv, "transformer.py",
            "Transformer layer speed: tinynet and PyTorch")
    return results


if __name__ == "__main__":
    main()
