"""The import direction of DESIGN.md §2: a package imports only the packages below it.

Every ``import`` in ``agency/`` (also the ones inside functions) is parsed; an import of a package
above the importing one fails with its file and line. Signals, template macros and ``agency.wiring``
are how a lower package lets an upper one take part — never a Python import upwards.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

AGENCY = Path(__file__).resolve().parents[2] / "agency"

#: Lowest first. Packages on one level may not import each other either.
LAYERS: list[set[str]] = [
    {"__init__", "config", "db", "queue", "extensions", "embedded", "crypto", "audit", "errors", "mail",
     "mailcatcher", "wiring", "schedule", "rls", "web", "forms", "security", "storage", "textsafety", "charts",
     "identicon"},
    {"accounts"},
    {"channels"},
    {"inbox"},
    {"sla"},
    {"community"},
    {"moderation"},
    {"people"},
    {"timetracking"},
    {"billing"},
    {"reports"},
    {"privacy"},
    {"dashboard"}, {"portal"}, {"api"},
]
FACES = {"dashboard", "portal", "api"}
#: The composition root may import everything.
ROOT = {"app", "cli", "models", "demo", "demo_history", "wsgi"}
#: The platforms' stand-in imports none of our domains, and no domain imports it.
SANDBOX = {"sandbox", "stripe_double"}


def _level(top: str) -> int | None:
    for index, names in enumerate(LAYERS):
        if top in names:
            return index
    return None


def _top(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "agency":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = ".".join(path.relative_to(AGENCY.parent).with_suffix("").parts)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: -node.level]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            yield node.lineno, module
            if module == "agency":
                for alias in node.names:
                    yield node.lineno, f"agency.{alias.name}"


def violations() -> list[str]:
    found = []
    for path in sorted(AGENCY.rglob("*.py")):
        rel = path.relative_to(AGENCY)
        own = rel.parts[0].removesuffix(".py") if len(rel.parts) > 1 else rel.stem
        if own in ROOT:
            continue
        for line, module in _imports(path):
            target = _top(module)
            if target is None or target == own or target == "__init__":
                continue
            where = f"agency/{rel}:{line} imports {module}"
            if own in SANDBOX:
                if _level(target) not in (0,):
                    found.append(f"{where} (the sandbox imports none of our domains)")
                continue
            if target in SANDBOX:
                found.append(f"{where} (only the composition root and tests use the sandbox)")
                continue
            if target in ROOT:
                found.append(f"{where} (the composition root is imported by no package)")
                continue
            mine, theirs = _level(own), _level(target)
            if mine is None:
                found.append(f"{where} (agency/{rel.parts[0]} is not in LAYERS: add it where it belongs)")
                continue
            if theirs is None:
                found.append(f"{where} ({target} is not in LAYERS)")
                continue
            if theirs > mine or (theirs == mine and own in FACES):
                found.append(f"{where} (upward: {own} is below {target})")
    return found


def test_no_package_imports_upwards():
    assert violations() == []


def test_the_check_finds_an_upward_import(tmp_path, monkeypatch):
    """Not vacuous: a fake inbox module importing the SLA engine is reported with file and line."""
    fake = tmp_path / "agency"
    (fake / "inbox").mkdir(parents=True)
    (fake / "inbox" / "bad.py").write_text("import os\n\ndef f():\n    from agency.sla import services\n")
    (fake / "sla").mkdir()
    (fake / "sla" / "ok.py").write_text("from agency.inbox.models import Interaction\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["x"]), "AGENCY", fake)
    assert violations() == ["agency/inbox/bad.py:4 imports agency.sla (upward: inbox is below sla)"]


@pytest.mark.parametrize("package", sorted(p.name for p in AGENCY.iterdir() if (p / "__init__.py").exists()))
def test_every_package_has_init_app_or_is_the_sandbox(package):
    import importlib

    module = importlib.import_module(f"agency.{package}")
    if package in SANDBOX:
        return
    assert callable(getattr(module, "init_app", None)), f"agency/{package}/__init__.py needs init_app(app)"
