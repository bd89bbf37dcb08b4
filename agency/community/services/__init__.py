"""Writes of the community package, one module per practice. Every function takes the workspace and
the actor explicitly, flushes and never commits (the request or job commits at its edge)."""
