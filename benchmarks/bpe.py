"""Compression of the byte-level BPE tokenizer (tinynet.data.text.BPETokenizer): trained on the
char-lm recipe's training text (the standard library's docstrings, the first MAX_CHARS
characters, the last 10% held out by ``split_text``), scored on the held-out text as tokens per
character and bytes per token, for several vocabulary sizes. Also checks that every held-out
text comes back exactly from encode then decode.

    PYTHONPATH=. python benchmarks/bpe.py [--max-chars 250000] [--sizes 512 1024 2048]
        [--markdown FILE]
"""

from __future__ import annotations

import argparse
import time

from tinynet.data.datasets.text_corpus import split_text, stdlib_docstrings
from tinynet.data.text import BPETokenizer
from tinynet.report import markdown_table, write_markdown


def measure(max_chars: int, sizes) -> tuple[list, dict]:
    train_text, val_text = split_text(stdlib_docstrings(max_chars=max_chars))
    rows = []
    for size in sizes:
        start = time.perf_counter()
        tokenizer = BPETokenizer.train(train_text, vocab_size=size,
                                       special_tokens=["<|endoftext|>"])
        seconds = time.perf_counter() - start
        ids = tokenizer.encode(val_text)
        if tokenizer.decode(ids) != val_text:
            raise AssertionError(f"vocab_size {size}: the round trip changed the text")
        train_ids = tokenizer.encode(train_text)
        rows.append({"vocab_size": size, "merges": len(tokenizer.merges),
                     "val_tokens_per_char": len(ids) / len(val_text),
                     "train_tokens_per_char": len(train_ids) / len(train_text),
                     "val_bytes_per_token": len(val_text.encode("utf-8")) / len(ids),
                     "train_seconds": seconds})
    corpus = {"train_chars": len(train_text), "val_chars": len(val_text)}
    return rows, corpus


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-chars", type=int, default=250_000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024, 2048])
    parser.add_argument("--markdown")
    args = parser.parse_args(argv)
    rows, corpus = measure(args.max_chars, args.sizes)
    table = markdown_table(
        ["vocab size", "merges", "held-out tokens/char", "training tokens/char",
         "held-out bytes/token", "training time (s)"],
        [[r["vocab_size"], r["merges"], f"{r['val_tokens_per_char']:.3f}",
          f"{r['train_tokens_per_char']:.3f}", f"{r['val_bytes_per_token']:.2f}",
          f"{r['train_seconds']:.1f}"] for r in rows])
    body = (f"Byte-level BPE trained on {corpus['train_chars']:,} characters of the standard "
            f"library's docstrings (the char-lm recipe's training text) and scored on the "
            f"{corpus['val_chars']:,} held-out characters (its test text). A character model "
            f"has 1 token per character; every held-out text came back exactly from "
            f"encode then decode.\n\n{table}\n")
    print(body)
    if args.markdown:
        write_markdown(args.markdown, "Byte-pair encoding: compression on held-out text", body)


if __name__ == "__main__":
    main()
