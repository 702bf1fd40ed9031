"""Where job outputs live and are served from: a local or shared directory, or S3-compatible object storage."""

from swath.settings import Settings
from swath.storage.base import Storage
from swath.storage.local import LocalStorage

__all__ = ["LocalStorage", "Storage", "open_storage"]


def open_storage(settings: Settings) -> Storage:
    """The storage the settings name; each process (server, runner child) opens its own."""
    if settings.is_s3_storage:
        from swath.storage.s3 import S3Storage  # boto3 is needed only by S3 deployments

        return S3Storage(settings)
    return LocalStorage(settings.storage_dir, settings.resolved_public_url)
