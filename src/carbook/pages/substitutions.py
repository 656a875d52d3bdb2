"""Values from the data for page text, as MyST substitutions (``{{ therapies["heros-3"].name }}``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from carbook.data.load import Library
from carbook.data.models import Therapy
from carbook.data.facts import NotStated
from carbook.pages.labels import modality_label
from carbook.pages.myst import escape
from carbook.pages.tables import display_value


def heading(therapy: Therapy) -> str:
    """Give a therapy's chapter heading: the product, with its study where the source names one
    (``HER2 … T cells (HEROS 3.0 study)``), else with its modality and target where stated
    (``CT-0525: CAR monocytes against HER2``)."""
    if not isinstance(therapy.study, NotStated):
        return f"{therapy.name.value} ({therapy.study.value} study)"
    target = "" if isinstance(therapy.target_antigen, NotStated) else f" against {therapy.target_antigen.value}"
    return f"{therapy.name.value}: {modality_label(therapy.modality.value)}{target}"


def short_name(therapy: Therapy) -> str:
    """Give the name a table column or list uses for a therapy: the product, with its study in brackets."""
    study = "" if isinstance(therapy.study, NotStated) else f" ({therapy.study.value})"
    return f"{therapy.name.value}{study}"


def for_therapy(therapy: Therapy) -> dict[str, str]:
    """Give a therapy's names and key facts, escaped for MyST, keyed by field name."""
    values = {
        "id": therapy.id,
        "name": therapy.name.value,
        "short_name": short_name(therapy),
        "study": display_value(therapy.study),
        "modality": modality_label(therapy.modality.value),
        "cell_type": therapy.cell_type.value,
        "target_antigen": display_value(therapy.target_antigen),
        "source": therapy.source,
        "nct_id": display_value(therapy.trial.nct_id),
        "nci_code": display_value(therapy.fact_or_gap("nci_concept.code")),
        "heading": heading(therapy),
    }
    return {key: escape(value) for key, value in values.items()}


class Values(Mapping):
    """A read-only mapping of substitution values, copied as itself.

    MyST copies its whole configuration, substitutions included, for every page it reads; as one
    value that copies as itself, the therapies cost nothing to copy however many the book has."""

    def __init__(self, values: dict[str, Any]):
        self._values = values

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __deepcopy__(self, memo: dict[int, Any]) -> Values:
        return self  # never changed after it is made


def for_library(library: Library) -> dict[str, object]:
    """Give the substitutions every page can use: ``therapies`` by id, ``therapy_count`` and
    ``therapy_list`` (each therapy with the cell it engineers)."""
    described = [f"{escape(short_name(t))} ({escape(modality_label(t.modality.value))}; engineered cells: {escape(t.cell_type.value)})"
                 for t in library.therapies.values()]
    listing = described[0] if len(described) == 1 else "; ".join(described[:-1]) + "; and " + described[-1] if described else ""
    return {
        "therapies": Values({therapy_id: for_therapy(t) for therapy_id, t in library.therapies.items()}),
        "therapy_count": str(len(library.therapies)),
        "therapy_list": listing,
    }
