"""What the editor offers: every operation with its parameters, for the UI and for validation."""

from processing.ops import adjust, effects, filters, geometry, watermark
from processing.ops.core import POSITIONS
from processing.ops.spec import (
    OpSpec,
    ParamSpec,
    bool_param,
    choice_param,
    float_param,
    fraction_param,
    int_param,
    percent_param,
)

_POSITION = choice_param("position", "Position", default="bottom-right", choices=POSITIONS)
_MARGIN = int_param(
    "margin", "Distance from the edge (px)", default=24, low=0, high=5000, in_pixels=True
)
_BLUR_KINDS = (
    ("gaussian", "Soft (Gaussian)"),
    ("median", "Removes specks (median)"),
    ("bilateral", "Keeps edges (bilateral)"),
)

_SPECS = (
    OpSpec(
        "crop",
        "Crop",
        "Crop",
        (
            fraction_param("x", "Left", default=0.0, help="Fraction of the width, 0 to 1"),
            fraction_param("y", "Top", default=0.0, help="Fraction of the height, 0 to 1"),
            fraction_param("width", "Width", default=1.0, help="Fraction of the width"),
            fraction_param("height", "Height", default=1.0, help="Fraction of the height"),
        ),
        geometry.crop,
        keeps_alpha=True,
        check=geometry.crop_check,
    ),
    OpSpec(
        "resize",
        "Resize",
        "Resize",
        (
            choice_param(
                "mode",
                "Resize",
                default="percent",
                choices=(("percent", "By a percentage"), ("pixels", "To a size in pixels")),
            ),
            float_param("percent", "Percentage", default=50.0, low=1, high=1000, step=1),
            int_param(
                "width",
                "Width (px)",
                default=0,
                low=0,
                high=100_000,
                in_pixels=True,
                help="0 follows the height and the proportions",
            ),
            int_param(
                "height",
                "Height (px)",
                default=0,
                low=0,
                high=100_000,
                in_pixels=True,
                help="0 follows the width and the proportions",
            ),
            bool_param("keep_aspect", "Keep the proportions", default=True),
        ),
        geometry.resize,
        keeps_alpha=True,
        limits_size=True,
        check=geometry.resize_check,
    ),
    OpSpec(
        "rotate",
        "Rotate",
        "Rotate",
        (
            float_param(
                "angle", "Angle (degrees clockwise)", default=90.0, low=-360, high=360, step=0.1
            ),
            choice_param(
                "mode",
                "Corners",
                default="expand",
                choices=(("expand", "Grow the canvas to fit"), ("crop", "Keep the size")),
            ),
            ParamSpec("fill", "Background", "color", "#ffffff", help="Where nothing is left"),
        ),
        geometry.rotate,
        keeps_alpha=True,
        limits_size=True,
    ),
    OpSpec(
        "flip",
        "Flip",
        "Rotate",
        (
            choice_param(
                "direction",
                "Direction",
                default="horizontal",
                choices=(("horizontal", "Left to right"), ("vertical", "Upside down")),
            ),
        ),
        geometry.flip,
        keeps_alpha=True,
    ),
    OpSpec(
        "brightness",
        "Brightness",
        "Adjust",
        (percent_param("amount", "Amount", default=20.0, low=-100),),
        adjust.brightness,
    ),
    OpSpec(
        "contrast",
        "Contrast",
        "Adjust",
        (percent_param("amount", "Amount", default=20.0, low=-100),),
        adjust.contrast,
    ),
    OpSpec(
        "saturation",
        "Saturation",
        "Adjust",
        (percent_param("amount", "Amount", default=30.0, low=-100),),
        adjust.saturation,
    ),
    OpSpec(
        "gamma",
        "Gamma",
        "Adjust",
        (
            float_param(
                "value",
                "Gamma",
                default=1.2,
                low=0.1,
                high=5,
                step=0.05,
                help="Above 1 brightens the midtones, below 1 darkens them",
            ),
        ),
        adjust.gamma,
    ),
    OpSpec(
        "white_balance",
        "White balance",
        "Adjust",
        (percent_param("strength", "Strength (%)", default=100.0),),
        adjust.white_balance,
        help="Removes a colour cast by making the average colour grey",
    ),
    OpSpec(
        "auto_levels",
        "Auto levels",
        "Adjust",
        (
            float_param("clip", "Clipped at each end (%)", default=0.5, low=0, high=10, step=0.1),
            bool_param("per_channel", "Per colour (also fixes colour casts)", default=True),
        ),
        adjust.auto_levels,
    ),
    OpSpec(
        "clahe",
        "Local contrast (CLAHE)",
        "Adjust",
        (
            float_param("clip_limit", "Strength", default=2.0, low=0.5, high=10, step=0.1),
            int_param("tiles", "Tiles across", default=8, low=2, high=32),
        ),
        adjust.clahe,
    ),
    OpSpec("grayscale", "Black and white", "Filters", (), filters.grayscale),
    OpSpec(
        "sepia",
        "Sepia",
        "Filters",
        (percent_param("strength", "Strength (%)", default=100.0),),
        filters.sepia,
    ),
    OpSpec("invert", "Invert", "Filters", (), filters.invert),
    OpSpec(
        "blur",
        "Blur",
        "Filters",
        (
            choice_param("method", "Kind", default="gaussian", choices=_BLUR_KINDS),
            float_param(
                "radius", "Radius (px)", default=3.0, low=0, high=50, step=0.5, in_pixels=True
            ),
        ),
        filters.blur,
    ),
    OpSpec(
        "sharpen",
        "Sharpen",
        "Filters",
        (
            float_param("amount", "Amount (%)", default=100.0, low=0, high=500, step=5),
            float_param(
                "radius", "Radius (px)", default=1.5, low=0.1, high=20, step=0.1, in_pixels=True
            ),
            int_param(
                "threshold",
                "Threshold",
                default=0,
                low=0,
                high=255,
                help="Leave alone details fainter than this, such as noise",
            ),
        ),
        filters.sharpen,
    ),
    OpSpec(
        "denoise",
        "Reduce noise",
        "Filters",
        (float_param("strength", "Strength", default=7.0, low=1, high=30, step=1),),
        filters.denoise,
        help="Slow on large pictures: a few seconds at 12 megapixels",
    ),
    OpSpec(
        "edges",
        "Edges",
        "Filters",
        (
            int_param("low", "Low threshold", default=100, low=0, high=1000, step=5),
            int_param("high", "High threshold", default=200, low=0, high=1000, step=5),
            bool_param("invert", "Dark lines on white", default=False),
        ),
        filters.edges,
        check=filters.edges_check,
    ),
    OpSpec(
        "emboss",
        "Emboss",
        "Filters",
        (float_param("strength", "Strength", default=1.0, low=0, high=5, step=0.1),),
        filters.emboss,
    ),
    OpSpec(
        "vignette",
        "Vignette",
        "Filters",
        (
            percent_param("strength", "Darkening (%)", default=50.0),
            float_param(
                "radius",
                "Untouched centre",
                default=0.5,
                low=0,
                high=0.95,
                step=0.05,
                help="0 darkens from the centre, 0.95 only the very corners",
            ),
        ),
        effects.vignette,
    ),
    OpSpec(
        "pencil_sketch",
        "Pencil sketch",
        "Filters",
        (
            float_param(
                "radius", "Stroke width (px)", default=8.0, low=1, high=50, step=0.5, in_pixels=True
            ),
            float_param("darkness", "Pencil pressure", default=2.0, low=1, high=4, step=0.1),
            bool_param("color", "Keep the colours", default=False),
        ),
        effects.pencil_sketch,
    ),
    OpSpec(
        "cartoon",
        "Cartoon",
        "Filters",
        (
            float_param(
                "smoothing", "Smoothing (px)", default=5.0, low=0, high=20, step=0.5, in_pixels=True
            ),
            int_param(
                "edge_size", "Outline scale (px)", default=9, low=3, high=51, step=2, in_pixels=True
            ),
            int_param("levels", "Colour levels", default=8, low=2, high=32),
        ),
        effects.cartoon,
    ),
    OpSpec(
        "stylize",
        "Painting",
        "Filters",
        (
            float_param(
                "sigma_s", "Brush size (px)", default=60.0, low=1, high=200, step=1, in_pixels=True
            ),
            float_param("sigma_r", "Colour range", default=0.45, low=0.01, high=1, step=0.01),
        ),
        effects.stylize,
        help="OpenCV stylization; about a second per 2 megapixels",
    ),
    OpSpec(
        "watermark_text",
        "Text watermark",
        "Watermark",
        (
            ParamSpec("text", "Text", "text", "© Your name", min=1, max=watermark.MAX_TEXT_LENGTH),
            _POSITION,
            int_param("size", "Text size (px)", default=48, low=4, high=2000, in_pixels=True),
            percent_param("opacity", "Opacity (%)", default=50.0),
            ParamSpec("color", "Colour", "color", "#ffffff"),
            _MARGIN,
        ),
        watermark.watermark_text,
    ),
    OpSpec(
        "watermark_image",
        "Picture watermark",
        "Watermark",
        (
            ParamSpec("overlay", "Picture", "image", help="One of your images, such as a logo"),
            _POSITION,
            float_param(
                "scale",
                "Width",
                default=0.25,
                low=0.01,
                high=1,
                step=0.01,
                help="Fraction of the edited picture's width",
            ),
            percent_param("opacity", "Opacity (%)", default=60.0),
            _MARGIN,
        ),
        watermark.watermark_image,
    ),
)

OPS: dict[str, OpSpec] = {spec.name: spec for spec in _SPECS}
GROUPS = ("Crop", "Resize", "Rotate", "Adjust", "Filters", "Watermark")


def ops_by_group() -> list[tuple[str, list[OpSpec]]]:
    """The operations under their group headings, in the order the editor shows them."""
    return [(group, [spec for spec in OPS.values() if spec.group == group]) for group in GROUPS]
