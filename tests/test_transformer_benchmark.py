"""benchmarks/transformer.py times the Transformer encoder and decoder layers (tinynet and, where
installed, PyTorch) and writes its table as a Markdown page headed by the command, the machine and
the versions."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "transformer.py"


def test_the_markdown_page_has_a_row_per_layer(tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--rounds", "1", "--calls", "1", "--markdown",
         "page.md"], check=False, capture_output=True, text=True, cwd=tmp_path, env=environment,
        timeout=300)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "page.md").read_text()
    assert page.startswith("# Transformer layer speed")
    assert "Written by `python benchmarks/transformer.py --quick" in page
    rows = [line for line in page.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| layer | tinynet min ms | torch min ms |")
    assert [row.split(" | ")[0] for row in rows[2:]] == ["| TransformerEncoderLayer",
                                                         "| TransformerDecoderLayer"]
    has_torch = importlib.util.find_spec("torch") is not None
    for row in rows[2:]:
        cells = [cell.strip() for cell in row.strip("| ").split(" | ")]
        assert float(cells[1]) > 0 and float(cells[3]) > 0
        assert (cells[2] != "-") == has_torch
        assert cells[5].endswith("x") == has_torch


def test_bad_counts_are_refused():
    result = subprocess.run([sys.executable, str(SCRIPT), "--calls", "0"], check=False,
                            capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert result.returncode == 2
    assert "--rounds and --calls must be at least 1" in result.stderr


def test_the_composed_layers_compute_what_the_layers_compute():
    import numpy as np

    import tinynet as tn

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import transformer
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    rng = np.random.default_rng(0)
    x, memory = (tn.tensor(rng.standard_normal((2, 5, 8))) for _ in range(2))
    mask = tn.nn.Transformer.generate_square_subsequent_mask(5, dtype=tn.float64)
    encoder = tn.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True).double()
    decoder = tn.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True).double()
    with tn.no_grad():
        for layer in (encoder, decoder):
            for parameter in layer.parameters():
                parameter.add_(0.1 * tn.randn(*parameter.shape, dtype=tn.float64))
        np.testing.assert_allclose(transformer.composed_forward(encoder, x).numpy(),
                                   encoder(x).numpy(), atol=1e-10)
        np.testing.assert_allclose(transformer.composed_forward(decoder, x, memory, mask).numpy(),
                                   decoder(x, memory, tgt_mask=mask).numpy(), atol=1e-10)
