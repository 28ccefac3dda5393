"""The layout of docs/architecture.md, kept by tests: the import contracts, and no import
hidden inside a function to dodge a loop."""
import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_DIRS = ("config", "accounts", "evidence")


def _function_imports():
    for directory in APP_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            for node in ast.walk(ast.parse("\n".join(lines))):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        yield path.relative_to(ROOT), inner.lineno, lines


def _explained(lines, lineno) -> bool:
    """A comment on the import's line, or on the line just above its group of imports."""
    if "#" in lines[lineno - 1]:
        return True
    i = lineno - 2
    while i >= 0 and lines[i].strip().startswith(("import ", "from ")):
        i -= 1
    return i >= 0 and lines[i].strip().startswith("#")


def test_imports_inside_functions_say_why():
    unexplained = [f"{path}:{lineno}: {lines[lineno - 1].strip()}" for path, lineno, lines in _function_imports()
                   if not _explained(lines, lineno)]
    assert not unexplained, "Import at module level, or say in a comment why not:\n" + "\n".join(unexplained)


def test_the_import_contracts_hold():
    """The same check `make test` runs first (lint-imports, contracts in pyproject.toml)."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    result = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_a_contract_breaks_when_a_lower_layer_imports_a_higher_one(tmp_path):
    """The contracts are not decoration: a copy of the tree in which the store imports
    a domain's services breaks the layers contract."""
    copy = tmp_path / "tree"
    for name in (*APP_DIRS, "pyproject.toml"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, copy / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
        else:
            shutil.copy(src, copy / name)
    blobstore = copy / "evidence" / "store" / "blobstore.py"
    blobstore.write_text(blobstore.read_text(encoding="utf-8") + "\nfrom evidence.cases import services  # noqa\n",
                         encoding="utf-8")
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    result = subprocess.run([lint, "--no-cache"], cwd=copy, capture_output=True, text=True, timeout=300,
                            env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1, result.stdout[-3000:]
    assert "evidence.store.blobstore -> evidence.cases.services" in result.stdout
