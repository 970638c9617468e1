"""Lines of the hand-written package: ``python -m tools.linecount [--files]``.

Counts every ``pulumi_aliread/**/*.py`` except the emulator (``testing/``) and the
files ``tools.codegen`` writes (their first line says so), split into code, docstrings,
comments and blank lines, as issue 19's size target measures the package.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from tools.codegen import GENERATED

PACKAGE = Path(__file__).resolve().parent.parent / "pulumi_aliread"
KINDS = ("code", "doc", "comment", "blank")


def hand_written() -> list[Path]:
    """The package's hand-written modules, emulator and generated files aside."""
    return [
        path for path in sorted(PACKAGE.rglob("*.py"))
        if "testing" not in path.relative_to(PACKAGE).parts
        and GENERATED not in path.read_text(encoding="utf-8").partition("\n")[0]
    ]


def count(path: Path) -> dict[str, int]:
    """Lines of ``path`` by kind: code, docstring, comment, blank."""
    source = path.read_text(encoding="utf-8")
    docs: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if (isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)):
            docs.update(range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1))
    kinds = dict.fromkeys(KINDS, 0)
    for number, line in enumerate(source.splitlines(), 1):
        text = line.strip()
        kind = ("blank" if not text else "doc" if number in docs
                else "comment" if text.startswith("#") else "code")
        kinds[kind] += 1
    return kinds


def main() -> None:
    total = dict.fromkeys(KINDS, 0)
    for path in hand_written():
        kinds = count(path)
        for kind in KINDS:
            total[kind] += kinds[kind]
        if "--files" in sys.argv:
            print(f"{sum(kinds.values()):5}  {path.relative_to(PACKAGE.parent)}")
    print(f"{sum(total.values())} lines: " + ", ".join(f"{total[k]} {k}" for k in KINDS))


if __name__ == "__main__":
    main()
