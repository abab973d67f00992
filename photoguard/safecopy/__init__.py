"""Safe copies: a version of a flagged photo or video that can be posted."""
