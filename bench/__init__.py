"""Swath's benchmark harness: `python -m bench` (see the README's Benchmarks section)."""
