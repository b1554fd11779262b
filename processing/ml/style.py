"""Arbitrary style transfer: AdaIN (Huang and Belongie 2017) with the MobileNet encoder/decoder pair.

The decoder graph applies AdaIN itself (nodes `adain/*`, weight 1 on the AdaIN output, 0 on the
content). To offer a strength control we feed its `adain/add:0` tensor directly with
strength * AdaIN(content, style) + (1 - strength) * content, computed here exactly as the graph
does (checked: identical output at strength 1, within float rounding).

Large images are resized down to `max_side` (not tiled): tiles would each get their own instance
statistics and show seams, and a 1024 px result is what the preview and edit pages show.
"""

from pathlib import Path

import numpy as np

from processing.ml.images import as_rgb8, resize_to
from processing.ml.manifest import STYLE_DECODER, STYLE_ENCODER
from processing.ml.runtime import GraphModel, graph_model

ENCODER_INPUT = "input:0"
ENCODER_OUTPUT = "batch_normalization_14/FusedBatchNorm:0"
DECODER_TARGET = "adain/add:0"  # the AdaIN result inside the decoder graph
DECODER_OUTPUT = "output_1/mul:0"
MULTIPLE = 8  # the encoder downsamples by 8
MIN_SIDE = 32  # the decoder's reflection padding needs feature maps of at least 2x2
STYLE_SIDE = 512  # long side of the style image as the encoder sees it: sets the stroke scale
EPSILON = 1e-5  # as in the graph's adain/batchnorm/add


def encoder(*, model_dir: Path) -> GraphModel:
    return graph_model(
        name=STYLE_ENCODER, model_dir=model_dir, inputs=(ENCODER_INPUT,), output=ENCODER_OUTPUT
    )


def decoder(*, model_dir: Path) -> GraphModel:
    return graph_model(
        name=STYLE_DECODER, model_dir=model_dir, inputs=(DECODER_TARGET,), output=DECODER_OUTPUT
    )


def network_size(*, width: int, height: int, max_side: int) -> tuple[int, int]:
    """The size the network runs at: within max_side, sides multiples of 8, at least MIN_SIDE."""
    scale = min(1.0, max_side / max(width, height))
    scaled_w = max(MIN_SIDE, round(width * scale / MULTIPLE) * MULTIPLE)
    scaled_h = max(MIN_SIDE, round(height * scale / MULTIPLE) * MULTIPLE)
    return scaled_w, scaled_h


def output_size(*, width: int, height: int, max_side: int) -> tuple[int, int]:
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def adain_target(*, content: np.ndarray, style: np.ndarray, strength: float) -> np.ndarray:
    """Content features with the style's per-channel mean and std, blended with the content."""
    content_mean = content.mean(axis=(1, 2), keepdims=True)
    content_var = content.var(axis=(1, 2), keepdims=True)
    style_mean = style.mean(axis=(1, 2), keepdims=True)
    style_std = style.std(axis=(1, 2), keepdims=True)
    normalised = (content - content_mean) / np.sqrt(content_var + EPSILON)
    target = normalised * style_std + style_mean
    blended: np.ndarray = strength * target + (1.0 - strength) * content
    return blended.astype(np.float32)


def stylize(
    *,
    content: np.ndarray,
    style: np.ndarray,
    strength: float = 1.0,
    max_side: int = 1024,
    model_dir: Path,
) -> np.ndarray:
    """The content image painted in the style image's manner, RGB uint8.

    The result has the content's size, or is resized down so its long side is max_side. The
    network runs at that size rounded to multiples of 8. strength 0 gives the decoder's
    reconstruction of the content (close to, not identical with, the content).
    """
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must lie in 0..1, got {strength}")
    if max_side < MIN_SIDE:
        raise ValueError(f"max_side must be at least {MIN_SIDE}, got {max_side}")
    pixels, painting = as_rgb8(content), as_rgb8(style)
    height, width = pixels.shape[:2]
    run_w, run_h = network_size(width=width, height=height, max_side=max_side)
    style_w, style_h = network_size(
        width=painting.shape[1], height=painting.shape[0], max_side=min(STYLE_SIDE, max_side)
    )
    encode = encoder(model_dir=model_dir)
    content_features = encode.run(
        resize_to(pixels, width=run_w, height=run_h).astype(np.float32)[None]
    )
    style_features = encode.run(
        resize_to(painting, width=style_w, height=style_h).astype(np.float32)[None]
    )
    target = adain_target(content=content_features, style=style_features, strength=strength)
    decoded = decoder(model_dir=model_dir).run(target)[0]
    result = np.rint(np.clip(decoded, 0.0, 255.0)).astype(np.uint8)
    out_w, out_h = output_size(width=width, height=height, max_side=max_side)
    return resize_to(result, width=out_w, height=out_h)
