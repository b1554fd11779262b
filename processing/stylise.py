"""Style transfer on a user's images: the installed artworks (a gallery with thumbnails) or one
of the user's own images as the style, a strength, a preview or the full picture.

The network (processing/ml/style.py) runs on the `ml` queue only. Another user's image as the
style is refused when the form is submitted (StyleForm), and again here before anything is
queued; the worker checks once more, since the image may be deleted meanwhile.
"""

import functools
import io
from pathlib import Path

import numpy as np
from bson import ObjectId
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image as PILImage

from gallery.imaging import load_rgb
from gallery.models import Image
from gallery.selectors import image_get
from processing.deep import NOT_INSTALLED
from processing.ml.manifest import STYLE_ARTWORKS, StyleArtwork, style_artwork
from processing.ml.store import ModelCorrupt, ModelMissing, style_path
from processing.ml.style import style_bottleneck, stylize
from processing.models import Version
from processing.versions import Rendering, version_start

PREVIEW_SIDE = 1600  # the default result: what the detail page shows
FULL_SIDE = 2048  # "full size": the picture's own size, up to this long side
STYLE_SIDE = 1024  # a style image is decoded at most this large (the predictor sees 256)
THUMB_SIDE = 240


def artworks_installed() -> list[StyleArtwork]:
    """The manifest's artworks whose files are installed and verified, in manifest order."""
    installed = []
    for artwork in STYLE_ARTWORKS:
        try:
            style_path(name=artwork.name, model_dir=settings.MODEL_DIR)
        except (ModelMissing, ModelCorrupt):
            continue
        installed.append(artwork)
    return installed


def style_choices() -> list[tuple[str, str]]:
    """Installed artworks: (name, "Title, Artist")."""
    return [(art.name, f"{art.title}, {art.artist}") for art in artworks_installed()]


def style_image_owned(*, owner_id: ObjectId, image_id: str) -> Image | None:
    """One of the owner's ready images, never someone else's (None otherwise)."""
    if not ObjectId.is_valid(image_id):
        return None
    image = image_get(owner_id=owner_id, image_id=ObjectId(image_id))
    return image if image is not None and image.status == Image.Status.READY else None


def stylise_enqueue(
    *,
    image: Image,
    artwork: str = "",
    style_image_id: str = "",
    strength: float = 1.0,
    full_size: bool = False,
) -> Version:
    """Queue a stylised version (ValueError, with a message for the user, when the style is
    neither an installed artwork nor one of the owner's images)."""
    titles = dict(style_choices())
    if style_image_id:
        style_image = style_image_owned(owner_id=image.owner_id, image_id=style_image_id)
        if style_image is None:
            raise ValueError("The style image is not one of your images.")
        label = f"In the style of {style_image.display_name}"
    elif artwork in titles:
        label = f"In the style of {titles[artwork]}"
    else:
        raise ValueError("Choose an installed artwork or one of your images as the style.")
    options = {
        "artwork": "" if style_image_id else artwork,
        "style_image_id": style_image_id,
        "strength": max(0.0, min(float(strength), 1.0)),
        "full_size": full_size,
    }
    return version_start(image=image, kind=Version.Kind.STYLISED, label=label, options=options)


@functools.cache
def _artwork_bottleneck(name: str, sha256: str, model_dir: str) -> np.ndarray:
    path = style_path(name=name, model_dir=Path(model_dir))
    with path.open("rb") as file:
        pixels = load_rgb(file=file, max_side=STYLE_SIDE)
    return style_bottleneck(style=pixels, model_dir=Path(model_dir))


def artwork_bottleneck(*, name: str) -> np.ndarray:
    """An artwork's style numbers, computed once per worker process."""
    artwork = style_artwork(name=name)
    return _artwork_bottleneck(name, artwork.file.sha256, str(settings.MODEL_DIR))


def _pixels(image: Image, *, max_side: int) -> np.ndarray:
    with default_storage.open(image.original.name, "rb") as file:
        return load_rgb(file=file, max_side=max_side)


def stylise_render(version: Version) -> Rendering:
    """The picture at its own size up to FULL_SIDE on request, else up to PREVIEW_SIDE."""
    options = version.options
    side = FULL_SIDE if options.get("full_size") else PREVIEW_SIDE
    try:
        if options.get("style_image_id"):
            style_image = style_image_owned(
                owner_id=version.owner_id, image_id=options["style_image_id"]
            )
            if style_image is None:
                raise ValueError("The style image is not one of your images (deleted?).")
            style: np.ndarray | None = _pixels(style_image, max_side=STYLE_SIDE)
            bottleneck = None
        else:
            style, bottleneck = None, artwork_bottleneck(name=options["artwork"])
        output = stylize(
            content=_pixels(version.image, max_side=side),
            style=style,
            bottleneck=bottleneck,
            strength=float(options.get("strength", 1.0)),
            model_dir=settings.MODEL_DIR,
        )
    except (ModelMissing, ModelCorrupt, KeyError) as error:
        # the version's error is shown to its owner: no server path (the worker log has it)
        raise RuntimeError(f"The style transfer model or artwork is {NOT_INSTALLED}.") from error
    return Rendering(pixels=output)


def artwork_thumbnail(*, name: str) -> bytes:
    """A small JPEG of an installed artwork, made once and kept beside it (ModelMissing)."""
    artwork = style_artwork(name=name)
    path = style_path(name=name, model_dir=settings.MODEL_DIR)
    thumb = path.parent / ".thumbs" / f"{name}-{artwork.file.sha256[:12]}.jpg"
    if thumb.is_file():
        return thumb.read_bytes()
    with PILImage.open(path) as picture:
        picture.draft("RGB", (THUMB_SIDE, THUMB_SIDE))
        small = picture.convert("RGB")
        small.thumbnail((THUMB_SIDE, THUMB_SIDE))
    buffer = io.BytesIO()
    small.save(buffer, "JPEG", quality=82)
    data = buffer.getvalue()
    thumb.parent.mkdir(exist_ok=True)
    temporary = thumb.with_suffix(".part")
    temporary.write_bytes(data)
    temporary.replace(thumb)  # two requests at once: both write, the rename is atomic
    return data
