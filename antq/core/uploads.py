"""Uploaded files, accepted by what they contain (their first bytes), never by their name;
images re-encoded without their metadata (EXIF, GPS, comments) before they are stored."""

from __future__ import annotations

import errno
import io
import os
import secrets
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

PDF = (b"%PDF-", "application/pdf", ".pdf")
PNG = (b"\x89PNG\r\n\x1a\n", "image/png", ".png")
JPEG = (b"\xff\xd8\xff", "image/jpeg", ".jpg")
DOCUMENTS = (PDF, PNG, JPEG)
MP4_BRANDS = (b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"M4V ", b"qt  ", b"3gp4", b"3gp5")


def sniff(head: bytes, allow_video: bool = False) -> tuple[str, str] | None:
    """(content type, extension) of an accepted file from its first bytes; None otherwise."""
    for magic, content_type, extension in DOCUMENTS:
        if head.startswith(magic):
            return content_type, extension
    if allow_video and head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return "video/mp4", ".mp4"
    return None


def without_metadata(data: bytes, content_type: str) -> bytes:
    """An image re-encoded from its pixels only (no EXIF, GPS, XMP, comments); other files as they are."""
    if content_type not in ("image/jpeg", "image/png"):
        return data
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            clean = Image.frombytes(image.mode, image.size, image.tobytes())  # pixels only, no info
            palette = image.getpalette() if image.mode == "P" else None
            if palette:
                clean.putpalette(palette)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError("unreadable image") from exc
    buffer = io.BytesIO()
    clean.save(buffer, format="JPEG" if content_type == "image/jpeg" else "PNG", quality=90)
    return buffer.getvalue()


STORAGE_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def store_file(folder: Path, extension: str, data: bytes) -> Path:
    """Write an upload under a new random name, whole or not at all.

    The bytes go to a temporary file that is synced and then renamed, so a reader never sees
    a partial file; when the disk is full (or the quota reached) the temporary file is removed
    and the user is told plainly, and nothing is stored.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (secrets.token_hex(16) + extension)
    partial = folder / f".{path.name}.part"
    try:
        with open(partial, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        if exc.errno in STORAGE_FULL:
            raise ValidationError(_("The server has no room left to store the file; nothing was saved. "
                                    "Please try again later or tell the administrator.")) from exc
        raise
    return path
