"""The one error the imaging core raises for a file it will not take."""

from typing import Literal

RejectCode = Literal[
    "empty", "not_image", "too_large", "too_many_pixels", "unsupported", "corrupt", "decode_limit"
]

ACCEPTED_FORMATS = "JPEG, PNG, WebP, GIF, TIFF, BMP, HEIC/HEIF and AVIF"


class ImageRejected(ValueError):
    """The file is refused; ``str(error)`` is a message fit to show the user as it is.

    ``code`` says why, for callers that map it (``ValidationError(str(e), code=e.code)``).
    """

    def __init__(self, message: str, *, code: RejectCode) -> None:
        super().__init__(message)
        self.code: RejectCode = code


def corrupt() -> ImageRejected:
    return ImageRejected("the file is truncated or corrupt", code="corrupt")


def unsupported(what: str) -> ImageRejected:
    return ImageRejected(
        f"not a supported format: {what}. Accepted formats: {ACCEPTED_FORMATS}",
        code="unsupported",
    )
