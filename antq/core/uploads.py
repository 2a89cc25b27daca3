"""Uploaded files, accepted by what they contain (their first bytes), never by their name;
images re-encoded without their metadata (EXIF, GPS, comments) before they are stored."""

from __future__ import annotations

import io

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
