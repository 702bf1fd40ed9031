"""Imported by the package check's fork server only (services/package_check.py), never by the API itself.

Its import loads a tiny document the way a deploy does, so that schema-salad's caches (the CWL schemas, ~0.5 s) are
filled once in the fork server and inherited by every validation forked from it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from tempfile import TemporaryDirectory

from swath.errors import InvalidPackage
from swath.services import package_check  # noqa: F401  (the children run its functions)
from swath.services.cwl_loading import load_document

_WARM_UP = "cwlVersion: v1.2\nclass: CommandLineTool\nid: swath-warm-up\nbaseCommand: 'true'\ninputs: {}\noutputs: {}\n"


def _warm_up() -> None:
    logger = logging.getLogger("cwltool")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        with TemporaryDirectory(prefix="swath-package-") as directory:
            path = Path(directory) / "package.cwl"
            path.write_text(_WARM_UP, encoding="utf-8")
            load_document(path, None, InvalidPackage, "The warm-up package is not valid CWL")
    finally:
        logger.setLevel(level)


_warm_up()
