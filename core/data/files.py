"""Which files a visitor's run may read: uploads they made, and the server's dataset folder.

On a shared server nothing a visitor types may name a server file: not a CSV path, not a text
file, not a folder of pickled CIFAR batches (unpickling runs code). So the app gives its registry
a `FilePolicy`: a run's `data.path` must be an upload reference (`upload:<sha256 prefix>.csv`),
made by `store_upload` from bytes the visitor sent; MNIST/CIFAR are read from the one folder the
administrator fills; downloading is off. The CLI has no policy: a teacher's paths are their own.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path

from core.data.base import DataConfig
from core.i18n import _
from core.validation import either

UPLOAD = "upload:"
UPLOAD_KINDS = {
    "csv": (".csv",),
    "text": (".txt", ".md"),
    "image_zip": (".zip",),
    "text_classes": (".csv",),
}
BINARY_KINDS = {"image_zip": b"PK\x03\x04"}  # kind -> how its files begin (a ZIP's signature)
_NAME = re.compile(r"^[0-9a-f]{16}\.(csv|txt|md|zip)$")
DEFAULT_MAX_UPLOAD_MB = 20


def max_upload_bytes() -> int:
    """The largest upload accepted: $BPL_MAX_UPLOAD_MB megabytes (default 20)."""
    return int(float(os.environ.get("BPL_MAX_UPLOAD_MB", DEFAULT_MAX_UPLOAD_MB)) * 2**20)


def store_upload(content: bytes, filename: str, uploads: Path, kind: str) -> str:
    """Keep an uploaded file under `uploads`, named by its content; return its reference.

    ValueError (a message for the visitor) for an empty, oversized, binary or non-UTF-8 file or
    one of the wrong type. The same bytes always give the same reference, so a run that used an
    upload can be re-opened and re-run.
    """
    suffixes = UPLOAD_KINDS[kind]
    suffix = Path(filename).suffix.lower()
    shown = repr(filename)
    if suffix not in suffixes:
        raise ValueError(
            _("{file} is not a {kinds} file").format(file=shown, kinds=either(list(suffixes)))
        )
    if not content.strip():
        raise ValueError(_("{file} is empty").format(file=shown))
    limit = max_upload_bytes()
    if len(content) > limit:
        raise ValueError(
            _("{file} is {size:.1f} MB; the limit is {limit:.0f} MB").format(
                file=shown, size=len(content) / 2**20, limit=limit / 2**20
            )
        )
    if kind in BINARY_KINDS:
        if not content.startswith(BINARY_KINDS[kind]):
            raise ValueError(
                _("{file} is not a {kinds} file (or it is empty)").format(
                    file=shown, kinds=either(list(suffixes))
                )
            )
    elif b"\x00" in content:
        raise ValueError(_("{file} looks like a binary file, not text").format(file=shown))
    else:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as err:
            raise ValueError(
                _("{file} is not UTF-8 text (byte {byte} cannot be read)").format(
                    file=shown, byte=err.start
                )
            ) from None
    name = hashlib.sha256(content).hexdigest()[:16] + suffix
    uploads.mkdir(parents=True, exist_ok=True)
    target = uploads / name
    if not target.exists():
        tmp = target.with_suffix(target.suffix + ".part")
        tmp.write_bytes(content)
        os.replace(tmp, target)
    return UPLOAD + name


def resolve_upload(data: DataConfig, uploads: Path) -> DataConfig:
    """`data` with an `upload:<name>` reference turned into its file under `uploads` (a stored
    run's config read back by the CLI, the API or the Try page); other paths are left alone."""
    if not data.path.startswith(UPLOAD):
        return data
    name = data.path[len(UPLOAD) :]
    if not _NAME.match(name):
        raise ValueError(_("not an upload reference: {path}").format(path=repr(data.path)))
    return replace(data, path=str(uploads / name))


@dataclass(frozen=True)
class FilePolicy:
    """Where a visitor's run may read files: `uploads` (theirs) and `datasets` (the server's)."""

    uploads: Path
    datasets: Path

    def check(self, data: DataConfig) -> None:
        """ValueError unless `data` reads only uploads and the server's dataset folder."""
        default = DataConfig()
        if data.path and not (
            data.path.startswith(UPLOAD) and _NAME.match(data.path[len(UPLOAD) :])
        ):
            raise ValueError(
                _("on this server, files are uploaded, not named by a path: use the upload box")
            )
        if data.path and not (self.uploads / data.path[len(UPLOAD) :]).is_file():
            raise ValueError(_("that uploaded file is no longer on the server; upload it again"))
        if data.data_dir != default.data_dir:
            raise ValueError(_("the image datasets are read from the server's own data folder"))
        if data.download:
            raise ValueError(_("downloading datasets is turned off on this server"))

    def check_start_point(self, init_from: str) -> None:
        """A run to fine-tune from is named as `run:<id>`, never as a server file."""
        if init_from and not init_from.startswith("run:"):
            raise ValueError(
                _("on this server, a run starts from another run (run:<id>), not a file")
            )

    def resolve(self, data: DataConfig) -> DataConfig:
        """`data` with its upload reference and dataset folder turned into server paths (for the
        loaders only: a config a visitor sees keeps the reference)."""
        self.check(data)
        path = str(self.uploads / data.path[len(UPLOAD) :]) if data.path else ""
        return replace(data, path=path, data_dir=str(self.datasets))
