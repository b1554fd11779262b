"""Model files in MODEL_DIR: install from a folder or the manifest's URL, verify, locate.

Every file is checked against the sha256 in the manifest before it is used; a mismatch raises
ModelCorrupt and the file is never handed to the runtime. The check is cached per process by
(path, size, mtime), so a replaced file is checked again.
"""

import hashlib
import http.client
import os
import re
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from processing.ml.manifest import (
    MODELS,
    STYLE_ARTWORKS,
    FileSpec,
    ModelSpec,
    StyleArtwork,
    model_spec,
    style_artwork,
)

Asset = ModelSpec | StyleArtwork
CHUNK = 1 << 20


class ModelMissing(Exception):
    """A model or style file is not installed in MODEL_DIR."""


class ModelCorrupt(Exception):
    """A file's sha256 differs from the manifest: it is reported and never loaded."""


@dataclass(frozen=True, slots=True)
class ModelState:
    name: str
    kind: Literal["model", "style"]
    task: str
    licence: str
    required: bool
    present: bool
    verified: bool
    problem: str  # empty when verified


_hashes: dict[tuple[str, int, int], str] = {}
_hashes_lock = threading.Lock()


def file_sha256(*, path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _cache_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path.resolve()), stat.st_size, stat.st_mtime_ns


def _cached_sha256(path: Path) -> str:
    key = _cache_key(path)
    with _hashes_lock:
        if key in _hashes:
            return _hashes[key]
    sha256 = file_sha256(path=path)
    with _hashes_lock:
        _hashes[key] = sha256
    return sha256


def verification_cache_clear() -> None:
    with _hashes_lock:
        _hashes.clear()


def _target(*, asset: Asset, file: FileSpec, model_dir: Path) -> Path:
    return Path(model_dir) / asset.subdir / file.filename


def _problem(*, file: FileSpec, path: Path) -> str:
    if not path.is_file():
        return f"{file.filename} missing"
    actual = _cached_sha256(path)
    if actual != file.sha256:
        return f"{file.filename} sha256 mismatch: {actual[:12]}... != {file.sha256[:12]}..."
    return ""


def _state(*, asset: Asset, model_dir: Path) -> ModelState:
    paths = [(file, _target(asset=asset, file=file, model_dir=model_dir)) for file in asset.files]
    problems = [problem for file, path in paths if (problem := _problem(file=file, path=path))]
    is_model = isinstance(asset, ModelSpec)
    return ModelState(
        name=asset.name,
        kind="model" if is_model else "style",
        task=asset.task if isinstance(asset, ModelSpec) else "style artwork",
        licence=asset.licence,
        required=asset.required if isinstance(asset, ModelSpec) else False,
        present=all(path.is_file() for _, path in paths),
        verified=not problems,
        problem="; ".join(problems),
    )


def model_status(*, model_dir: Path) -> list[ModelState]:
    return [_state(asset=spec, model_dir=model_dir) for spec in MODELS]


def style_status(*, model_dir: Path) -> list[ModelState]:
    return [_state(asset=artwork, model_dir=model_dir) for artwork in STYLE_ARTWORKS]


def _install_command(name: str) -> str:
    return (
        "install it with `python manage.py models install --from DIR` (DIR: a folder holding "
        f"the file, searched with its subfolders) or `python manage.py models download {name}`"
    )


