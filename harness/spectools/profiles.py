"""Every profile's spec files, and the committed ``specs/`` directory they are written to.

The ``aws`` profile is built from botocore and the project's documented facts
(:mod:`.build`); the ``documented`` profile over it from the vendor pages (:mod:`.documented`).
``python -m harness spec build`` writes both; ``spec check`` and a test compare them with the
committed files.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from harness.spectools import build, documented, seeds
from harness.spectools.seeds import SeedSet
from harness.spectools.sources import SERVICES


def render_profiles(seed_set: SeedSet) -> dict[str, dict[str, build.Files]]:
    """profile -> service -> files, as documents (before they are written as text)."""
    aws = {source.name: build.aws_files(source) for source in SERVICES.values()}
    return {build.PROFILE: aws, documented.PROFILE: documented.build(aws, seed_set)}


def render(seed_set: SeedSet | None = None) -> dict[str, str]:
    """Every file of ``specs/``, keyed by its path relative to ``specs/``.

    ``seed_set`` defaults to :func:`harness.spectools.seeds.current`: the pages re-extracted when
    they are present, else the committed ``specs/sources/seed-elements.json``."""
    seed_set = seed_set or seeds.current()
    files: dict[str, str] = {}
    for profile, services in render_profiles(seed_set).items():
        for service, docs in services.items():
            for name, doc in docs.items():
                files[f"{profile}/{service}/{name}"] = build.dump(doc)
    files[seeds.SOURCES_FILE] = seeds.dumps(seed_set)
    return dict(sorted(files.items()))


def write(specs_dir: Path, files: dict[str, str]) -> None:
    """Replace the generated trees under ``specs_dir`` with ``files``, all or nothing."""
    specs_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".spec-build-", dir=specs_dir))
    try:
        for rel, text in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        for top in sorted({rel.split("/", 1)[0] for rel in files}):
            final = specs_dir / top
            old = specs_dir / f".old-{top}"
            if final.exists():
                os.replace(final, old)
            os.replace(staging / top, final)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def diff(specs_dir: Path, files: dict[str, str]) -> list[str]:
    """Paths (relative to ``specs_dir``) whose committed text differs from ``files``."""
    changed = []
    tops = {rel.split("/", 1)[0] for rel in files}
    committed = {
        p.relative_to(specs_dir).as_posix()
        for top in tops
        if (specs_dir / top).is_dir()
        for p in (specs_dir / top).rglob("*")
        if p.is_file()
    }
    for rel in sorted(committed | set(files)):
        path = specs_dir / rel
        if rel not in files:
            changed.append(f"{rel} (not generated any more)")
        elif not path.is_file():
            changed.append(f"{rel} (missing)")
        elif path.read_text(encoding="utf-8") != files[rel]:
            changed.append(rel)
    return changed
