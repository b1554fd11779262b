"""The image-handling core: no Django here, only bytes in and plain values out.

Every function here that decodes runs in a decode child, bounded in CPU time, memory and wall
time (sandbox.py, bounded.py); a file that meets a bound is ImageRejected(code="decode_limit").

- ``inspect_image``: validation by content inside the upload request (ImageRejected).
- ``read_metadata``: EXIF as JSON-safe dict, camera, time taken, GPS, displayed size.
- ``make_renditions`` / ``analyse_image``: WebP renditions (+ metadata, pHash, SHA-256 for
  ingest) from one reduced-scale decode.
- ``load_rgb`` / ``load_rgba``: NumPy pixels, upright, for the editor and the models.
- ``perceptual_hash`` / ``hamming``: near-duplicate detection.
"""

from gallery.imaging.bounded import (
    analyse_image,
    inspect_image,
    load_rgb,
    load_rgba,
    make_renditions,
    read_metadata,
)
from gallery.imaging.decode import ImageSource
from gallery.imaging.errors import ACCEPTED_FORMATS, ImageRejected, RejectCode
from gallery.imaging.inspect import ImageInfo
from gallery.imaging.metadata import ImageMetadata, JsonValue
from gallery.imaging.phash import hamming, perceptual_hash
from gallery.imaging.renditions import DEFAULT_QUALITY, DEFAULT_SIZES, Analysis, Rendition

__all__ = [
    "ACCEPTED_FORMATS",
    "DEFAULT_QUALITY",
    "DEFAULT_SIZES",
    "Analysis",
    "ImageInfo",
    "ImageMetadata",
    "ImageRejected",
    "ImageSource",
    "JsonValue",
    "RejectCode",
    "Rendition",
    "analyse_image",
    "hamming",
    "inspect_image",
    "load_rgb",
    "load_rgba",
    "make_renditions",
    "perceptual_hash",
    "read_metadata",
]
