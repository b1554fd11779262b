import shutil
from pathlib import Path

import pytest

import library.services as library_services
from tests.factories import UserFactory
from tests.gallery.test_imaging_bounds import scan_bomb

PHOTOS = [
    "exif/gps/DSCN0010.jpg",
    "exif/gps/DSCN0012.jpg",
    "exif/gps/DSCN0021.jpg",
    "exif/gps/DSCN0025.jpg",
]


@pytest.fixture
def user(db):  # noqa: ANN001, ANN201
    return UserFactory()


@pytest.fixture
def staff(db):  # noqa: ANN001, ANN201
    return UserFactory(is_staff=True)


@pytest.fixture
def root(tmp_path: Path, settings) -> Path:  # noqa: ANN001
    """A library root (LIBRARY_ROOTS) with nothing in it yet."""
    path = tmp_path / "root"
    path.mkdir()
    settings.LIBRARY_ROOTS = [str(path)]
    return path


@pytest.fixture
def photo_folder(root: Path, corpus: Path, tmp_path: Path) -> Path:
    """Nested folders: 3 photos (one two levels down), a text file, a hostile JPEG (thousands
    of scans), a link to a photo outside the root, a link inside, and a link to a folder."""
    folder = root / "photos"
    (folder / "2019" / "summer").mkdir(parents=True)
    (folder / "2020").mkdir()
    shutil.copy(corpus / PHOTOS[0], folder / "a.jpg")
    shutil.copy(corpus / PHOTOS[1], folder / "2019" / "b.jpg")
    shutil.copy(corpus / PHOTOS[2], folder / "2019" / "summer" / "c.jpg")
    (folder / "2020" / "notes.txt").write_text("not an image\n")
    (folder / "2020" / "bomb.jpg").write_bytes(scan_bomb(side=2000, scans=3000))
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(corpus / PHOTOS[3], outside / "secret.jpg")
    (folder / "2020" / "escape.jpg").symlink_to(outside / "secret.jpg")
    (folder / "2020" / "inside.jpg").symlink_to(folder / "a.jpg")
    (folder / "2020" / "loop").symlink_to(folder)
    return folder


@pytest.fixture(autouse=True)
def no_ingest_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scans run here in the test's process with no worker taking their ingests: a batch does
    not wait for them (test_scan's own test of the wait sets it again)."""
    monkeypatch.setattr(library_services, "INGEST_WAIT_S", 0.0)
