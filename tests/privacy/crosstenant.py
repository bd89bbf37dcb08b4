"""Cross-tenant harness resolvers for the DSGVO and export routes (``<workspace>`` is resolved by the
common harness)."""

RESOLVERS = {
    "fmt": lambda world: "csv",  # the export's format, not an object id
}
