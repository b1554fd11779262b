"""Real inference on real data: detection, background removal, style transfer (floors measured).

The models are installed from the shared folder into a temporary MODEL_DIR with the store's own
functions, once for the whole file. Subsets are small and fixed so this file stays under a minute.
"""

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image as PILImage

from processing.ml import runtime
from processing.ml.detect import Detection, detect_objects, detector
from processing.ml.manifest import MODELS, STYLE_ARTWORKS
from processing.ml.metrics import (
    COCO_TO_VOC,
    Labelled,
    box_iou,
    edge_correlation,
    mask_iou,
    mean_average_precision,
    polygon_mask,
    yolo_boxes_read,
    yolo_polygons_read,
)
from processing.ml.segment import (
    foreground_mask,
    grabcut_mask,
    remove_background,
)
from processing.ml.store import model_install
from processing.ml.style import style_bottleneck, stylize

# Measured with yolov8n_int8 on this machine (TF 2.21): first 16 coco128 images 0.860 (all 128:
# 0.606); DeepLab: bird 0.919, the six images below 0.895; style edge correlation on the dog
# photo 0.42 (Mondrian) to 0.67, against -0.07 for an unrelated picture.
MAP50_FLOOR = 0.75
BIRD_IOU_FLOOR = 0.85
VOC_IOU_FLOOR = 0.80
GRABCUT_IOU_FLOOR = 0.60
EDGE_FLOOR = 0.33

VOC_SUBSET = [
    "000000000073",
    "000000000110",
    "000000000394",
    "000000000400",
    "000000000471",
    "000000000599",
]  # motorcycle, person, dog, boat, bus, couch: largest >= 20%


@pytest.fixture(scope="session")
def model_dir(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("models")
    for asset in (*MODELS, *STYLE_ARTWORKS):
        model_install(spec=asset, source_dir=models_dir, model_dir=target)
    return target


def rgb(path: Path) -> np.ndarray:
    pixels = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert pixels is not None, path
    return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)


def coco_image(corpus: Path, stem: str, *, folder: str = "coco128") -> np.ndarray:
    return rgb(corpus / folder / "images" / "train2017" / f"{stem}.jpg")


def coco_names(corpus: Path) -> list[str]:
    return (corpus / "coco128" / "classes.txt").read_text().split("\n")


def instance_masks(
    corpus: Path, stem: str, *, width: int, height: int
) -> list[tuple[str, np.ndarray]]:
    path = corpus / "coco128-seg" / "labels" / "train2017" / f"{stem}.txt"
    return [
        (label, polygon_mask(polygon=polygon, width=width, height=height))
        for label, polygon in yolo_polygons_read(path=path, names=coco_names(corpus))
    ]


# Detection


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("000000000025", {"giraffe"}),
        ("000000000034", {"zebra"}),
        ("000000000036", {"person", "umbrella"}),
        ("000000000042", {"dog"}),
    ],
)
def test_detector_finds_the_labelled_classes(corpus, model_dir, stem, expected):
    found = detect_objects(image=coco_image(corpus, stem), model_dir=model_dir)
    assert expected <= {item.label for item in found}
    assert all(isinstance(item, Detection) and 0.25 <= item.score <= 1 for item in found)


def test_detection_boxes_are_relative_and_on_the_object(corpus, model_dir):
    truth = yolo_boxes_read(
        path=corpus / "coco128/labels/train2017/000000000034.txt", names=coco_names(corpus)
    )
    found = detect_objects(image=coco_image(corpus, "000000000034"), model_dir=model_dir)
    zebra = next(item for item in found if item.label == "zebra")
    assert all(0.0 <= value <= 1.0 for value in zebra.box)
    assert box_iou(zebra.box, truth[0].box) >= 0.85


def test_map50_on_16_coco128_images_is_above_the_floor(corpus, model_dir):
    images = sorted((corpus / "coco128/images/train2017").glob("*.jpg"))[:16]
    names = coco_names(corpus)
    predictions, truths = [], []
    for path in images:
        predictions.append(detect_objects(image=rgb(path), threshold=0.001, model_dir=model_dir))
        label = corpus / "coco128/labels/train2017" / f"{path.stem}.txt"
        truths.append(yolo_boxes_read(path=label, names=names))
    assert mean_average_precision(predictions=predictions, truths=truths) >= MAP50_FLOOR


