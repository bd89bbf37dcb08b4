"""Community management practice: one voice (tone guide, persona, the reply checker), saved replies,
experts and escalations, crisis plans, shitstorm detection and incidents, engagement opportunities."""

from flask import Flask


def init_app(app: Flask) -> None:
    pass
