"""Compare therapies side by side: one row a facet, one column a therapy, every value from the data."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .load import Library
from .models import NotStated, Step, Therapy
from .tables import display_fact, dose_label

#: The facets compared, as (row label, dotted path of the fact in a therapy's data).
FACETS: list[tuple[str, str]] = [
    ("Modality", "modality"),
    ("Cell type engineered", "cell_type"),
    ("Target antigen", "target_antigen"),
    ("CAR components stated", "car_components"),
    ("Conditioning (lymphodepletion)", "regimen.conditioning"),
    ("Combination agents", "regimen.combination"),
    ("Dose", "regimen.dose"),
    ("Route", "regimen.route"),
    ("Effector mechanism", "mechanism.effector"),
    ("Trial identifier", "trial.nct_id"),
    ("Trial phase", "trial.phase"),
    ("Eligible ages", "eligibility.ages"),
    ("NCI Thesaurus concept", "nci_concept.code"),
]


def fact(therapy: Therapy, path: str) -> Any:
    """Give the fact at ``path``, or the gap that stands for it (``nci_concept.code`` of an unnamed concept)."""
    head = path.split(".")[0]
    whole = getattr(therapy, head)
    if isinstance(whole, NotStated):
        return whole
    return therapy.fact_at(path)


def comparison_frame(library: Library) -> pd.DataFrame:
    """Give the side-by-side table: a row per facet, a column per therapy (named), values as shown."""
    columns = {t.name.value: [display_fact(t, path, fact(t, path)) for _, path in FACETS]
               for t in library.therapies.values()}
    return pd.DataFrame(columns, index=[label for label, _ in FACETS]).rename_axis("Facet").reset_index()


def facets(therapy: Therapy) -> list[tuple[str, Any]]:
    """Give one therapy's column as (facet, fact) pairs, a step's agents each as a pair of its own."""
    found: list[tuple[str, Any]] = []
    for label, path in FACETS:
        item = fact(therapy, path)
        found.append((dose_label(therapy) if path == "regimen.dose" else label, item))
        if isinstance(item, Step):
            found += [(f"{label}: agent", agent) for agent in item.agents]
    return found


def stated_matrix(library: Library) -> pd.DataFrame:
    """Give True where a therapy's source states a facet and False where it is silent."""
    columns = {t.name.value: [not isinstance(fact(t, path), NotStated) for _, path in FACETS] for t in library.therapies.values()}
    return pd.DataFrame(columns, index=[label for label, _ in FACETS])