def test_map_of_the_truth_itself_is_one():
    truths = [[Labelled("cat", (0.1, 0.1, 0.5, 0.5))], [Labelled("dog", (0.2, 0.2, 0.9, 0.9))]]
    found = [
        [Detection("cat", 0.9, (0.1, 0.1, 0.5, 0.5))],
        [Detection("dog", 0.8, (0.2, 0.2, 0.9, 0.9)), Detection("dog", 0.1, (0, 0, 0.1, 0.1))],
    ]
    assert mean_average_precision(predictions=found, truths=truths) == pytest.approx(1.0)


def test_the_detector_is_loaded_once_and_reused(corpus, model_dir):
    image = coco_image(corpus, "000000000042")
    first = detect_objects(image=image, model_dir=model_dir)
    loaded, interpreter = runtime.loaded_models(), detector(model_dir=model_dir)
    second = detect_objects(image=image, model_dir=model_dir)
    assert detector(model_dir=model_dir) is interpreter
    assert runtime.loaded_models() == loaded
    assert "yolov8n_int8" in loaded
    assert first == second


def test_concurrent_detections_agree_with_sequential_ones(corpus, model_dir):
    images = [coco_image(corpus, stem) for stem in ("000000000025", "000000000036")] * 2
    expected = [detect_objects(image=image, model_dir=model_dir) for image in images]
    results: list[list[Detection]] = [[] for _ in images]

    def work(index: int) -> None:
        results[index] = detect_objects(image=images[index], model_dir=model_dir)

    threads = [threading.Thread(target=work, args=(index,)) for index in range(len(images))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == expected


# Odd inputs


def test_grey_rgba_and_16_bit_inputs_are_converted(corpus, model_dir):
    image = coco_image(corpus, "000000000042")
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    rgba = np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])
    deep = image.astype(np.uint16) * 257
    for variant in (grey, grey[:, :, None], rgba, deep, image.astype(np.float32) / 255.0):
        assert "dog" in {item.label for item in detect_objects(image=variant, model_dir=model_dir)}


def test_corpus_16_bit_png_and_cmyk_jpeg_work(corpus, model_dir):
    deep = cv2.imread(str(corpus / "formats/png/RGB_16__128x128.png"), cv2.IMREAD_UNCHANGED)
    assert deep.dtype == np.uint16
    detect_objects(image=deep[:, :, ::-1], model_dir=model_dir)
    with PILImage.open(corpus / "formats/jpeg/pil_sample_cmyk.jpg") as cmyk:
        assert cmyk.mode == "CMYK"
        pixels = np.asarray(cmyk.convert("RGB"))  # the caller converts CMYK: 4 channels = RGBA
    assert foreground_mask(image=pixels, model_dir=model_dir).shape == pixels.shape[:2]


def test_a_tiny_image_works_everywhere(model_dir):
    tiny = np.random.default_rng(1).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    assert isinstance(detect_objects(image=tiny, model_dir=model_dir), list)
    assert foreground_mask(image=tiny, model_dir=model_dir).shape == (8, 8)
    assert grabcut_mask(image=tiny, box=(0.2, 0.2, 0.8, 0.8)).shape == (8, 8)
    assert stylize(content=tiny, style=tiny, model_dir=model_dir).shape == (8, 8, 3)


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (np.zeros((10, 10, 5), np.uint8), "HxW, HxWx3 or HxWx4"),
        (np.zeros((0, 10, 3), np.uint8), "empty image"),
        (np.full((10, 10, 3), 200.0, np.float32), "0..1"),
        (np.zeros((10, 10, 3), np.int64), "unsupported pixel type"),
    ],
)
def test_unusable_arrays_raise_a_clear_error(model_dir, image, message):
    with pytest.raises(ValueError, match=message):
        detect_objects(image=image, model_dir=model_dir)


def test_a_list_is_not_an_image(model_dir):
    with pytest.raises(TypeError, match="numpy array"):
        detect_objects(image=[[0, 0, 0]], model_dir=model_dir)  # type: ignore[arg-type]


# Segmentation


def test_deeplab_segments_the_bird(models_dir, model_dir):
    image = rgb(models_dir / "segmentation/bird_segmentation.bmp")
    truth = (
        cv2.imread(
            str(models_dir / "segmentation/bird_segmentation_mask.bmp"), cv2.IMREAD_GRAYSCALE
        )
        > 0
    )
    mask = foreground_mask(image=image, model_dir=model_dir)
    assert mask.dtype == np.float32
    assert mask.shape == truth.shape
    assert mask_iou(predicted=mask, truth=truth) >= BIRD_IOU_FLOOR


