"""Outputs kept in S3-compatible object storage (AWS S3, MinIO, Ceph, moto), for workers on many machines.

Keys map to objects `<prefix>/<key>` in the configured bucket. Hrefs stay the API's own
(`/jobs/{id}/outputs/...`), so catalogs and results never expire: the API streams an object from a local cache
(which also gives range requests), or redirects to a presigned URL when `s3_presigned_url_expiry` is set.
Every botocore error is translated here: a missing object is NoSuchFile, anything else StorageUnavailable.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from swath.errors import NoSuchFile, StorageUnavailable
from swath.layout import output_path, parse_output_key
from swath.settings import Settings
from swath.storage.local import file_checksum, guess_media_type
from swath.store.records import StoredFile

_MISSING = {"404", "NoSuchKey", "NotFound"}


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3Storage:
    def __init__(self, settings: Settings) -> None:
        parts = urlsplit(settings.storage)
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self.public_url = settings.resolved_public_url
        self.cache = (settings.data_dir / "cache").resolve()
        self.presign_expiry = settings.s3_presigned_url_expiry
        credentials: dict[str, Any] = {}
        if settings.s3_access_key_id:
            credentials["aws_access_key_id"] = settings.s3_access_key_id
            credentials["aws_secret_access_key"] = settings.s3_secret_access_key.get_secret_value()
        self.client = boto3.client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=60),
            **credentials,
        )

    def _object(self, key: str) -> str:
        parts = key.split("/")
        if not key or key.startswith("/") or any(part in ("", ".", "..") for part in parts):
            raise NoSuchFile(f"Output path '{key}' lies outside the job's outputs.")
        return f"{self.prefix}/{key}" if self.prefix else key

    @contextlib.contextmanager
    def _translated(self, what: str) -> Iterator[None]:
        try:
            yield
        except ClientError as error:
            code = _code(error)
            if code in _MISSING:
                raise NoSuchFile(f"{what} does not exist in s3://{self.bucket}.") from error
            raise StorageUnavailable(f"S3 refused {what.lower()} in bucket '{self.bucket}': {code}.") from error
        except BotoCoreError as error:
            raise StorageUnavailable(f"S3 did not answer for {what.lower()}: {error}.") from error

    def href(self, key: str) -> str:
        # Outputs are served by the API; other keys (job logs, uploads) are not served as files.
        output = parse_output_key(key)
        if output is None:
            return f"s3://{self.bucket}/{self._object(key)}"
        return self.public_url + output_path(output.job_id, output.relative_path)

    def put_file(self, key: str, source: Path, media_type: str | None = None) -> StoredFile:
        media_type = media_type or guess_media_type(key)
        with self._translated(f"Output '{key}'"):
            self.client.upload_file(str(source), self.bucket, self._object(key), ExtraArgs={"ContentType": media_type})
        return StoredFile(key, self.href(key), source.stat().st_size, file_checksum(source), media_type)

    def put_bytes(self, key: str, data: bytes, media_type: str) -> StoredFile:
        with self._translated(f"Output '{key}'"):
            self.client.put_object(Bucket=self.bucket, Key=self._object(key), Body=data, ContentType=media_type)
        checksum = "sha256:" + hashlib.sha256(data).hexdigest()
        return StoredFile(key, self.href(key), len(data), checksum, media_type)

    def local_path(self, key: str) -> Path:
        """A cached local copy of the object."""
        return self._cached(key)

    def read_from(self, key: str, offset: int) -> bytes:
        with self._translated(f"File '{key}'"):
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self._object(key), Range=f"bytes={offset}-")
            except ClientError as error:
                if _code(error) == "InvalidRange":
                    return b""  # the offset is at or past the end: nothing new yet
                raise
            return bytes(answer["Body"].read())

    def local_directory(self, prefix: str) -> Path:
        keys = self._list(prefix)
        if not keys:
            raise NoSuchFile(f"Output folder '{prefix}' does not exist in s3://{self.bucket}.")
        for key in keys:
            self._cached(key)
        return self.cache / self._object(prefix)

    def _cached(self, key: str) -> Path:
        target = self.cache / self._object(key)
        if target.is_file():
            # Objects are written once, by the job that made them. The time of last use is what the read cache's
            # retention rules go by (services/retention.py).
            with contextlib.suppress(OSError):
                os.utime(target)
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f"{target.name}.{uuid.uuid4().hex}.part")
        with self._translated(f"Output file '{key}'"):
            self.client.download_file(self.bucket, self._object(key), str(partial))
        partial.replace(target)
        return target

    def _list(self, key_prefix: str) -> list[str]:
        strip = len(self.prefix) + 1 if self.prefix else 0
        keys: list[str] = []
        with self._translated(f"Listing '{key_prefix}'"):
            for page in self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self._object(key_prefix.rstrip("/")) + "/"
            ):
                keys.extend(str(entry["Key"])[strip:] for entry in page.get("Contents", []))
        return keys

    def remove(self, key: str) -> None:
        objects = [self._object(found) for found in self._list(key)] + [self._object(key)]
        with self._translated(f"Deleting '{key}'"):
            for start in range(0, len(objects), 1000):  # the most one request deletes
                batch = [{"Key": name} for name in objects[start : start + 1000]]
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
        cached = self.cache / self._object(key)
        if cached.is_dir():
            shutil.rmtree(cached, ignore_errors=True)
        else:
            cached.unlink(missing_ok=True)

    def download_url(self, key: str) -> str | None:
        if self.presign_expiry is None:
            return None
        with self._translated(f"Output file '{key}'"):
            self.client.head_object(Bucket=self.bucket, Key=self._object(key))
            url: str = self.client.generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self._object(key)},
                ExpiresIn=self.presign_expiry,
            )
        return url

    def check(self) -> None:
        try:
            with self._translated(f"Bucket '{self.bucket}'"):
                self.client.head_bucket(Bucket=self.bucket)
        except NoSuchFile as error:
            raise StorageUnavailable(
                f"Bucket '{self.bucket}' does not exist; create it, or correct the storage setting."
            ) from error

    def download(self, url: str, target: Path) -> Path:
        """Fetch an `s3://bucket/key` input (any bucket these credentials may read) into `target`."""
        parts = urlsplit(url)
        key = parts.path.lstrip("/")
        if not parts.netloc or not key:
            raise NoSuchFile(f"{url} names no bucket or no object.")
        target.parent.mkdir(parents=True, exist_ok=True)
        with self._translated(f"Input {url}"):
            self.client.download_file(parts.netloc, key, str(target))
        return target
