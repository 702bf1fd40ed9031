"""Where job outputs live and are served from."""

from swath.storage.base import Storage
from swath.storage.local import LocalStorage

__all__ = ["LocalStorage", "Storage"]
