"""Your own images as a dataset: a ZIP file with one folder per class (`cats/1.png`, `dogs/7.jpg`).

The archive is read in memory, never unpacked to disk, so names inside it cannot reach the file
system. It is parsed as untrusted input: sizes are checked before anything is decompressed, each
image is decoded on its own (a broken one is skipped and counted), and every problem becomes a
ValueError written for the person who uploaded it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

import torch
from PIL import Image, UnidentifiedImageError

from core.data.base import DataBundle, DataConfig, DatasetEntry, DataSpec, split
from core.data.vision import standardize_images
from core.i18n import N_, _

ZIP_MAGIC = b"PK\x03\x04"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")
MAX_FILES = 20_000
MAX_UNPACKED_BYTES = 300 * 2**20  # all images together, as the archive declares them
MAX_IMAGE_PIXELS = 4096 * 4096  # one image; a larger one is skipped (a decompression bomb)
MAX_VALUES = 64 * 2**20  # images x channels x side x side, so the tensors stay under ~256 MB
MAX_CLASSES = 100
MIN_PER_CLASS = 2
SKIPPED = ("__macosx/", ".")  # macOS resource forks and hidden files


def _members(archive: zipfile.ZipFile, name: str) -> list[tuple[str, zipfile.ZipInfo]]:
    """(class name, entry) for every image file; the class is its folder under a common root."""
    files = []
    for info in archive.infolist():
        # Names are only labels here: "/", ".." and Windows separators do not make a path.
        path = PurePosixPath(info.filename.replace("\\", "/"))
        parts = tuple(p for p in path.parts if p not in ("/", ".", ".."))
        if info.is_dir() or not parts or any(p.lower().startswith(SKIPPED) for p in parts):
            continue
        if path.suffix.lower() in IMAGE_SUFFIXES:
            files.append((parts, info))
    if not files:
        raise ValueError(
            _(
                "{name} holds no images ({suffixes}): put them in one folder per class, e.g. "
                "cats/1.png and dogs/1.png, and zip those folders"
            ).format(name=name, suffixes=", ".join(IMAGE_SUFFIXES))
        )
    # One folder around everything (zipping a folder does that) is not a class.
    while len({parts[0] for parts, _info in files}) == 1 and all(len(p) > 2 for p, _info in files):
        files = [(parts[1:], info) for parts, info in files]
    if any(len(parts) < 2 for parts, _info in files):
        loose = next("/".join(p) for p, _info in files if len(p) < 2)
        raise ValueError(
            _(
                "{name}: {file} is not inside a class folder; each image belongs in a folder "
                "named after its class (cats/1.png)"
            ).format(name=name, file=repr(loose))
        )
    if len(files) > MAX_FILES:
        raise ValueError(
            _("{name} holds {n:,} images; the limit is {limit:,}").format(
                name=name, n=len(files), limit=MAX_FILES
            )
        )
    declared = sum(info.file_size for _parts, info in files)
    if declared > MAX_UNPACKED_BYTES:
        raise ValueError(
            _("{name} unpacks to {size:.0f} MB of images; the limit is {limit:.0f} MB").format(
                name=name, size=declared / 2**20, limit=MAX_UNPACKED_BYTES / 2**20
            )
        )
    return [(parts[0], info) for parts, info in files]


def _decode(data: bytes, side: int) -> Image.Image | None:
    """One image scaled to side x side, or None if it cannot be read (or is absurdly large)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_IMAGE_PIXELS:
                return None
            img.draft("RGB", (side, side))  # JPEGs decode at a reduced size: faster
            return img.convert("RGB").resize((side, side), Image.Resampling.BILINEAR)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def read_image_zip(path: str, side: int) -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...], int]:
    """(images uint8 (N, C, side, side), labels (N,), class names, images skipped)."""
    if not path:
        raise ValueError(_("no ZIP file chosen: upload a ZIP of class folders"))
    file = Path(path).expanduser()
    if not file.is_file():
        raise ValueError(_("ZIP file not found: {name}").format(name=file.name))
    name = file.name
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError) as err:
        raise ValueError(
            _("{name} is not a readable ZIP file ({error})").format(name=name, error=err)
        ) from None
    with archive:
        members = _members(archive, name)
        classes = tuple(sorted({c for c, _info in members}))
        if len(classes) < 2:
            raise ValueError(
                _("{name} has one class folder ({folder}); at least 2 are needed").format(
                    name=name, folder=classes[0]
                )
            )
        if len(classes) > MAX_CLASSES:
            raise ValueError(
                _("{name} has {n} class folders; the limit is {limit}").format(
                    name=name, n=len(classes), limit=MAX_CLASSES
                )
            )
        images, labels, skipped = [], [], 0
        for cls, info in members:
            try:
                with archive.open(info) as f:
                    data = f.read(info.file_size + 1)  # never more than the archive declared
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError):
                data = b""  # damaged, encrypted or in an unsupported compression
            img = _decode(data, side) if 0 < len(data) <= info.file_size else None
            if img is None:
                skipped += 1
                continue
            images.append(torch.frombuffer(bytearray(img.tobytes()), dtype=torch.uint8))
            labels.append(classes.index(cls))
    if not images:
        raise ValueError(
            _("none of the {n:,} images in {name} could be read").format(n=len(members), name=name)
        )
    x = torch.stack(images).view(-1, side, side, 3).permute(0, 3, 1, 2)
    if all(torch.equal(x[:, 0], x[:, c]) for c in (1, 2)):
        x = x[:, :1]  # every image is grey: one channel, like MNIST
    counts = torch.bincount(torch.tensor(labels), minlength=len(classes))
    few = [classes[i] for i in range(len(classes)) if counts[i] < MIN_PER_CLASS]
    if few:
        raise ValueError(
            _("{name}: the class folder(s) {folders} have fewer than {n} readable images").format(
                name=name, folders=", ".join(few), n=MIN_PER_CLASS
            )
        )
    return x.contiguous(), torch.tensor(labels, dtype=torch.int64), classes, skipped


def load_image_zip(cfg: DataConfig, seed: int) -> DataBundle:
    """The uploaded images, scaled to `image_size`, standardized per channel, split by `seed`."""
    side = cfg.image_size
    x, y, classes, skipped = read_image_zip(cfg.path, side)
    if x.numel() > MAX_VALUES:
        raise ValueError(
            _(
                "{n:,} images at {side}x{side} are too much to train on this server; choose a "
                "smaller image size or fewer images"
            ).format(n=len(y), side=side)
        )
    g = torch.Generator().manual_seed(seed)
    x_train, y_train, x_val, y_val = split(x, y, cfg.val_fraction, g)
    x_train, x_val, extras = standardize_images(x_train.float() / 255.0, x_val.float() / 255.0)
    extras["skipped"] = skipped
    spec = DataSpec(
        name="image_zip",
        task="classification",
        input_kind="image",
        input_shape=tuple(x_train.shape[1:]),
        n_outputs=len(classes),
        sample_kind="images",
        class_names=classes,
    )
    return DataBundle(spec, x_train, y_train, x_val, y_val, extras)


ENTRIES = (
    DatasetEntry(
        "image_zip",
        N_("Your images (ZIP)"),
        N_(
            "Pictures of your own: a ZIP file with one folder per class (cats/1.png, dogs/2.jpg). "
            "Every image is scaled to a square of the chosen size; grey pictures stay one channel. "
            "A few dozen per class is enough to see a CNN learn, and to see it overfit."
        ),
        load_image_zip,
        ("path", "image_size", "val_fraction"),
        "images",
    ),
)
