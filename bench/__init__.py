"""Benchmarks and generated test corpora for the archive."""
