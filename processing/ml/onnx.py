"""ONNX models (U²-Net-p): onnxruntime, or OpenCV's DNN module where onnxruntime is absent.

Chosen by measurement (bench/ml.py times both on the same inputs in one run; their outputs agree
to 1e-5): onnxruntime was the faster on this machine's 2 cores, so it is the default and a pinned
dependency; `cv2.dnn` needs nothing more and takes over when onnxruntime cannot be imported.
YuNet runs through `cv2.FaceDetectorYN` (processing/ml/faces.py), which decodes its outputs.
Each model is loaded once per process, one lock per model, like processing/ml/runtime.py.
"""

import functools
import importlib.util
import threading
from pathlib import Path
from typing import Any, Literal

import cv2
import numpy as np

from processing.ml.manifest import model_spec
from processing.ml.store import model_path

THREADS = 2  # as runtime.THREADS: the deployment target has 2 cores
Backend = Literal["onnxruntime", "opencv"]

_loaded: list[str] = []


def loaded_onnx_models() -> list[str]:
    return list(_loaded)


def default_backend() -> Backend:
    return "onnxruntime" if importlib.util.find_spec("onnxruntime") else "opencv"


class OnnxModel:
    """One network, its first output returned for an NCHW float32 batch."""

    def __init__(self, *, path: Path, backend: Backend) -> None:
        self.backend = backend
        self.lock = threading.Lock()
        if backend == "onnxruntime":
            import onnxruntime  # type: ignore[import-untyped]

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = THREADS
            options.inter_op_num_threads = 1
            self.session: Any = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
            self.input_name = self.session.get_inputs()[0].name
            self.output_name = self.session.get_outputs()[0].name
        elif backend == "opencv":
            self.net: Any = cv2.dnn.readNetFromONNX(str(path))
        else:
            raise ValueError(f"unknown ONNX backend {backend!r}: onnxruntime or opencv")

    def run(self, batch: np.ndarray) -> np.ndarray:
        with self.lock:
            if self.backend == "onnxruntime":
                outputs = self.session.run([self.output_name], {self.input_name: batch})
                return np.asarray(outputs[0])
            self.net.setInput(batch)
            return np.asarray(self.net.forward())


@functools.cache
def _cached(path: str, sha256: str, name: str, backend: Backend) -> OnnxModel:
    model = OnnxModel(path=Path(path), backend=backend)
    _loaded.append(f"{name} ({backend})")
    return model


_load_lock = threading.Lock()


def onnx_model(*, name: str, model_dir: Path, backend: Backend | None = None) -> OnnxModel:
    """The process-wide network for a verified model file (ModelMissing / ModelCorrupt)."""
    path = model_path(name=name, model_dir=model_dir)
    with _load_lock:
        return _cached(
            str(path), model_spec(name=name).file.sha256, name, backend or default_backend()
        )


def onnx_cache_clear() -> None:
    with _load_lock:
        _cached.cache_clear()
        _loaded.clear()
