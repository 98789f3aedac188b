"""BERTopic (and the torch it pulls in) is a benchmark-only reference: no product package imports it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("core", "embeddings", "store", "service", "cli", "training", "evaluation", "topics", "privacy", "language",
           "sentiment", "priority", "analysis", "client", "clustering", "jobs", "models")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_no_product_module_imports_bertopic():
    offenders = [str(path.relative_to(ROOT)) for package in PRODUCT if (ROOT / package).is_dir()
                 for path in (ROOT / package).rglob("*.py") if "bertopic" in imported_modules(path)]
    assert offenders == []
    assert "bertopic" in imported_modules(ROOT / "benchmarks" / "recluster.py")  # the check sees real imports
