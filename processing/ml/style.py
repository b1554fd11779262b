"""Arbitrary style transfer: Magenta's model (Ghiasi et al. 2017), int8 TFLite, run in LiteRT.

A style predictor turns the style image (256x256) into a 100-number bottleneck; a style
transformer paints the content with it. Strength blends bottlenecks, as Magenta does:
b = strength * predict(style) + (1 - strength) * predict(content).

Output at the image's size: the transformer (the `_dynamic` file, any input size) runs on the
picture resized so its long side is NETWORK_SIDE, then the result is resized back up and the
content's fine luminance detail is added to it. Resized, not tiled, because on this 2-core
machine the transformer costs about 1.4 µs and 1.1 kB per pixel: a 2048x1536 picture in 512 px
tiles took about 7 s and whole about 24 s and 5 GB, against about 1 s here whatever the size;
tiles also get their own instance statistics (visible seams) and strokes shrink with the
resolution, so a large photo would look less painted than its preview.
"""

import threading
from pathlib import Path

import cv2
import numpy as np

from processing.ml.images import as_rgb8, resize_to
from processing.ml.manifest import STYLE_PREDICTOR, STYLE_TRANSFORMER
from processing.ml.runtime import TfliteModel, interpreter, tflite_model
from processing.ml.store import model_path

STYLE_SIDE = 256  # the predictor's input
NETWORK_SIDE = 512  # long side the transformer runs at: sets the stroke scale, time and memory
MULTIPLE = 8  # the transformer downsamples by 4 and upsamples back: keep sides divisible
MIN_SIDE = 32
DETAIL = 0.5  # how much of the content's fine luminance detail returns after the upscale
BOTTLENECK_NAME = "mobilenet_conv/Conv/BiasAdd"

_transformer_lock = threading.Lock()  # one large activation set at a time per process


def predictor(*, model_dir: Path) -> TfliteModel:
    return tflite_model(name=STYLE_PREDICTOR, model_dir=model_dir)


def square_crop(image: np.ndarray, *, side: int = STYLE_SIDE) -> np.ndarray:
    """The short side resized to `side`, then the centre square: what the predictor sees."""
    height, width = image.shape[:2]
    scale = side / min(height, width)
    resized = resize_to(
        image, width=max(side, round(width * scale)), height=max(side, round(height * scale))
    )
    top = (resized.shape[0] - side) // 2
    left = (resized.shape[1] - side) // 2
    return resized[top : top + side, left : left + side]


def style_bottleneck(*, style: np.ndarray, model_dir: Path) -> np.ndarray:
    """The style's 100 numbers, float32 [1,1,1,100]."""
    batch = (square_crop(as_rgb8(style)).astype(np.float32) / 255.0)[None]
    return predictor(model_dir=model_dir).run(batch).astype(np.float32)


def network_size(*, width: int, height: int, network_side: int = NETWORK_SIDE) -> tuple[int, int]:
    """(width, height) within network_side, multiples of 8, at least MIN_SIDE."""
    scale = min(1.0, network_side / max(width, height))
    run_w = max(MIN_SIDE, round(width * scale / MULTIPLE) * MULTIPLE)
    run_h = max(MIN_SIDE, round(height * scale / MULTIPLE) * MULTIPLE)
    return run_w, run_h


def output_size(*, width: int, height: int, max_side: int | None) -> tuple[int, int]:
    if max_side is None:
        return width, height
    scale = min(1.0, max_side / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def transform(*, content: np.ndarray, bottleneck: np.ndarray, model_dir: Path) -> np.ndarray:
    """The transformer on `content` (RGB uint8, sides multiples of 8) at its own size, float 0..1.

    A fresh interpreter per call (the file is 244 kB, loading takes milliseconds): its working
    memory, hundreds of MB, is freed when the call ends instead of staying with the worker.
    """
    path = model_path(name=STYLE_TRANSFORMER, model_dir=model_dir)
    height, width = content.shape[:2]
    with _transformer_lock:
        model = interpreter(path=path, xnnpack=False)
        inputs = {detail["name"]: detail["index"] for detail in model.get_input_details()}
        image_index = inputs["content_image"]
        model.resize_tensor_input(image_index, [1, height, width, 3])
        model.allocate_tensors()
        model.set_tensor(image_index, (content.astype(np.float32) / 255.0)[None])
        model.set_tensor(inputs[BOTTLENECK_NAME], bottleneck.astype(np.float32))
        model.invoke()
        result = np.array(model.get_tensor(model.get_output_details()[0]["index"])[0])
        del model
    return result


def detail_restore(*, painted: np.ndarray, content: np.ndarray, amount: float) -> np.ndarray:
    """Add the content's luminance detail finer than the network's resolution (float 0..1)."""
    if amount <= 0.0:
        return painted
    grey = cv2.cvtColor(content, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    scale = content.shape[1] / max(1, painted.shape[1])
    sigma = max(0.8, scale * 0.6)
    detail = grey - cv2.GaussianBlur(grey, (0, 0), sigma)
    restored: np.ndarray = painted + amount * detail[:, :, None]
    return restored


def stylize(
    *,
    content: np.ndarray,
    style: np.ndarray | None = None,
    bottleneck: np.ndarray | None = None,
    strength: float = 1.0,
    max_side: int | None = None,
    network_side: int = NETWORK_SIDE,
    model_dir: Path,
) -> np.ndarray:
    """The content painted in the style's manner, RGB uint8 at the content's size (or resized
    down so its long side is max_side). Give the style image or its bottleneck (cached for an
    artwork). strength 0 is the transformer's rendering of the content's own style."""
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must lie in 0..1, got {strength}")
    pixels = as_rgb8(content)
    height, width = pixels.shape[:2]
    out_w, out_h = output_size(width=width, height=height, max_side=max_side)
    if max_side is not None and max_side < 1:
        raise ValueError(f"max_side must be positive, got {max_side}")
    if style is not None:
        target = style_bottleneck(style=style, model_dir=model_dir)
    elif bottleneck is not None:
        target = bottleneck
    else:
        raise ValueError("give either the style image or its bottleneck")
    if strength < 1.0:
        own = style_bottleneck(style=pixels, model_dir=model_dir)
        target = strength * target + (1.0 - strength) * own
    run_w, run_h = network_size(width=out_w, height=out_h, network_side=network_side)
    painted = transform(
        content=resize_to(pixels, width=run_w, height=run_h),
        bottleneck=target,
        model_dir=model_dir,
    )
    painted = cv2.resize(painted, (out_w, out_h), interpolation=cv2.INTER_CUBIC)
    if out_w > run_w * 1.25:  # enlarged: bring the photo's fine detail back
        painted = detail_restore(
            painted=painted, content=resize_to(pixels, width=out_w, height=out_h), amount=DETAIL
        )
    result: np.ndarray = np.rint(np.clip(painted, 0.0, 1.0) * 255.0).astype(np.uint8)
    return result
