"""benchmarks/seq2seq_transformer.py: a run of the seq2seq-transformer recipe per task (short
form under CI), read back when it is already there, the recurrent model's numbers read from
docs/results/seq2seq.md, and the page with its per-head figure."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "seq2seq_transformer.py"
sys.path.insert(0, str(ROOT / "benchmarks"))


def _run(tmp_path, *arguments):
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "true", "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, str(SCRIPT), *arguments], check=False,
                          capture_output=True, text=True, cwd=tmp_path, env=environment,
                          timeout=600)


def test_page_has_a_row_per_run_beside_the_recurrent_model_and_reuses_the_runs(tmp_path):
    arguments = ["--tasks", "reversal", "--epochs", "1", "--runs", "runs", "--page", "page.md"]
    result = _run(tmp_path, *arguments)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "page.md").read_text()
    assert page.startswith("# Sequence to sequence with a Transformer")
    assert "Written by `python " in page and "benchmarks/seq2seq_transformer.py --tasks reversal" \
        in page
    rows = [line for line in page.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| task | seed | exact match % | longer inputs % |")
    assert len(rows) == 3 and rows[2].startswith("| reversal | 0 |")
    assert (tmp_path / "page-reversal-attention.png").exists()
    assert "![reversal attention per head](page-reversal-attention.png)" in page
    metrics = tmp_path / "runs" / "reversal" / "seed-0" / "metrics.json"
    written = metrics.stat().st_mtime_ns
    again = _run(tmp_path, *arguments)  # the run is there: read back, not trained again
    assert again.returncode == 0, again.stderr
    assert "--- reversal" not in again.stdout and metrics.stat().st_mtime_ns == written


def test_recurrent_rows_are_read_from_the_recurrent_page():
    import seq2seq_transformer as script

    rows = script.recurrent_rows()
    if not script.RECURRENT_PAGE.exists():
        assert rows == {}
        return
    exact, long, _ = rows[("dates", 0)]
    assert 0 <= exact <= 100 and long is None
    assert rows[("addition", 0)][1] is not None
    assert ("reversal", None) in rows
