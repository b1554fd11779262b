"""The image editor's operations: pure functions on uint8 RGB(A) arrays, and their registry."""

from processing.ops.core import ImageArray, OpError, TooLargeError, color_hex, color_rgb
from processing.ops.geometry import DEFAULT_MAX_PIXELS
from processing.ops.registry import OPS, ops_by_group
from processing.ops.spec import OpSpec, ParamKind, ParamSpec, ParamValue

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "OPS",
    "ImageArray",
    "OpError",
    "OpSpec",
    "ParamKind",
    "ParamSpec",
    "ParamValue",
    "TooLargeError",
    "color_hex",
    "color_rgb",
    "ops_by_group",
]
