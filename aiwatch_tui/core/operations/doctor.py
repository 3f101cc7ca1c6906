"""`aiwatch doctor`: where everything lives and whether the database is sound; reads, never
writes (safe on a damaged file, or while the app runs)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from aiwatch_tui.core.files import describe_os_error, human_size
from aiwatch_tui.core.library.sources import bundled_sources, discover
from aiwatch_tui.core.operations.library import document_infos, seed_path
from aiwatch_tui.core.operations.search_index import cached_infos
from aiwatch_tui.core.store import SCHEMA_VERSION
from aiwatch_tui.core.store.inspection import DatabaseReport, inspect_database
from aiwatch_tui.core.text.sanitize import one_line
from aiwatch_tui.core.uris import SEED_PREFIX
from aiwatch_tui.paths import Paths


@dataclass(frozen=True, slots=True)
class DoctorReport:
    lines: list[str] = field(default_factory=list)
    healthy: bool = True


def _describe_file(path: Path) -> str:
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return f"{one_line(str(path))} (not created yet)"
    except OSError as error:
        return f"{one_line(str(path))} ({describe_os_error(error)})"
    return f"{one_line(str(path))} ({human_size(status.st_size)})"


def _is_local(key: str) -> bool:
    """A bundled article's or a file's key, not a web page's or another URI's."""
    return key.startswith(SEED_PREFIX) or os.path.isabs(key)


def _document_exists(key: str) -> bool:
    if key.startswith(SEED_PREFIX):
        return seed_path(key) is not None
    return os.path.exists(key)


def _recovery_advice(db: Path) -> list[str]:
    shown = one_line(str(db))
    return [
        "what to do:   the file was left exactly as it is. Close every aiwatch, then move the",
        "              database aside, with its -wal and -shm files if they exist:",
        f"                mv '{shown}' '{shown}.damaged'",
        "              and either restore a backup (made by `aiwatch backup`):",
        f"                cp BACKUP.db '{shown}'",
        "              or let aiwatch start an empty database the next time it runs.",
    ]


def _is_damage(report: DatabaseReport) -> bool:
    damage_words = ("malformed", "not a database", "corrupt")
    return report.integrity not in ("", "ok") or any(w in report.problem for w in damage_words)


def _database_lines(report: DatabaseReport) -> list[str]:
    if not report.exists:
        return [f"database:     {one_line(str(report.path))} (not created yet: nothing saved)"]
    lines = [
        f"database:     {one_line(str(report.path))} "
        f"({human_size(report.size)}, mode {report.mode:o})"
    ]
    if report.problem:
        return [*lines, f"problem:      {one_line(report.problem)}"]
    newer = (
        " — written by a newer aiwatch: upgrade" if report.schema_version > SCHEMA_VERSION else ""
    )
    lines.append(f"schema:       {report.schema_version} (this aiwatch: {SCHEMA_VERSION}){newer}")
    integrity = "ok" if report.integrity == "ok" else f"DAMAGED: {one_line(report.integrity)}"
    lines.append(f"integrity:    {integrity}")
    return lines


def doctor(paths: Paths) -> DoctorReport:
    """Where everything lives and whether the database is sound; reads, never writes."""
    db = paths.db
    report = inspect_database(db)
    lines = _database_lines(report)
    lines += [
        f"search index: {_describe_file(paths.search_index)}",
        f"cache dir:    {one_line(str(paths.cache_dir))}",
        f"config dir:   {one_line(str(paths.config_dir))}",
    ]
    if report.exists and not report.healthy:
        what = "damaged" if _is_damage(report) else "unusable"
        lines.insert(0, f"aiwatch doctor: the database is {what}")
        return DoctorReport([*lines, *_recovery_advice(db)], healthy=False)
    bundled = bundled_sources()
    library, problems = discover([Path(p) for p in report.library_paths])
    bundled_keys = {source.key for source in bundled}
    sources = bundled + [s for s in library if s.key not in bundled_keys]
    # Each document is opened (unchanged ones known from the search index are not re-read):
    # the counts are of documents that open, and the others are listed with why.
    infos, unreadable = document_infos(sources, cached_infos(paths))
    unopenable = [*problems, *unreadable]
    in_bundle = sum(info.key in bundled_keys for info in infos)
    local = [key for key in report.annotated_keys if _is_local(key)]
    vanished = sum(not _document_exists(key) for key in local)
    elsewhere = len(report.annotated_keys) - len(local)
    lines += [
        f"documents:    {len(infos)} ({in_bundle} bundled, {len(infos) - in_bundle} in the "
        f"library; {len(unopenable)} could not be opened)",
        f"highlights:   {report.highlights} ({report.orphaned} orphaned)",
        f"notes:        {report.highlight_notes + report.document_notes} "
        f"({report.highlight_notes} on highlights, {report.document_notes} on documents)",
        f"annotated documents that no longer exist: {vanished}",
        f"annotated pages and documents not read yet (imported): {elsewhere}",
        f"library:      {len(report.library_paths)} path(s)",
    ]
    for path in report.library_paths:
        if not os.path.exists(path):
            shown = one_line(path)
            lines.append(f"  missing:    {shown} — forget it with: aiwatch remove '{shown}'")
    if unopenable:
        lines.append(f"could not be opened: {len(unopenable)}")
        lines += [f"  {one_line(problem)}" for problem in unopenable]
    return DoctorReport(lines, healthy=True)
