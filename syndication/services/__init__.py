"""Side effects of syndication: planning copies, delivering them, the per-user lanes, connections."""
