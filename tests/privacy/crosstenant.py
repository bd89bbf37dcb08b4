"""The DSGVO routes take only ``<workspace>`` (resolved by the common harness); nothing to add."""

RESOLVERS: dict = {}
