"""Make docs/images/style_grid.jpg: three corpus photos, each in three public-domain styles.

Run: .venv/bin/python docs/style_grid.py [--models DIR] [--corpus DIR] [--out PATH]
The weights and artworks are installed with the project's store into a temporary MODEL_DIR.
Photos: coco128 images under CC BY 2.0 or "no known copyright restrictions" (see docs/ml.md for
credits); styles: Van Gogh, Hokusai and Kandinsky (public domain, MODELS.md lists the sources).
Magenta's arbitrary style transfer (int8 TFLite in LiteRT), strength 1.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from processing.ml.manifest import (  # noqa: E402
    STYLE_PREDICTOR,
    STYLE_TRANSFORMER,
    model_spec,
    style_artwork,
)
from processing.ml.store import model_install, style_path  # noqa: E402
from processing.ml.style import stylize  # noqa: E402

SHARED = Path(os.environ.get("SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
CONTENTS = ("000000000073", "000000000309", "000000000542")  # CC BY 2.0, CC BY 2.0, no known c.
STYLES = ("starry_night", "great_wave", "composition_vii")
CELL = 160
GAP = 6


def rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def fit(image: np.ndarray) -> np.ndarray:
    """Scale into a CELL x CELL square, centred on white."""
    height, width = image.shape[:2]
    scale = CELL / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    scaled = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    cell = np.full((CELL, CELL, 3), 255, np.uint8)
    top, left = (CELL - size[1]) // 2, (CELL - size[0]) // 2
    cell[top : top + size[1], left : left + size[0]] = scaled
    return cell


def grid(rows: list[list[np.ndarray]]) -> np.ndarray:
    columns = len(rows[0])
    canvas = np.full(
        (len(rows) * (CELL + GAP) + GAP, columns * (CELL + GAP) + GAP, 3), 255, np.uint8
    )
    for row, cells in enumerate(rows):
        for column, cell in enumerate(cells):
            top, left = GAP + row * (CELL + GAP), GAP + column * (CELL + GAP)
            canvas[top : top + CELL, left : left + CELL] = cell
    return canvas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", type=Path, default=SHARED / "models")
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus")
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent / "images" / "style_grid.jpg"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="style-grid-") as folder:
        model_dir = Path(folder)
        pair = [model_spec(name=STYLE_PREDICTOR), model_spec(name=STYLE_TRANSFORMER)]
        for asset in (*pair, *(style_artwork(name=name) for name in STYLES)):
            model_install(spec=asset, source_dir=args.models, model_dir=model_dir)
        styles = [rgb(style_path(name=name, model_dir=model_dir)) for name in STYLES]
        rows = [[np.full((CELL, CELL, 3), 255, np.uint8), *(fit(style) for style in styles)]]
        for stem in CONTENTS:
            content = rgb(args.corpus / "coco128/images/train2017" / f"{stem}.jpg")
            results = [
                stylize(content=content, style=s, max_side=640, model_dir=model_dir) for s in styles
            ]
            rows.append([fit(content), *(fit(result) for result in results)])
    image = grid(rows)
    Image.fromarray(image).save(args.out, quality=60, optimize=True)  # under 100 kB
    print(f"wrote {args.out} ({image.shape[1]}x{image.shape[0]})")


if __name__ == "__main__":
    main()
