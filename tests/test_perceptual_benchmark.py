"""benchmarks/perceptual.py trains an autoencoder with MSE and with the perceptual loss and
writes the comparison as a Markdown page headed by the command and the machine."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "perceptual.py"


def test_the_page_has_a_row_per_loss_and_the_reconstructions(tmp_path):
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--markdown", "page.md"], check=False,
        capture_output=True, text=True, cwd=tmp_path, env=environment, timeout=600)
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "page.md").read_text()
    assert page.startswith("# A perceptual loss for an autoencoder, against MSE")
    assert "Written by `python " in page and "--quick" in page and "- cpu:" in page
    rows = [line for line in page.splitlines() if line.startswith("| ")]
    assert rows[0] == "| loss | pixel MSE | feature MSE | judge accuracy (%) |"
    assert [row.split(" | ")[0] for row in rows[2:]] == ["| MSE", "| perceptual + MSE"]
    for row in rows[2:]:
        pixel = float(row.split(" | ")[1].split()[0])
        assert 0 < pixel < 0.25  # pixels in [0, 1]
    assert (tmp_path / "page-reconstructions.png").stat().st_size > 0
