"""Models on first start: `manage.py models ensure` (what bin/dev runs in the background) installs
what MODEL_DIR lacks from MODEL_SOURCE_DIR, or downloads it: here from a real HTTP server on
127.0.0.1 (MODEL_MIRROR_URL) that can corrupt a file or cut a transfer short."""

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command

from imagesite import launcher
from processing.ml import store
from processing.ml.manifest import model_spec
from processing.ml.store import default_assets, model_path, models_ensure

SMALL = "deeplabv3_mnv2_pascal_quant"


class Mirror:
    """Files by URL path; `corrupt` names get one byte flipped, `cut` names are sent half and
    the connection closed on their first request; Range requests are honoured."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.corrupt: set[str] = set()
        self.cut: set[str] = set()
        self.requests: list[tuple[str, str]] = []  # (path, Range header)


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.lstrip("/")
            mirror.requests.append((path, self.headers.get("Range", "")))
            if path not in mirror.files:
                self.send_error(404)
                return
            data = mirror.files[path]
            name = path.rsplit("/", 1)[-1]
            if name in mirror.corrupt:
                data = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
            start = 0
            if ranged := self.headers.get("Range", ""):
                start = int(ranged.removeprefix("bytes=").split("-")[0])
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            self.send_header("Content-Length", str(len(data) - start))
            self.end_headers()
            if name in mirror.cut:
                mirror.cut.discard(name)
                self.wfile.write(data[start : start + (len(data) - start) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.wfile.write(data[start:])

    return Handler


@pytest.fixture
def mirror(models_dir: Path) -> Iterator[tuple[Mirror, str]]:
    files = {}
    for asset in default_assets():
        for file in asset.files:
            source = next(models_dir.rglob(file.filename))
            key = f"{asset.subdir}/{file.filename}" if asset.subdir else file.filename
            files[key] = source.read_bytes()
    served = Mirror(files)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(served))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield served, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _states(model_dir: Path) -> dict[str, bool]:
    states = store.model_status(model_dir=model_dir) + store.style_status(model_dir=model_dir)
    return {state.name: state.verified for state in states}


def test_first_start_installs_everything_from_the_source_folder(
    models_dir, tmp_path, monkeypatch, capfd
):
    """The launcher's own child (`manage.py models ensure`), with MODEL_SOURCE_DIR set."""
    monkeypatch.setenv("MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("MODEL_SOURCE_DIR", str(models_dir))
    installer = launcher._models_ensure()
    assert installer.wait(timeout=120) == 0
    out = capfd.readouterr().out
    states = _states(tmp_path / "models")
    assert all(states.values()), states
    assert "models: all" in out
    assert "installed now" in out
    assert (tmp_path / "models" / "styles" / "the_kiss.jpg").is_file()


def test_download_from_a_server_checks_hashes_and_resumes(mirror, tmp_path, settings, capsys):
    served, url = mirror
    served.corrupt.add("yolov8n_int8.tflite")
    served.cut.add("deeplabv3_mnv2_pascal_quant.tflite")
    settings.MODEL_DIR = tmp_path / "models"
    settings.MODEL_SOURCE_DIR = None
    settings.MODEL_MIRROR_URL = url
    call_command("models", "ensure")
    out = capsys.readouterr().out
    states = _states(tmp_path / "models")
    # the corrupted file is refused by its hash and nothing of it is installed
    assert not states["yolov8n_int8"]
    assert not (tmp_path / "models" / "yolov8n_int8.tflite").exists()
    assert "yolov8n_int8.tflite: sha256" in out
    assert "refused" in out
    # the interrupted transfer is resumed where it broke (a Range request), then verified
    assert states[SMALL]
    ranges = [r for path, r in served.requests if path == "deeplabv3_mnv2_pascal_quant.tflite"]
    assert ranges[0] == ""
    assert ranges[1].startswith("bytes=")
    assert int(ranges[1][6:].rstrip("-")) > 0
    assert "resuming at" in out
    assert "%" in out  # progress
    # everything else is in, and the last line says what is missing and how to install it
    assert sum(states.values()) == len(states) - 1
    last = out.strip().splitlines()[-1]
    assert "yolov8n_int8" in last
    assert "models install --from" in last

    served.corrupt.clear()  # a second start fetches only what is still missing
    served.requests.clear()
    call_command("models", "ensure")
    assert [path for path, _ in served.requests] == ["yolov8n_int8.tflite", "metadata.yaml"]
    assert all(_states(tmp_path / "models").values())


def test_offline_one_line_says_what_is_missing_and_nothing_fails(tmp_path, settings, capsys):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: connection refused, as without a network
    settings.MODEL_DIR = tmp_path / "models"
    settings.MODEL_SOURCE_DIR = None
    settings.MODEL_MIRROR_URL = f"http://127.0.0.1:{port}"
    call_command("models", "ensure")  # never raises: the site starts anyway
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1, lines
    assert "not installed" in lines[0]
    assert "yolov8n_int8" in lines[0]
    assert "MODEL_SOURCE_DIR" in lines[0]
    assert "models install --from DIR" in lines[0]


def test_a_partial_download_left_by_a_stopped_start_is_resumed(mirror, tmp_path):
    served, url = mirror
    spec = model_spec(name=SMALL)
    data = served.files[spec.file.filename]
    target_dir = tmp_path / "models"
    target_dir.mkdir()
    (target_dir / f".{spec.file.filename}.download").write_bytes(data[:1000])
    report = models_ensure(model_dir=target_dir, assets=[spec], mirror=url)
    assert report.installed == [SMALL]
    assert served.requests[0] == (spec.file.filename, "bytes=1000-")
    assert model_path(name=SMALL, model_dir=target_dir).read_bytes() == data
    assert not list(target_dir.glob(".*.download"))
