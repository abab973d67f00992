"""The approval log: the hash chain, its witness, reading it, the summary."""