def test_deeplab_mean_iou_on_coco128_seg_voc_subjects(corpus, model_dir):
    scores = []
    for stem in VOC_SUBSET:
        image = coco_image(corpus, stem, folder="coco128-seg")
        height, width = image.shape[:2]
        masks = instance_masks(corpus, stem, width=width, height=height)
        label, largest = max(masks, key=lambda item: item[1].sum())
        assert label in COCO_TO_VOC
        assert largest.mean() >= 0.2
        truth = np.any([mask for name, mask in masks if name in COCO_TO_VOC], axis=0)
        scores.append(
            mask_iou(predicted=foreground_mask(image=image, model_dir=model_dir), truth=truth)
        )
    assert np.mean(scores) >= VOC_IOU_FLOOR


def test_the_mask_is_soft_at_edges_and_full_size(corpus, model_dir):
    image = cv2.resize(coco_image(corpus, "000000000394"), (1600, 1200))
    mask = foreground_mask(image=image, model_dir=model_dir)
    assert mask.shape == (1200, 1600)
    assert mask.min() >= 0.0
    assert mask.max() <= 1.0
    soft = ((mask > 0.05) & (mask < 0.95)).mean()
    assert 0.001 < soft < 0.1  # a feathered rim, not a blur and not a jagged step


def test_a_chosen_class_limits_the_mask(corpus, model_dir):
    image = coco_image(corpus, "000000000394", folder="coco128-seg")
    dog = foreground_mask(image=image, model_dir=model_dir, classes=["dog"])
    cars = foreground_mask(image=image, model_dir=model_dir, classes=["aeroplane"])
    assert (dog >= 0.5).mean() > 0.3
    assert (cars >= 0.5).mean() < 0.01
    with pytest.raises(ValueError, match="not VOC classes: giraffe"):
        foreground_mask(image=image, model_dir=model_dir, classes=["giraffe"])


def test_grabcut_from_a_box_needs_no_model(models_dir):
    image = rgb(models_dir / "segmentation/bird_segmentation.bmp")
    truth = (
        cv2.imread(
            str(models_dir / "segmentation/bird_segmentation_mask.bmp"), cv2.IMREAD_GRAYSCALE
        )
        > 0
    )
    ys, xs = np.nonzero(truth)
    box = (xs.min() / 513, ys.min() / 513, (xs.max() + 1) / 513, (ys.max() + 1) / 513)
    assert mask_iou(predicted=grabcut_mask(image=image, box=box), truth=truth) >= 0.6
    with pytest.raises(ValueError, match="empty box"):
        grabcut_mask(image=image, box=(0.5, 0.5, 0.5, 0.9))


def test_remove_background_in_every_mode():
    image = np.full((20, 30, 3), 100, np.uint8)
    mask = np.zeros((20, 30), np.float32)
    mask[5:15, 10:20] = 1.0
    cut = remove_background(image=image, mask=mask)
    assert cut.shape == (20, 30, 4)
    assert cut[0, 0, 3] == 0
    assert cut[10, 15, 3] == 255
    coloured = remove_background(image=image, mask=mask, mode="color", color=(0, 255, 0))
    assert tuple(coloured[0, 0]) == (0, 255, 0)
    assert tuple(coloured[10, 15]) == (100, 100, 100)
    blurred = remove_background(image=image, mask=mask, mode="blur")
    assert blurred.shape == (20, 30, 3)
    backdrop = np.zeros((5, 5, 3), np.uint8)
    replaced = remove_background(image=image, mask=mask, mode="image", background=backdrop)
    assert tuple(replaced[0, 0]) == (0, 0, 0)
    assert tuple(replaced[10, 15]) == (100, 100, 100)
    with pytest.raises(ValueError, match="needs a background"):
        remove_background(image=image, mask=mask, mode="image")
    with pytest.raises(ValueError, match="does not match"):
        remove_background(image=image, mask=mask[:10], mode="color")
    with pytest.raises(ValueError, match="unknown mode"):
        remove_background(image=image, mask=mask, mode="sepia")  # type: ignore[arg-type]


# Style transfer


def lab_chroma_stats(image: np.ndarray) -> np.ndarray:
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(np.float64)
    return np.concatenate([lab[:, 1:].mean(axis=0), lab[:, 1:].std(axis=0)])


