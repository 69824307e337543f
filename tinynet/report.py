"""Results as Markdown: the tables that benchmark scripts and recipes write into ``docs/``, each
headed by the command that produced it, the machine and the library versions, so that a reader can
reproduce every figure."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

VERSIONED_PACKAGES = ("numpy", "numba", "torch", "threadpoolctl", "mygrad", "autograd")


def cpu_model() -> str:
    """The processor's model name (from /proc/cpuinfo on Linux), else what platform reports."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment() -> dict[str, str]:
    """The machine and the versions a result was measured with: CPU, logical cores, OS, Python and
    the installed versions of the numerical packages (those not installed are left out)."""
    info = {"cpu": cpu_model(), "logical cores": str(os.cpu_count()),
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            info[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    commit = _git_commit()
    if commit:
        info["tinynet commit"] = commit
    return info


def _git_commit() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=5, cwd=Path(__file__).resolve().parent)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub Markdown table: one header row, then one row per item of ``rows``."""
    lines = ["| " + " | ".join(map(str, headers)) + " |",
             "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


def markdown_report(title: str, command: str, body: str) -> str:
    """A results page: the title, the command that wrote it, the environment, then ``body``."""
    env = "\n".join(f"- {key}: {value}" for key, value in environment().items())
    return f"# {title}\n\nWritten by `{command}` on:\n\n{env}\n\n{body.rstrip()}\n"


def write_markdown(path: str | os.PathLike, title: str, body: str,
                   command: str | None = None) -> Path:
    """Write ``markdown_report`` to ``path`` (folders created) and return the path. ``command``
    defaults to the running program's command line."""
    command = command or " ".join(["python", *sys.argv])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown_report(title, command, body))
    return path
