"""The example applications deployed at start-up, with their sample data (package data, not code)."""

from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent
