"""A stateful local stand-in for the social platforms' APIs (demo and tests).

Imports none of our domains: it plays the outside world.
"""

from agency.sandbox.app import create_sandbox_app, run_sandbox

__all__ = ["create_sandbox_app", "run_sandbox"]
