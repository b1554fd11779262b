"""Install, download, list and verify the model files the ML features need (MODEL_DIR)."""

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from processing.ml.manifest import MODELS, STYLE_ARTWORKS, ModelSpec, StyleArtwork
from processing.ml.store import (
    ModelState,
    default_assets,
    ensure_summary,
    model_status,
    models_ensure,
    style_status,
    verification_cache_clear,
)

Asset = ModelSpec | StyleArtwork


def model_dir() -> Path:
    return Path(getattr(settings, "MODEL_DIR", Path(settings.BASE_DIR) / "var" / "models"))


def assets_named(names: list[str]) -> list[Asset]:
    assets: list[Asset] = [*MODELS, *STYLE_ARTWORKS]
    known = {asset.name: asset for asset in assets}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise CommandError(f"unknown name(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[name] for name in names]


class Command(BaseCommand):
    help = (
        "Model files in MODEL_DIR: `list` (default), `install --from DIR`, "
        "`download [NAME...]`, `ensure`, `verify`."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action")
        actions.add_parser("list", help="each model and style artwork, its licence and state")
        install = actions.add_parser("install", help="copy files from a folder (and subfolders)")
        install.add_argument("--from", dest="source", required=True, type=Path, metavar="DIR")
        install.add_argument(
            "names",
            nargs="*",
            help="only these (default: every model found in DIR and the public-domain artworks)",
        )
        download = actions.add_parser("download", help="fetch from the canonical URLs")
        download.add_argument("names", nargs="*", help="default: the required models")
        download.add_argument(
            "--all",
            action="store_true",
            help="also the optional models and the public-domain artworks",
        )
        actions.add_parser(
            "ensure",
            help="install what is missing, from MODEL_SOURCE_DIR when set, else from the URLs; "
            "never fails (bin/dev runs it in the background on every start)",
        )
        actions.add_parser("verify", help="recompute every sha256; fails on a bad or missing file")

    def handle(self, *args: Any, action: str | None = None, **options: Any) -> None:
        target = model_dir()
        if action == "install":
            self._install(source=options["source"], names=options["names"], target=target)
        elif action == "download":
            self._download(names=options["names"], everything=options["all"], target=target)
        elif action == "ensure":
            self._ensure(target=target)
        elif action == "verify":
            verification_cache_clear()
            self._report(target=target)
            self._require(target=target)
        else:
            self._report(target=target)

    def _log(self, line: str) -> None:
        self.stdout.write(f"{time.strftime('%H:%M:%S')} models: {line}")
        self.stdout.flush()

    def _install(self, *, source: Path, names: list[str], target: Path) -> None:
        if not source.is_dir():
            raise CommandError(f"{source} is not a folder")
        chosen = assets_named(names) if names else default_assets()
        models_ensure(model_dir=target, source_dir=source, assets=chosen, log=self._log)
        self._require(target=target)

    def _download(self, *, names: list[str], everything: bool, target: Path) -> None:
        if names:
            chosen = assets_named(names)
        elif everything:
            chosen = default_assets()
        else:
            chosen = [spec for spec in MODELS if spec.required]
        report = models_ensure(
            model_dir=target, assets=chosen, mirror=settings.MODEL_MIRROR_URL, log=self._log
        )
        if not report.complete:
            raise CommandError(ensure_summary(report, source_dir=None))
        self._require(target=target)

    def _ensure(self, *, target: Path) -> None:
        """What bin/dev runs at start: progress, then one line saying what is still missing."""
        source = settings.MODEL_SOURCE_DIR
        if source is not None and not source.is_dir():
            self._log(f"MODEL_SOURCE_DIR {source} is not a folder; downloading instead")
            source = None
        report = models_ensure(
            model_dir=target, source_dir=source, mirror=settings.MODEL_MIRROR_URL, log=self._log
        )
        line = ensure_summary(report, source_dir=source)
        self.stdout.write(f"{time.strftime('%H:%M:%S')} {line}")

    def _report(self, *, target: Path) -> None:
        self.stdout.write(f"MODEL_DIR {target}")
        for state in [*model_status(model_dir=target), *style_status(model_dir=target)]:
            self.stdout.write(self._line(state))

    def _line(self, state: ModelState) -> str:
        verified = "verified" if state.verified else ("CORRUPT" if state.present else "missing")
        need = "required" if state.required else "optional"
        text = f"{state.name:30} {state.task:15} {need:8} {verified:8} {state.licence}"
        if state.problem and state.present:
            text += f"\n    {state.problem}"
        return self.style.SUCCESS(text) if state.verified else self.style.WARNING(text)

    def _require(self, *, target: Path) -> None:
        states = model_status(model_dir=target) + style_status(model_dir=target)
        corrupt = [state.name for state in states if state.present and not state.verified]
        missing = [state.name for state in states if state.required and not state.present]
        if corrupt:
            raise CommandError(f"corrupt (sha256 mismatch, never loaded): {', '.join(corrupt)}")
        if missing:
            raise CommandError(
                f"required models missing: {', '.join(missing)}; run "
                "`python manage.py models install --from DIR` or `models download`"
            )
        self.stdout.write(self.style.SUCCESS(f"all required models verified in {target}"))
