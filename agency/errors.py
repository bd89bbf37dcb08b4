"""Errors services raise for callers to show: a message, and the field it concerns."""

from __future__ import annotations


class ValidationError(Exception):
    """Input that breaks a business rule. Views show it as a form error (4xx)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(Exception):
    """An object that does not exist for this actor (answers 404)."""
