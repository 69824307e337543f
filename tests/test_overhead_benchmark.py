"""benchmarks/overhead.py measures every framework that is installed, names those that are not,
and writes its table as a Markdown page headed by the command, the machine and the versions."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "overhead.py"
FRAMEWORKS = {"pytorch": "torch", "mygrad": "mygrad", "autograd": "autograd"}


def run(*args, cwd):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          cwd=cwd, env=environment, timeout=300)


def test_the_markdown_page_has_a_row_or_a_note_for_every_framework(tmp_path):
    result = run("--ops", "20", "--repeats", "1", "--markdown", "page.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "page.md").read_text()
    assert page.startswith("# Autograd overhead")
    assert "Written by `python benchmarks/overhead.py --ops 20 --repeats 1" in page
    assert "- numpy: " in page
    rows = [line for line in page.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| framework |") and rows[2].startswith("| tinynet | ")
    for framework, module in FRAMEWORKS.items():
        if importlib.util.find_spec(module) is not None:
            assert any(row.startswith(f"| {framework} | ") for row in rows), framework
        else:
            assert framework in page.split("Not installed, so not measured:")[1]


def test_a_chain_too_short_to_measure_is_refused(tmp_path):
    result = run("--ops", "1", cwd=tmp_path)
    assert result.returncode == 2
    assert "--ops must be at least 2" in result.stderr
