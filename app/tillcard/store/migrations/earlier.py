"""An earlier migration's module, for a later one that rewrites its SQL.

Migrations build on their predecessors' function texts (a later one swaps a few lines of
an earlier ``CREATE FUNCTION``) and share their pieces (a till's caller check). Their
files start with digits, so they cannot be imported by name; this loads one by its
revision.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

VERSIONS = Path(__file__).parent / "versions"


def migration(revision: str) -> ModuleType:
    """The module of migration ``revision`` (e.g. ``"0008"``), loaded afresh."""
    path = next(VERSIONS.glob(f"{revision}_*.py"))
    spec = importlib.util.spec_from_file_location(f"tillcard_migration_{revision}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
