"""Model runtime: each network is loaded once per process and reused, one lock per model.

TFLite files run in LiteRT (`ai_edge_litert.interpreter.Interpreter`, package ai-edge-litert),
TensorFlow's own runtime for them: the same files and outputs as `tf.lite.Interpreter`, without
the 1.3 GB TensorFlow package (see docs/ml.md, "Runtime", for the measurements). LiteRT is
imported on first use, so the manifest, the store and `manage.py models` stay light.
"""

import functools
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from processing.ml.manifest import model_spec
from processing.ml.store import model_path

THREADS = 2  # the deployment target has 2 cores; a worker runs one heavy call at a time

_loaded: list[str] = []  # model names, in load order: what this process holds


def loaded_models() -> list[str]:
    return list(_loaded)


def interpreter(*, path: Path, xnnpack: bool = True) -> Any:
    """A fresh LiteRT interpreter for a (verified) file, tensors allocated.

    xnnpack=False leaves out the default XNNPACK delegate: about 15% slower on the style
    transformer at 640 px, but its working memory is a third smaller (381 against 578 MB).
    """
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.AUTO if xnnpack else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    model = Interpreter(
        model_path=str(path), num_threads=THREADS, experimental_op_resolver_type=resolver
    )
    model.allocate_tensors()
    return model


class TfliteModel:
    """A TFLite interpreter and the lock that serialises its invocations."""

    def __init__(self, *, path: Path) -> None:
        self.interpreter = interpreter(path=path)
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        self.lock = threading.Lock()

    def run(self, batch: np.ndarray) -> np.ndarray:
        with self.lock:
            self.interpreter.set_tensor(self.input["index"], batch)
            self.interpreter.invoke()
            return np.array(self.interpreter.get_tensor(self.output["index"]))


@functools.cache
def _tflite_cached(path: str, sha256: str, name: str) -> TfliteModel:
    model = TfliteModel(path=Path(path))
    _loaded.append(name)
    return model


_load_lock = threading.Lock()  # two threads asking for the same model load it once


def tflite_model(*, name: str, model_dir: Path) -> TfliteModel:
    """The process-wide interpreter for a verified model file (ModelMissing / ModelCorrupt)."""
    path = model_path(name=name, model_dir=model_dir)
    with _load_lock:
        return _tflite_cached(str(path), model_spec(name=name).file.sha256, name)


def cache_clear() -> None:
    """Forget every loaded model (tests and benchmarks of cold loading)."""
    with _load_lock:
        _tflite_cached.cache_clear()
        _loaded.clear()


def cache_info() -> Mapping[str, int]:
    return {"tflite": _tflite_cached.cache_info().currsize}
