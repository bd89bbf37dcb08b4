"""Imports every module that declares jobs, so workers and ``run-job`` know them all."""

from agency import audit  # noqa: F401