def _write_verified(*, file: FileSpec, chunks: Iterable[bytes], target: Path) -> Path:
    """Write to a temporary file beside the target, check the hash, then rename atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{file.filename}.", suffix=".part"
    )
    digest = hashlib.sha256()
    try:
        with os.fdopen(handle, "wb") as stream:
            for chunk in chunks:
                digest.update(chunk)
                stream.write(chunk)
            stream.flush()
            os.fsync(stream.fileno())
        if digest.hexdigest() != file.sha256:
            raise ModelCorrupt(
                f"{file.filename}: sha256 {digest.hexdigest()} differs from the "
                f"manifest's {file.sha256}; nothing was installed"
            )
        os.replace(temporary, target)
        with _hashes_lock:  # hashed while written: no need to read it again in this process
            _hashes[_cache_key(target)] = file.sha256
    finally:
        Path(temporary).unlink(missing_ok=True)
    return target


def _read_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk


def _find_source(*, file: FileSpec, source_dir: Path) -> Path | None:
    """The file of that name in source_dir or below; one with the right hash if several."""
    candidates = sorted(path for path in Path(source_dir).rglob(file.filename) if path.is_file())
    for path in candidates:
        if _cached_sha256(path) == file.sha256:
            return path
    return candidates[0] if candidates else None


def model_install(*, spec: Asset, source_dir: Path, model_dir: Path) -> list[Path]:
    """Copy the asset's files from source_dir (searched recursively by file name) into model_dir.

    Raises ModelMissing if a file is not found, ModelCorrupt if the copy's hash is wrong.
    """
    installed = []
    for file in spec.files:
        target = _target(asset=spec, file=file, model_dir=model_dir)
        if not _problem(file=file, path=target):
            installed.append(target)
            continue
        source = _find_source(file=file, source_dir=source_dir)
        if source is None:
            raise ModelMissing(
                f"{spec.name}: {file.filename} not found in {source_dir} or its subfolders"
            )
        installed.append(_write_verified(file=file, chunks=_read_chunks(source), target=target))
    return installed


def model_download(
    *,
    spec: Asset,
    model_dir: Path,
    timeout: float = 60.0,
    mirror: str = "",
    log: Callable[[str], None] = lambda line: None,
) -> list[Path]:
    """Fetch the asset's files from their manifest URLs (or `mirror`/<subdir>/<file>), each
    resumed with an HTTP Range request and retried once if the transfer breaks, then checked
    against its sha256 (ModelCorrupt: nothing installed). Only https, unless a mirror is named."""
    installed = []
    for file in spec.files:
        target = _target(asset=spec, file=file, model_dir=model_dir)
        if not _problem(file=file, path=target):
            installed.append(target)
            continue
        url = file.url
        if mirror and not mirror.startswith(("http://", "https://")):
            raise ValueError(f"the model mirror {mirror} is not an http(s) URL")
        if mirror:
            url = "/".join(part.strip("/") for part in (mirror, spec.subdir, file.filename) if part)
        elif not url.startswith("https://"):
            raise ValueError(f"refusing to download {file.filename} from {url}: not https")
        installed.append(_fetch(file=file, url=url, target=target, timeout=timeout, log=log))
    return installed


def _fetch(
    *, file: FileSpec, url: str, target: Path, timeout: float, log: Callable[[str], None]
) -> Path:
    partial = target.parent / f".{file.filename}.download"  # kept between tries: resumed
    target.parent.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        try:
            _fetch_once(url=url, partial=partial, timeout=timeout, log=log, name=file.filename)
            break
        except (OSError, http.client.HTTPException) as error:
            if attempt == 2 or _permanent(error):
                raise
            if not isinstance(error, urllib.error.URLError):  # connected, then broke
                log(f"{file.filename}: transfer broke ({error}); trying once more")
    actual = file_sha256(path=partial)
    if actual != file.sha256:
        partial.unlink(missing_ok=True)
        raise ModelCorrupt(
            f"{file.filename}: sha256 {actual} differs from the manifest's {file.sha256}; "
            "nothing was installed"
        )
    os.replace(partial, target)
    with _hashes_lock:
        _hashes[_cache_key(target)] = file.sha256
    log(f"{file.filename}: installed (sha256 verified)")
    return target


def _permanent(error: BaseException) -> bool:
    """A 4xx answer will not change on a retry; a broken or refused connection may."""
    return isinstance(error, urllib.error.HTTPError) and 400 <= error.code < 500


def _fetch_once(
    *, url: str, partial: Path, timeout: float, log: Callable[[str], None], name: str
) -> None:
    have = partial.stat().st_size if partial.is_file() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - checked by the caller
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 - https/mirror
    except urllib.error.HTTPError as error:
        if error.code == 416 and have:  # the partial file is already whole
            return
        raise
    with response:
        resumed = response.status == 206
        if not resumed:
            have = 0
        length = int(response.headers.get("Content-Length") or 0)
        total = have + length if length else 0
        what = f"{total / 1e6:.1f} MB" if total >= 100_000 else f"{total:,} bytes"
        log(
            f"{name}: {'resuming at ' + format(have / 1e6, '.1f') + ' MB of ' if resumed else 'downloading, '}{what}, from {url}"
        )
        received, next_report = have, 0.25
        with partial.open("ab" if resumed else "wb") as stream:
            while chunk := response.read(CHUNK):
                stream.write(chunk)
                received += len(chunk)
                while total > CHUNK and received / total >= next_report < 1.0:
                    log(f"{name}: {next_report:.0%} ({received / 1e6:.1f} of {total / 1e6:.1f} MB)")
                    next_report += 0.25
        if length and received - have < length:
            raise http.client.IncompleteRead(b"", length - (received - have))


def _verified_path(*, asset: Asset, file: FileSpec, model_dir: Path) -> Path:
    path = _target(asset=asset, file=file, model_dir=model_dir)
    what = "model" if isinstance(asset, ModelSpec) else "style artwork"
    if not path.is_file():
        raise ModelMissing(
            f"{what} {asset.name!r} is not installed ({path} does not exist): "
            + _install_command(asset.name)
        )
    actual = _cached_sha256(path)
    if actual != file.sha256:
        raise ModelCorrupt(
            f"{what} {asset.name!r} at {path} is corrupt (sha256 {actual} is not "
            f"the manifest's {file.sha256}) and was not loaded: " + _install_command(asset.name)
        )
    return path


def model_path(*, name: str, model_dir: Path) -> Path:
    """The verified path of a model's weights; ModelMissing or ModelCorrupt otherwise."""
    spec = model_spec(name=name)
    return _verified_path(asset=spec, file=spec.file, model_dir=model_dir)