def rgb_stats(image: np.ndarray) -> np.ndarray:
    pixels = image.reshape(-1, 3).astype(np.float64)
    return np.concatenate([pixels.mean(axis=0), pixels.std(axis=0)])


ARTWORKS_TRIED = ["starry_night", "great_wave", "the_scream", "composition_vii"]


@pytest.mark.parametrize("style_name", ARTWORKS_TRIED)
def test_style_transfer_keeps_structure_and_takes_the_style_colours(corpus, model_dir, style_name):
    content = coco_image(corpus, "000000000042")
    style = rgb(model_dir / "styles" / f"{style_name}.jpg")
    result = stylize(content=content, style=style, max_side=384, model_dir=model_dir)
    assert result.shape == (287, 384, 3)
    assert result.dtype == np.uint8
    small = cv2.resize(content, (384, 287), interpolation=cv2.INTER_AREA)
    assert edge_correlation(small, result) >= EDGE_FLOOR
    # the palette moves toward the painting's (Lab a, b mean and std)
    chroma = np.linalg.norm(lab_chroma_stats(result) - lab_chroma_stats(style))
    assert chroma < 0.8 * np.linalg.norm(lab_chroma_stats(small) - lab_chroma_stats(style))


def test_strength_blends_between_content_and_style(corpus, model_dir):
    content = coco_image(corpus, "000000000042")
    style = rgb(model_dir / "styles/the_scream.jpg")
    small = cv2.resize(content, (256, 191), interpolation=cv2.INTER_AREA)
    distances = [
        np.linalg.norm(
            lab_chroma_stats(
                stylize(
                    content=content, style=style, strength=value, max_side=256, model_dir=model_dir
                )
            )
            - lab_chroma_stats(small)
        )
        for value in (0.0, 0.5, 1.0)
    ]
    assert distances[0] < distances[1] < distances[2]
    with pytest.raises(ValueError, match="strength"):
        stylize(content=content, style=style, strength=1.5, model_dir=model_dir)


def test_a_bottleneck_stands_for_its_style_image(corpus, model_dir):
    content = coco_image(corpus, "000000000042")
    style = rgb(model_dir / "styles/great_wave.jpg")
    numbers = style_bottleneck(style=style, model_dir=model_dir)
    assert numbers.shape == (1, 1, 1, 100)
    by_image = stylize(content=content, style=style, max_side=256, model_dir=model_dir)
    by_numbers = stylize(content=content, bottleneck=numbers, max_side=256, model_dir=model_dir)
    assert np.array_equal(by_image, by_numbers)
    with pytest.raises(ValueError, match="either"):
        stylize(content=content, model_dir=model_dir)


def test_output_has_the_pictures_own_size_and_keeps_its_detail(model_dir, monkeypatch):
    """The network runs at NETWORK_SIDE; the result is resized back and the picture's fine
    detail returns: sharper than the network's output simply enlarged."""
    from processing.ml import style as style_module

    content = rgb(model_dir / "styles/la_grande_jatte.jpg")  # 1200x799, sharp
    numbers = style_bottleneck(
        style=rgb(model_dir / "styles/starry_night.jpg"), model_dir=model_dir
    )
    result = stylize(content=content, bottleneck=numbers, model_dir=model_dir)
    assert result.shape == (799, 1200, 3)
    half = stylize(content=content, bottleneck=numbers, max_side=600, model_dir=model_dir)
    assert half.shape == (400, 600, 3)
    monkeypatch.setattr(style_module, "DETAIL", 0.0)
    plain = stylize(content=content, bottleneck=numbers, model_dir=model_dir)

    def sharpness(image: np.ndarray) -> float:
        return float(cv2.Laplacian(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), cv2.CV_32F).var())

    assert sharpness(result) > 1.3 * sharpness(plain)
    assert edge_correlation(content, result) > edge_correlation(content, plain)


def test_the_transformer_is_not_kept_loaded(corpus, model_dir):
    """Its working memory (hundreds of MB at NETWORK_SIDE) goes when the call ends."""
    from processing.ml.manifest import STYLE_TRANSFORMER

    content = coco_image(corpus, "000000000042")
    stylize(content=content, style=content, max_side=256, model_dir=model_dir)
    assert STYLE_TRANSFORMER not in runtime.loaded_models()
