"""Values from the data for page text, as MyST substitutions (``{{ therapies["heros-3"].name }}``)."""

from __future__ import annotations

from .load import Library
from .models import Therapy
from .myst import escape
from .tables import display_value


def for_therapy(therapy: Therapy) -> dict[str, str]:
    """Give a therapy's names and key facts, escaped for MyST, keyed by field name."""
    values = {
        "id": therapy.id,
        "name": therapy.name.value,
        "title": therapy.title.value,
        "modality": therapy.modality.value,
        "cell_type": therapy.cell_type.value,
        "target_antigen": therapy.target_antigen.value,
        "source": therapy.source,
        "nct_id": display_value(therapy.trial.nct_id),
        "nci_code": display_value(therapy.fact_or_gap("nci_concept.code")),
    }
    values["heading"] = f"{values['name']}: {values['modality']} targeting {values['target_antigen']}"
    return {key: escape(value) for key, value in values.items()}


def for_library(library: Library) -> dict[str, object]:
    """Give the substitutions every page can use: ``therapies`` by id, ``therapy_count`` and
    ``therapy_list`` (each therapy with the cell it engineers)."""
    described = [f"{escape(t.name.value)} ({escape(t.modality.value)}; engineered cells: {escape(t.cell_type.value)})"
                 for t in library.therapies.values()]
    listing = described[0] if len(described) == 1 else "; ".join(described[:-1]) + "; and " + described[-1] if described else ""
    return {
        "therapies": {therapy_id: for_therapy(t) for therapy_id, t in library.therapies.items()},
        "therapy_count": str(len(library.therapies)),
        "therapy_list": listing,
    }