def style_path(*, name: str, model_dir: Path) -> Path:
    artwork = style_artwork(name=name)
    return _verified_path(asset=artwork, file=artwork.file, model_dir=model_dir)


_labels: dict[tuple[str, str], tuple[str, ...]] = {}


def _parse_labels(text: str) -> tuple[str, ...]:
    if "\nnames:" in text:  # an Ultralytics metadata.yaml: "names:" then "  0: person" lines
        names = text.split("\nnames:", 1)[1]
        pairs = re.findall(r"^\s+(\d+):\s*(.+?)\s*$", names, flags=re.MULTILINE)
        return tuple(name.strip("'\"") for _, name in sorted(pairs, key=lambda p: int(p[0])))
    lines = text.split("\n\n", 1)[0].splitlines()  # a blank line ends the list (VOC file notes)
    return tuple(line.strip() for line in lines)


def model_labels(*, name: str, model_dir: Path) -> tuple[str, ...]:
    """Class names in index order, from the model's verified label file."""
    spec = model_spec(name=name)
    if spec.labels is None:
        raise ValueError(f"model {name!r} has no label file")
    path = _verified_path(asset=spec, file=spec.labels, model_dir=model_dir)
    key = (str(path), spec.labels.sha256)
    if key not in _labels:
        _labels[key] = _parse_labels(path.read_text(encoding="utf-8"))
    return _labels[key]


@dataclass
class EnsureReport:
    """What models_ensure did: names installed now, present before, missing, refused."""

    installed: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.corrupt


def default_assets() -> list[Asset]:
    """What an installation holds: every model and the public-domain artworks."""
    return [*MODELS, *(artwork for artwork in STYLE_ARTWORKS if artwork.public_domain)]


def models_ensure(
    *,
    model_dir: Path,
    source_dir: Path | None = None,
    assets: Iterable[Asset] | None = None,
    mirror: str = "",
    timeout: float = 60.0,
    log: Callable[[str], None] = lambda line: None,
) -> EnsureReport:
    """Install what is missing or corrupt: copied from source_dir when given, else downloaded
    (model_download). The one install path of `manage.py models` and of bin/dev's first start.
    Without a network it stops at the first connection that fails instead of trying every file;
    the caller says once what is missing (ensure_summary)."""
    report = EnsureReport()
    offline = False
    for asset in default_assets() if assets is None else assets:
        if _state(asset=asset, model_dir=model_dir).verified:
            report.present.append(asset.name)
            continue
        if offline:
            report.missing.append(asset.name)
            continue
        try:
            if source_dir is not None:
                model_install(spec=asset, source_dir=source_dir, model_dir=model_dir)
            else:
                model_download(
                    spec=asset, model_dir=model_dir, mirror=mirror, timeout=timeout, log=log
                )
        except ModelCorrupt as error:
            log(f"refused: {error}")
            report.corrupt.append(asset.name)
        except ModelMissing as error:
            log(f"not found: {error}")
            report.missing.append(asset.name)
        except (OSError, http.client.HTTPException, ValueError) as error:
            offline = isinstance(error, urllib.error.URLError) and not isinstance(
                error, urllib.error.HTTPError
            )
            if not offline:
                log(f"{asset.name}: download failed ({error})")
            report.missing.append(asset.name)
        else:
            report.installed.append(asset.name)
            log(f"installed {asset.name} [{asset.licence}]")
    return report


def ensure_summary(report: EnsureReport, *, source_dir: Path | None) -> str:
    """One line for the log: all there, or what is missing and how to install it."""
    if report.complete:
        fresh = f" ({len(report.installed)} installed now)" if report.installed else ""
        count = len(report.present) + len(report.installed)
        return f"models: all {count} models and artworks verified{fresh}"
    names = ", ".join(report.missing + report.corrupt)
    where = f"not in {source_dir}" if source_dir else "could not be downloaded (no network?)"
    return (
        f"models: {len(report.missing) + len(report.corrupt)} not installed ({names}): {where}. "
        "The site runs without them. Install them with `python manage.py models install --from "
        "DIR` (a folder holding the files, e.g. ../shared/models) or set MODEL_SOURCE_DIR to such "
        "a folder and start again."
    )
