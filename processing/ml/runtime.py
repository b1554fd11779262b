"""TensorFlow runtime: each network is loaded once per process and reused, one lock per model.

TFLite files run in `tf.lite.Interpreter` (deprecated in TF 2.21 in favour of ai-edge-litert, which
reads the same files); the AdaIN TF1 frozen graphs run as pruned `wrap_function`s. TensorFlow is
imported on first use, so the manifest, the store and `manage.py models` stay light.
"""

import functools
import threading
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from processing.ml.manifest import model_spec
from processing.ml.store import model_path

THREADS = 2  # the deployment target has 2 cores; a worker runs one heavy call at a time

_loaded: list[str] = []  # model names, in load order: what this process holds


def loaded_models() -> list[str]:
    return list(_loaded)


@functools.cache
def _tensorflow() -> Any:
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(THREADS)
        tf.config.threading.set_inter_op_parallelism_threads(THREADS)
    except RuntimeError:  # TensorFlow was initialised before us: keep its settings
        pass
    return tf


class TfliteModel:
    """A TFLite interpreter and the lock that serialises its invocations."""

    def __init__(self, *, path: Path) -> None:
        tf = _tensorflow()
        with warnings.catch_warnings():  # the deprecation notice; docs/ml.md says what to do
            warnings.simplefilter("ignore", UserWarning)
            self.interpreter = tf.lite.Interpreter(model_path=str(path), num_threads=THREADS)
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        self.lock = threading.Lock()

    def run(self, batch: np.ndarray) -> np.ndarray:
        with self.lock:
            self.interpreter.set_tensor(self.input["index"], batch)
            self.interpreter.invoke()
            return np.array(self.interpreter.get_tensor(self.output["index"]))


class GraphModel:
    """A TF1 frozen GraphDef pruned to named inputs and one output, callable on numpy arrays."""

    def __init__(self, *, path: Path, inputs: tuple[str, ...], output: str) -> None:
        tf = _tensorflow()
        graph_def = tf.compat.v1.GraphDef()
        graph_def.ParseFromString(path.read_bytes())

        def imported() -> None:
            tf.compat.v1.import_graph_def(graph_def, name="")

        wrapped = tf.compat.v1.wrap_function(imported, [])
        graph = wrapped.graph
        feeds = [graph.as_graph_element(name) for name in inputs]
        self.function: Callable[..., Any] = wrapped.prune(feeds, graph.as_graph_element(output))
        self.lock = threading.Lock()  # bounds memory: one large image at a time per model

    def run(self, *arrays: np.ndarray) -> np.ndarray:
        tf = _tensorflow()
        with self.lock:
            return np.asarray(self.function(*(tf.constant(array) for array in arrays)))


@functools.cache
def _tflite_cached(path: str, sha256: str, name: str) -> TfliteModel:
    model = TfliteModel(path=Path(path))
    _loaded.append(name)
    return model


@functools.cache
def _graph_cached(
    path: str, sha256: str, name: str, inputs: tuple[str, ...], output: str
) -> GraphModel:
    model = GraphModel(path=Path(path), inputs=inputs, output=output)
    _loaded.append(name)
    return model


_load_lock = threading.Lock()  # two threads asking for the same model load it once


def tflite_model(*, name: str, model_dir: Path) -> TfliteModel:
    """The process-wide interpreter for a verified model file (ModelMissing / ModelCorrupt)."""
    path = model_path(name=name, model_dir=model_dir)
    with _load_lock:
        return _tflite_cached(str(path), model_spec(name=name).file.sha256, name)


def graph_model(*, name: str, model_dir: Path, inputs: tuple[str, ...], output: str) -> GraphModel:
    path = model_path(name=name, model_dir=model_dir)
    with _load_lock:
        return _graph_cached(str(path), model_spec(name=name).file.sha256, name, inputs, output)


def cache_clear() -> None:
    """Forget every loaded model (tests and benchmarks of cold loading)."""
    with _load_lock:
        _tflite_cached.cache_clear()
        _graph_cached.cache_clear()
        _loaded.clear()


def cache_info() -> Mapping[str, int]:
    return {
        "tflite": _tflite_cached.cache_info().currsize,
        "graphs": _graph_cached.cache_info().currsize,
    }
