"""Swath: deploy CWL application packages and run them as OGC API - Processes jobs."""

__version__ = "0.1.0"
