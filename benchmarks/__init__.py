"""Benchmarks: `make bench`. Speed is shown here, never asserted in tests."""
