"""Model files: install, verify, locate, download, and `manage.py models` (no inference here)."""

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from processing.ml import runtime, store
from processing.ml.manifest import MODELS, STYLE_ARTWORKS, model_spec
from processing.ml.store import (
    ModelCorrupt,
    ModelMissing,
    model_install,
    model_labels,
    model_path,
    model_status,
)

SMALL = "deeplabv3_mnv2_pascal_quant"  # 2 MB: the cheapest real model to copy around


def flip_a_byte(path: Path, *, at: int = 4096) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def test_manifest_hashes_match_the_shared_weights(models_dir):
    for asset in (*MODELS, *STYLE_ARTWORKS):
        for file in asset.files:
            found = list(models_dir.rglob(file.filename))
            assert found, f"{file.filename} not in {models_dir}"
            assert store.file_sha256(path=found[0]) == file.sha256, file.filename


def test_install_copies_verifies_and_leaves_no_temporary_files(models_dir, tmp_path):
    installed = model_install(
        spec=model_spec(name=SMALL), source_dir=models_dir, model_dir=tmp_path
    )
    assert [path.name for path in installed] == [
        "deeplabv3_mnv2_pascal_quant.tflite",
        "pascal_voc_segmentation_labels.txt",
    ]
    state = next(state for state in model_status(model_dir=tmp_path) if state.name == SMALL)
    assert state.present
    assert state.verified
    assert state.problem == ""
    assert "Apache-2.0" in state.licence
    assert not list(tmp_path.glob(".*.part"))


def test_a_corrupted_source_is_rejected_and_nothing_is_installed(models_dir, tmp_path):
    source = tmp_path / "source"
    shutil.copytree(models_dir / "segmentation", source)
    flip_a_byte(source / "deeplabv3_mnv2_pascal_quant.tflite")
    target = tmp_path / "models"
    with pytest.raises(ModelCorrupt, match="sha256"):
        model_install(spec=model_spec(name=SMALL), source_dir=source, model_dir=target)
    assert not (target / "deeplabv3_mnv2_pascal_quant.tflite").exists()
    assert not list(target.glob(".*.part"))


def test_a_corrupted_installed_model_raises_and_is_never_loaded(models_dir, tmp_path, monkeypatch):
    model_install(spec=model_spec(name=SMALL), source_dir=models_dir, model_dir=tmp_path)
    flip_a_byte(tmp_path / "deeplabv3_mnv2_pascal_quant.tflite")
    constructed = []
    monkeypatch.setattr(runtime, "TfliteModel", lambda **kwargs: constructed.append(kwargs))
    before = runtime.cache_info()
    with pytest.raises(ModelCorrupt, match="was not loaded") as error:
        runtime.tflite_model(name=SMALL, model_dir=tmp_path)
    assert "python manage.py models install --from DIR" in str(error.value)
    assert constructed == []
    assert runtime.cache_info() == before
    state = next(state for state in model_status(model_dir=tmp_path) if state.name == SMALL)
    assert state.present
    assert not state.verified
    assert "mismatch" in state.problem


def test_a_missing_model_names_itself_and_the_install_command(tmp_path):
    with pytest.raises(ModelMissing) as error:
        model_path(name="yolov8n_int8", model_dir=tmp_path)
    message = str(error.value)
    assert "yolov8n_int8" in message
    assert "python manage.py models install --from DIR" in message
    assert "python manage.py models download yolov8n_int8" in message


def test_an_unknown_model_name_is_a_key_error(tmp_path):
    with pytest.raises(KeyError, match="unknown model"):
        model_path(name="resnet", model_dir=tmp_path)


def test_verification_is_cached_until_the_file_changes(models_dir, tmp_path, monkeypatch):
    model_install(spec=model_spec(name=SMALL), source_dir=models_dir, model_dir=tmp_path)
    calls = []
    original = store.file_sha256
    monkeypatch.setattr(
        store, "file_sha256", lambda *, path: calls.append(path) or original(path=path)
    )
    path = model_path(name=SMALL, model_dir=tmp_path)
    model_path(name=SMALL, model_dir=tmp_path)
    assert calls == []  # verified when installed: this process trusts (path, size, mtime)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    model_path(name=SMALL, model_dir=tmp_path)
    assert calls == [path]


def test_label_files_parse_to_class_names(models_dir, tmp_path):
    for name in ("yolov8n_int8", SMALL):
        model_install(spec=model_spec(name=name), source_dir=models_dir, model_dir=tmp_path)
    coco = model_labels(name="yolov8n_int8", model_dir=tmp_path)
    voc = model_labels(name=SMALL, model_dir=tmp_path)
    assert len(coco) == 80
    assert coco[0] == "person"
    assert coco[79] == "toothbrush"
    assert len(voc) == 21
    assert voc[0] == "background"
    assert voc[15] == "person"


def test_the_command_installs_lists_licences_and_verifies(models_dir, tmp_path, settings, capsys):
    settings.MODEL_DIR = tmp_path
    call_command("models", "install", "--from", str(models_dir))
    out = capsys.readouterr().out
    assert "installed yolov8n_int8 [AGPL-3.0" in out
    assert "all required models verified" in out
    assert (tmp_path / "styles" / "starry_night.jpg").is_file()

    call_command("models", "list")
    listing = capsys.readouterr().out
    assert "magenta_style_transfer_int8" in listing
    assert "Apache-2.0" in listing
    assert "verified" in listing

    flip_a_byte(tmp_path / "style_transfer_quantized_dynamic.tflite")
    with pytest.raises(CommandError, match="magenta_style_transfer_int8"):
        call_command("models", "verify")


def test_the_command_fails_when_a_required_model_is_missing(tmp_path, settings):
    settings.MODEL_DIR = tmp_path / "models"
    (tmp_path / "empty").mkdir()
    with pytest.raises(CommandError, match="required models missing"):
        call_command("models", "install", "--from", str(tmp_path / "empty"))


def test_sha256_helper_matches_hashlib(tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(b"x" * 3_000_000)
    assert store.file_sha256(path=path) == hashlib.sha256(b"x" * 3_000_000).hexdigest()
