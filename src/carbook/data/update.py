"""Bring a newer version of a therapy's source into the book: ``python -m carbook update ID --source FILE``.

Every fact of the therapy is checked against the new text and reported, one line each with its file,
line and field: kept (its passage is still there, wherever it moved), changed (the passage is not there;
the closest new passage and the words that differ), gone (nothing close is left); then each sentence of
the new version that nothing in the data accounts for. The update records the old version's digest and
date in the source's history (``data/provenance/<file name>.yaml``) and a dated entry in the therapy's change log
(``data/changes/<id>.yaml``: each changed or gone fact with its value before). Until the data file holds
against the new version, ``check`` and the build fail on those facts; editing it is the whole of
resolving them.

The new bytes are installed in an order that leaves the book on one version, old or new, if the update
is interrupted: the new copy is written beside the source (``<name>.new``), then the change log, then the
provenance (from which moment the new version is the book's), then the copy takes the source's place. An
update stopped after the provenance is written is reported by the check and finished by running it again.
"""

from __future__ import annotations

import datetime
import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from carbook.data.framing import locate, sentences
from carbook.data.load import check
from carbook.data.paths import SOURCE_DIR, THERAPY_DIR
from carbook.data.provenance import (
    CHANGES_DIR,
    Change,
    ChangeLog,
    FactChange,
    Provenance,
    Version,
    digest,
    provenance_file,
)
from carbook.data.sources import SourceDocument, normalise

#: How alike (0 to 1) a new passage must be to an old one to count as the same passage changed, not a new one.
ALIKE = 0.6


class UpdateError(Exception):
    """An update that cannot start: the message says what is wrong and how to fix it."""


@dataclass
class Report:
    """What an update found: one line per fact and per unaccounted sentence, and whether the data must change."""

    lines: list[str] = field(default_factory=list)
    to_resolve: int = 0
    unchanged: bool = False


