"""Every Python block of README.md (and docs/design.md) runs, as a new user would run it, and prints what it promises.

The convention, for whoever edits the README:

* a comment ``# -> TEXT`` on a top-level statement promises that the statement's output ends with
  the line TEXT; ``...`` in TEXT matches any characters (as doctest's ELLIPSIS). Several such
  comments in one statement promise its last lines, in order. A statement without one may print
  anything.
* each block runs in a fresh Python process (nothing seeded but what the block seeds), in an
  empty working folder, with this checkout first on the path;
* the line just before a block's fence may hold ``<!-- readme-test: skip REASON -->`` (the block
  needs something CI lacks; the reason is required) or ``<!-- readme-test: requires MODULE -->``
  (skipped while MODULE cannot be imported).

Besides, the README keeps its two command markers, stays short, and links only to files that exist.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import os
import re
import subprocess
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = [README, *sorted((ROOT / "docs").glob("**/*.md"))]
MAX_LINES = 250
PROMISE = re.compile(r"#\s*->\s?(.*)$")
DIRECTIVE = re.compile(r"<!--\s*readme-test:\s*(\w+)\s*(.*?)\s*-->")
SEPARATOR = "\x1e-- statement done --\x1e"


@dataclass
class Block:
    line: int  # where the code starts in README.md, 1-based
    code: str
    directive: tuple[str, str] | None


def python_blocks(text: str) -> list[Block]:
    """The ```python blocks of a Markdown text, with the directive on the line before each."""
    blocks, lines = [], text.splitlines()
    index = 0
    while index < len(lines):
        if lines[index].strip() == "```python":
            start = index + 1
            end = next(i for i in range(start, len(lines)) if lines[i].strip() == "```")
            match = DIRECTIVE.search(lines[index - 1]) if index else None
            directive = (match.group(1), match.group(2)) if match else None
            blocks.append(Block(start + 1, "\n".join(lines[start:end]) + "\n", directive))
            index = end
        index += 1
    return blocks


def promises(code: str) -> list[tuple[int, int, list[str]]]:
    """(first line, last line, promised output lines) of every top-level statement of ``code``."""
    comments = {}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT and PROMISE.search(token.string):
            comments[token.start[0]] = PROMISE.search(token.string).group(1).rstrip()
    statements = [(s.lineno, s.end_lineno) for s in ast.parse(code).body]
    claimed = set()
    result = []
    for first, last in statements:
        lines = [n for n in sorted(comments) if first <= n <= last]
        claimed.update(lines)
        result.append((first, last, [comments[n] for n in lines]))
    stray = sorted(set(comments) - claimed)
    assert not stray, f"'# ->' comments outside any statement (lines {stray}): nothing checks them"
    return result


DRIVER = f"""
import ast, sys
code = sys.stdin.read()
namespace = {{"__name__": "__main__"}}
for statement in ast.parse(code).body:
    exec(compile(ast.Module([statement], []), "README.md", "exec"), namespace)
    sys.stdout.flush()
    print({SEPARATOR!r}, flush=True)
"""


def matches(expected: str, actual: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual.rstrip()) is not None


def run_block(code: str, cwd: Path) -> list[str]:
    """The output of each top-level statement of ``code``, run in a fresh interpreter."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]), "MPLBACKEND": "Agg"}
    result = subprocess.run([sys.executable, "-c", DRIVER], input=code, capture_output=True,
                            text=True, cwd=cwd, env=environment, timeout=600)
    assert result.returncode == 0, f"the block failed:\n{result.stderr[-3000:]}"
    return result.stdout.split(SEPARATOR + "\n")[:-1]


TESTED_PAGES = [README, README.parent / "docs" / "design.md"]
BLOCKS = [(page, block) for page in TESTED_PAGES for block in python_blocks(page.read_text())]


def test_the_readme_has_python_blocks_and_every_promise_sits_on_a_statement():
    assert any(page == README for page, _ in BLOCKS)
    for _, block in BLOCKS:
        promises(block.code)


@pytest.mark.parametrize("page, block", BLOCKS,
                         ids=[f"{page.name}:{block.line}" for page, block in BLOCKS])
def test_a_readme_block_prints_what_its_comments_say(page, block, tmp_path):
    if block.directive is not None:
        kind, argument = block.directive
        assert kind in ("skip", "requires"), f"unknown readme-test directive {kind!r}"
        assert argument, f"readme-test: {kind} needs a reason or a module name"
        if kind == "skip":
            pytest.skip(argument)
        if _missing(argument):
            pytest.skip(f"{argument} is not importable")
    outputs = run_block(block.code, tmp_path)
    statements = promises(block.code)
    assert len(outputs) == len(statements)
    for (first, last, expected), output in zip(statements, outputs):
        if not expected:
            continue
        printed = output.rstrip("\n").split("\n")[-len(expected):] if output else []
        where = f"{page.name}:{block.line + first - 1}"
        assert len(printed) == len(expected), f"{where} printed {output!r}, promised {expected}"
        for promised, actual in zip(expected, printed):
            assert matches(promised, actual), f"{where} printed {actual!r}, promised {promised!r}"


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:
        return True


def test_the_convention_catches_a_wrong_promise(tmp_path):
    code = "print(1 + 1)  # -> 3\nx = 5\nprint(x)  # -> 5\n"
    statements = promises(code)
    outputs = run_block(code, tmp_path)
    assert [s[2] for s in statements] == [["3"], [], ["5"]]
    assert outputs == ["2\n", "", "5\n"]
    assert not matches("3", "2") and matches("tensor(0.4...)", "tensor(0.4981)")
    with pytest.raises(AssertionError, match="outside any statement"):
        promises("# -> 1\nprint(1)\n")


def test_the_two_commands_keep_their_markers():
    lines = README.read_text().splitlines()
    for marker, command in [("<!-- main-command -->", "tinynet train cnn --dataset digits"),
                            ("<!-- test-command -->", "python -m pytest")]:
        at = lines.index(marker)
        assert lines[at + 1] == "```bash" and command in lines[at + 2], marker


def test_the_readme_stays_a_front_door():
    assert len(README.read_text().splitlines()) <= MAX_LINES


@pytest.mark.parametrize("page", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_in_the_repository(page):
    for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.exists(), f"{page.name} links to {target}, which is not in the repository"


@pytest.mark.parametrize("page", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_carries_dates_or_load_averages(page):
    text = page.read_text()
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), f"{page.name} carries a date"
    assert "load average" not in text.lower(), f"{page.name} carries a load average"

