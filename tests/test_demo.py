"""The README's main job: the from-scratch training loop learns the digits."""

import pytest

pytest.importorskip("sklearn")


def test_demo_learns_the_digits(capsys):
    from tinynet.demo import main

    result = main(["--epochs", "8", "--seed", "1"])
    assert result["test_accuracy"] > 0.93
    assert "test accuracy" in capsys.readouterr().out
