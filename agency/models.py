"""Imports every package's models so the metadata is complete (Alembic, tests).

A package's tables live in its ``models`` module; a package with tables elsewhere names those
modules in ``MODEL_MODULES`` (``agency.audit`` is a single module holding its table).
"""

from importlib import import_module
from importlib.util import find_spec

from agency.app import PACKAGES

for _name in PACKAGES:
    _package = import_module(f"agency.{_name}")
    for _module in getattr(_package, "MODEL_MODULES", ("models",)):
        if find_spec(f"agency.{_name}.{_module}") is not None:
            import_module(f"agency.{_name}.{_module}")