def update(root: Path, therapy_id: str, new_file: Path, retrieved: datetime.date | None = None) -> Report:
    """Install ``new_file`` as the new version of the source of therapy ``therapy_id`` in the book at ``root``;
    give the report of what it changes (see the module's text)."""
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", therapy_id):
        raise UpdateError(f"{therapy_id!r} is not a therapy id: give the id of a therapy, e.g. ct-0525, as in "
                          "data/therapies/<id>.yaml")
    data_path = root / THERAPY_DIR / f"{therapy_id}.yaml"
    if not data_path.is_file():
        raise UpdateError(f"there is no therapy {therapy_id!r}: {data_path.relative_to(root).as_posix()} does not exist")
    try:
        new_bytes = new_file.read_bytes()
        new_text = new_bytes.decode("utf-8")
    except OSError as error:
        raise UpdateError(f"cannot read {new_file}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise UpdateError(f"{new_file} is not UTF-8 text: convert it to UTF-8 first") from None
    finished = _finish_interrupted(root, data_path, new_bytes)
    if finished is not None:
        return finished
    problems = check(root, [data_path])
    if problems:  # an update starts from data that holds against the version the book has
        raise UpdateError(f"{data_path.relative_to(root).as_posix()} has problems to fix before an update:\n"
                          + "\n".join(f"  {problem}" for problem in problems))
    data = yaml.safe_load(data_path.read_text(encoding="utf-8"))
    name, format = data["source"], data.get("source_format", "text")
    if not (root / provenance_file(name)).is_file():
        raise UpdateError(f"data/sources/{name} has no provenance: write {provenance_file(name).as_posix()} first")
    recorded = _read_provenance(root, name)
    source_path = root / SOURCE_DIR / name
    new_digest = digest(new_bytes)
    if new_digest == recorded.sha256:
        return Report([f"data/sources/{name}: the new copy has the same bytes as the book's (sha256 {new_digest}); "
                       "nothing changed"], 0, True)
    old = SourceDocument(name, source_path.read_text(encoding="utf-8"), format)
    new = SourceDocument(name, new_text, format)
    if format == "record":
        try:
            new.record
        except ValueError as error:
            raise UpdateError(f"{new_file} is not read as a field/value record: {error}") from None
    report, facts = _compare(root, data_path, data, old, new)
    today = retrieved or datetime.date.today()
    _write_atomic(source_path.with_name(name + ".new"), new_bytes)
    _log(root, therapy_id, Change(date=today, source=name, old=recorded.sha256, new=new_digest, facts=facts))
    history = [*recorded.history, Version(sha256=recorded.sha256, retrieved=recorded.retrieved)]
    _write_provenance(root, name, recorded.model_copy(update={"sha256": new_digest, "retrieved": today, "history": history}))
    _install(source_path, new_bytes)
    return report


def _finish_interrupted(root: Path, data_path: Path, new_bytes: bytes) -> Report | None:
    """Give the report of finishing an update that was stopped after its provenance was written (the new
    version recorded, the old bytes still in place), having finished it; None where there is no such update."""
    try:
        name = yaml.safe_load(data_path.read_text(encoding="utf-8")).get("source")
        recorded = _read_provenance(root, name)
        source_path = root / SOURCE_DIR / name
        current = source_path.read_bytes()
    except Exception:  # noqa: BLE001 - any unreadable file: the check that follows says what is wrong
        return None
    if digest(new_bytes) != recorded.sha256 or current == new_bytes:
        return None
    _install(source_path, new_bytes)
    return Report([f"data/sources/{name}: the update to sha256 {recorded.sha256} is finished"], 0, False)


# --- comparing every fact with the new text -----------------------------------------------------


def _compare(root: Path, data_path: Path, data: dict[str, Any], old: SourceDocument, new: SourceDocument
             ) -> tuple[Report, list[FactChange]]:
    from carbook.data.yamlfile import dotted, field_lines, walk

    file = data_path.relative_to(root).as_posix()
    before = _old_values(data, old)
    items = [(loc, item) for loc, item in walk(data) if isinstance(item, dict) and loc and loc[0] != "questions"]
    report, facts = Report(), []
    lines = field_lines(data_path, [loc for loc, _ in items])
    for (loc, item), line in zip(items, lines):
        where = f"{file}:{line}: {dotted(loc)}"
        if "record_field" in item:
            was, after = old.record.get(item["record_field"]), new.record.get(item["record_field"])
            if was != after:
                status = "gone" if after is None else "changed"
                facts.append(FactChange(path=_path(loc), status=status, before=before.get(_path(loc), "") or "",
                                        passage=old.record.get(item["record_field"]) or ""))
                report.lines.append(f"{where}: {status}: the record's field {item['record_field']} was “{was}”, "
                                    f"now {'gone' if after is None else f'“{after}”'} (the fact follows the record)")
            continue
        for key in ("quote", "nearby"):
            passage = item.get(key)
            if not isinstance(passage, str) or not passage.strip():
                continue
            line_of = f"{where}{'.nearby' if key == 'nearby' else ''}"
            if new.contains(passage):
                moved = locate(old, passage)[:1] != locate(new, passage)[:1]
                report.lines.append(f"{line_of}: kept{', moved' if moved else ''}: “{_brief(passage)}”")
                continue
            closest, ratio = closest_words(new, passage)
            status = "changed" if ratio >= ALIKE else "gone"
            report.to_resolve += 1
            if key == "quote" and loc[0] not in ("also_stated", "not_used"):
                path = fact_path(loc)
                if all(f.path != path for f in facts):
                    facts.append(FactChange(path=path, status=status, before=before.get(path) or _value_of(item),
                                            passage=passage))
            if status == "changed":
                report.lines.append(f"{line_of}: changed: was “{passage}”; closest now “{closest}” "
                                    f"({words_changed(passage, closest)}) — edit the fact until it holds against the new version")
            else:
                report.lines.append(f"{line_of}: gone: “{passage}” is not in the new version, nor anything like it — "
                                    "mark the fact not_stated, or quote what the new version says instead")
    quoted = [item[key] for _, item in items for key in ("quote", "nearby")
              if isinstance(item.get(key), str) and item[key].strip() and new.contains(item[key])]
    # A record's fields are all shown on its chapter; of prose, what the old version had was accounted for.
    unaccounted = [] if new.format == "record" else [s for s in _unaccounted(new, quoted) if not old.contains(s)]
    for sentence in unaccounted:
        report.to_resolve += 1
        report.lines.append(f"data/sources/{new.name}: new: “{sentence}” — nothing in {file} accounts for it: "
                            "quote it in a fact, under also_stated, or under not_used with the reason")
    return report, facts


def _unaccounted(source: SourceDocument, passages: list[str]) -> list[str]:
    """Give each sentence of ``source`` that none of ``passages`` overlaps."""
    spans = [(start, start + len(normalise(p))) for p in passages for start in locate(source, p)[:1]]
    return [s.text for s in sentences(source) if not any(start < s.end and end > s.start for start, end in spans)]


def closest_words(document: SourceDocument, passage: str) -> tuple[str, float]:
    """Give the run of words of ``document`` most like ``passage`` (as many words, give or take a few) and how
    alike they are, 0 to 1, case and typography aside: a passage whose number changed is found with its new
    number, however long the sentence around it."""
    wanted = normalise(passage).split()
    needle = " ".join(wanted).lower()
    best, best_ratio = "", 0.0
    # the words in common bound how alike a window can be: look into the few sentences that share the most
    shared = sorted(document.passages(), key=lambda sentence: -len(set(wanted) & set(normalise(sentence).split())))
    for sentence in shared[:3]:
        words = sentence.split()
        for size in {max(1, len(wanted) + delta) for delta in (-2, -1, 0, 1, 2)}:
            for start in range(0, max(1, len(words) - size + 1)):
                candidate = " ".join(words[start:start + size])
                if candidate.endswith((".", ";", ",")) and not passage.rstrip().endswith(candidate[-1]):
                    candidate = candidate[:-1]  # the sentence's end, not the passage's
                ratio = difflib.SequenceMatcher(None, needle, normalise(candidate).lower(), autojunk=False).ratio()
                if ratio > best_ratio:
                    best, best_ratio = candidate, ratio
    return best, best_ratio


def words_changed(old: str, new: str) -> str:
    """Say which words differ between two passages, in an editor's terms: ``'3' → '5'``, ``'or 10' removed``."""
    a, b = normalise(old).split(), normalise(new).split()
    parts = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "replace":
            parts.append(f"'{' '.join(a[i1:i2])}' → '{' '.join(b[j1:j2])}'")
        elif tag == "delete":
            parts.append(f"'{' '.join(a[i1:i2])}' removed")
        elif tag == "insert":
            parts.append(f"'{' '.join(b[j1:j2])}' added")
    return "; ".join(parts) or "the same words, other spacing or characters"


def _value_of(item: dict[str, Any]) -> str:
    """Give a fact's value as the data file holds it: its words, a number with its unit, or an age range."""
    if "minimum" in item and "maximum" in item:
        return f"{item['minimum']} to {item['maximum']} {item.get('unit', '')}".strip()
    if "value" in item and "unit" in item:
        return f"{item['value']} {item['unit']}"
    return str(item.get("value", item.get("quote", "")))


def _old_values(data: dict[str, Any], old: SourceDocument) -> dict[str, str]:
    """Give each fact's value as the chapter showed it before the update, by dotted path (several doses, or a
    stage with its agents, as one value); empty where the old data does not validate."""
    from pydantic import ValidationError

    from carbook.data.models import Therapy, model_items

    from carbook.data.facts import AgeRange, Fact, Step, format_number

    try:
        therapy = Therapy.model_validate(data, context={"record": old.record if old.format == "record" else {}})
    except ValidationError:
        return {}
    values = {}
    for loc, item in model_items(therapy):
        path = _path(loc)
        if path == "regimen.dose" and isinstance(item, list):
            values[path] = therapy.regimen.dose_phrase() or " ".join(f"{d.amount()} {d.unit}" for d in item)
        elif isinstance(item, Step):
            values[path] = f"{item.what.value}: {item.agents_phrase()}" if item.agents else item.what.value
        elif isinstance(item, AgeRange):
            unit = item.unit if item.maximum == 1 or item.unit.endswith("s") else f"{item.unit}s"
            values[path] = f"{format_number(item.minimum)} to {format_number(item.maximum)} {unit}"
        elif isinstance(item, Fact):
            values[path] = item.value
    return values


def fact_path(loc: tuple[Any, ...]) -> str:
    """Give the dotted path of the fact a quote belongs to, as the chapter shows it: a dose of several, or a
    stage's ``what`` or agent, is shown as the whole (``regimen.dose``, ``regimen.conditioning``)."""
    path = _path(loc)
    if path.startswith("regimen.dose."):
        return "regimen.dose"
    parts = path.split(".")
    if len(parts) >= 3 and parts[0] == "regimen" and parts[2] in ("what", "agents"):
        return ".".join(parts[:2])
    return path


def _path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _brief(text: str, most: int = 70) -> str:
    return text if len(text) <= most else text[:most].rsplit(" ", 1)[0] + " …"


# --- writing, so that the book is on one version at every moment ------------------------------------


def _read_provenance(root: Path, name: str) -> Provenance:
    return Provenance.model_validate(yaml.safe_load((root / provenance_file(name)).read_text(encoding="utf-8")))


def _write_provenance(root: Path, name: str, provenance: Provenance) -> None:
    path = root / provenance_file(name)
    header = "".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)
                     if line.startswith("#"))  # the file's leading comments stay
    body = yaml.safe_dump(provenance.model_dump(mode="json", exclude_defaults=True), sort_keys=False, allow_unicode=True, width=120)
    _write_atomic(path, (header + body).encode("utf-8"))


def _log(root: Path, therapy_id: str, change: Change) -> None:
    path = root / CHANGES_DIR / f"{therapy_id}.yaml"
    log = ChangeLog.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {}) if path.is_file() else ChangeLog()
    entries = [c for c in log.changes if c.new != change.new]  # an interrupted update, run again, logs once
    text = yaml.safe_dump(ChangeLog(changes=[*entries, change]).model_dump(mode="json"), sort_keys=False,
                          allow_unicode=True, width=120)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, (f"# Changes to {therapy_id}'s facts, one entry per update of its source (written by "
                         "`python -m carbook update`).\n" + text).encode("utf-8"))


def _install(source_path: Path, new_bytes: bytes) -> None:
    pending = source_path.with_name(source_path.name + ".new")
    if not pending.is_file():
        _write_atomic(pending, new_bytes)
    os.replace(pending, source_path)


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
