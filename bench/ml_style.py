"""Style transfer, worker memory and the TFLite runtime, for bench/ml.py (functions only).

- style_ms: one 1024 px picture (long side) stylised end to end with an artwork whose bottleneck
  is cached (what the worker does), strength 0.8 (one predictor call on the content);
- style_2048_ms: the same on a 2048 px picture, output at its size;
- worker_rss_mb: RSS, read from /proc by this process, of a separate process that imported the
  worker's modules (Django set up, processing.tasks) and loaded every model of the manifest
  (TFLite in LiteRT, ONNX through OpenCV), each run once, one style transfer done;
  style_2048_peak_mb: that process's peak RSS (VmHWM) after a 2048 px style transfer;
- runtime: TensorFlow's tf.lite.Interpreter against LiteRT in the same run (when TensorFlow is
  still installed): package size, import time in a fresh process, and the RSS of a process
  holding the detector, DeepLab and the style predictor, each run once.
"""

import importlib.metadata
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from processing.ml.style import style_bottleneck, stylize

BASE_DIR = Path(__file__).resolve().parent.parent


def _rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def _at(image: np.ndarray, side: int) -> np.ndarray:
    height, width = image.shape[:2]
    scale = side / max(height, width)
    size = (round(width * scale), round(height * scale))
    return cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)


def bench_style(
    *, contents: list[Path], artwork: Path, model_dir: Path, quick: bool
) -> dict[str, float]:
    numbers = style_bottleneck(style=_rgb(artwork), model_dir=model_dir)
    pictures = [_rgb(path) for path in contents]
    stylize(content=_at(pictures[0], 512), bottleneck=numbers, model_dir=model_dir)  # warm
    figures = {}
    for key, side in (("style_ms", 1024), ("style_2048_ms", 2048)):
        times = []
        for picture in pictures[: 2 if quick else len(pictures)]:
            content = _at(picture, side)
            start = time.perf_counter()
            result = stylize(content=content, bottleneck=numbers, strength=0.8, model_dir=model_dir)
            times.append((time.perf_counter() - start) * 1000)
            assert result.shape == content.shape
        figures[key] = statistics.median(times)
    return figures


_WORKER = r"""
import os, sys
import django
django.setup()
import processing.tasks  # what a worker process imports
from pathlib import Path
import cv2, numpy as np
from processing.ml import runtime
from processing.ml.manifest import MODELS, STYLE_TRANSFORMER
from processing.ml.store import model_path
from processing.ml.style import stylize
model_dir = Path(os.environ["MODEL_DIR"])
for spec in MODELS:
    if spec.name == STYLE_TRANSFORMER:
        continue  # loaded per call (stylize below)
    path = model_path(name=spec.name, model_dir=model_dir)
    if path.suffix == ".tflite":
        model = runtime.tflite_model(name=spec.name, model_dir=model_dir)
        data = np.zeros(model.input["shape"], dtype=model.input["dtype"])
        model.run(data)
    elif path.suffix == ".onnx":
        net = cv2.dnn.readNetFromONNX(str(path))
        globals()["net_" + spec.name] = net
picture = cv2.imread(sys.argv[1])[:, :, ::-1]
style = cv2.imread(sys.argv[2])[:, :, ::-1]
stylize(content=picture, style=style, max_side=1024, model_dir=model_dir)
print("loaded", flush=True)
sys.stdin.readline()
big = cv2.resize(picture, (2048, 2048 * picture.shape[0] // picture.shape[1]))
stylize(content=big, style=style, model_dir=model_dir)
print("done", flush=True)
sys.stdin.readline()
"""


def _status(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def bench_worker_memory(*, model_dir: Path, content: Path, artwork: Path) -> dict[str, float]:
    env = {
        **os.environ,
        "MODEL_DIR": str(model_dir),
        "DJANGO_SETTINGS_MODULE": "imagesite.settings",
    }
    child = subprocess.Popen(
        [sys.executable, "-c", _WORKER, str(content), str(artwork)],
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdin is not None
        assert child.stdout.readline().strip() == "loaded"
        rss = _status(child.pid, "VmRSS")
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "done"
        peak = _status(child.pid, "VmHWM")
        after = _status(child.pid, "VmRSS")
        child.stdin.write("end\n")
        child.stdin.flush()
    finally:
        child.wait(timeout=60)
    return {"worker_rss_mb": rss, "style_2048_peak_mb": peak, "worker_rss_after_mb": after}


_RUNTIME = r"""
import json, sys, time
start = time.perf_counter()
if sys.argv[1] == "tensorflow":
    import tensorflow as tf
    Interpreter = tf.lite.Interpreter
else:
    from ai_edge_litert.interpreter import Interpreter
imported = time.perf_counter() - start
import numpy as np
for path in sys.argv[2:]:
    model = Interpreter(model_path=path, num_threads=2)
    model.allocate_tensors()
    detail = model.get_input_details()[0]
    model.set_tensor(detail["index"], np.zeros(detail["shape"], dtype=detail["dtype"]))
    model.invoke()
    globals().setdefault("kept", []).append(model)
rss = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:")][0]
print(json.dumps({"import_s": imported, "rss_mb": rss / 1024}))
"""


def _package_mb(distribution: str) -> float:
    try:
        files = importlib.metadata.distribution(distribution).files or []
    except importlib.metadata.PackageNotFoundError:
        return float("nan")
    total = 0
    for file in files:
        path = Path(str(file.locate()))
        total += path.stat().st_size if path.is_file() else 0
    return total / 1e6


def bench_runtime(*, model_paths: list[Path]) -> dict[str, float]:
    figures = {"litert_install_mb": _package_mb("ai-edge-litert")}
    runtimes = ["litert"]
    try:
        importlib.metadata.distribution("tensorflow-cpu")
        runtimes.insert(0, "tensorflow")
        figures["tensorflow_install_mb"] = _package_mb("tensorflow-cpu")
    except importlib.metadata.PackageNotFoundError:
        pass
    for name in runtimes:
        found = subprocess.run(
            [sys.executable, "-c", _RUNTIME, name, *map(str, model_paths)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
        result = json.loads(found.stdout.strip().splitlines()[-1])
        figures[f"{name}_import_s"] = result["import_s"]
        figures[f"{name}_rss_mb"] = result["rss_mb"]
    return figures
