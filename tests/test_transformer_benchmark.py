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
