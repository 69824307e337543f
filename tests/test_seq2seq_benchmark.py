"""benchmarks/seq2seq_strategies.py: each configuration a run of the seq2seq recipe (short form
under CI), read back when it is already there, and the page's table per task."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "seq2seq_strategies.py"


def _run(tmp_path, *arguments):
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "CI": "true", "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, str(SCRIPT), *arguments], check=False,
                          capture_output=True, text=True, cwd=tmp_path, env=environment,
                          timeout=600)


def test_page_has_a_row_per_configuration_and_reuses_the_runs(tmp_path):
    arguments = ["--tasks", "sorting", "--configs", "teacher:bahdanau", "teacher:none",
                 "--epochs", "1", "--runs", "runs", "--markdown", "page.md"]
    result = _run(tmp_path, *arguments)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "page.md").read_text()
    assert page.startswith("# Sequence to sequence: attention and the training strategies")
    assert "Written by `python benchmarks/seq2seq_strategies.py --tasks sorting" in page
    assert "## sorting" in page and "cap the epochs of every run at 1 " in page
    rows = [line for line in page.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| strategy | seeds | exact match % | longer inputs % |")
    assert [row.split(" | ")[0] for row in rows[2:]] == ["| teacher", "| teacher, attention none"]
    for name in ("seq2seq-sorting-length.png", "seq2seq-sorting-attention.png"):
        assert (tmp_path / name).exists()
    metrics = tmp_path / "runs" / "sorting-teacher-none" / "seed-0" / "metrics.json"
    written = metrics.stat().st_mtime_ns
    again = _run(tmp_path, *arguments)  # the runs are there: read back, not trained again
    assert again.returncode == 0, again.stderr
    assert "--- sorting" not in again.stdout and metrics.stat().st_mtime_ns == written
