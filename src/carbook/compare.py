"""Compare therapies side by side: one row a facet, one column a therapy, every value from the data."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .load import Library
from .models import NotStated, Therapy
from .tables import display_fact, dose_label, with_agents

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


def comparison_frame(library: Library) -> pd.DataFrame:
    """Give the side-by-side table: a row per facet, a column per therapy (named), values as shown."""
    columns = {t.name.value: [display_fact(t, path, t.fact_or_gap(path)) for _, path in FACETS]
               for t in library.therapies.values()}
    return pd.DataFrame(columns, index=[label for label, _ in FACETS]).rename_axis("Facet").reset_index()


def facets(therapy: Therapy) -> list[tuple[str, Any]]:
    """Give one therapy's column as (facet, fact) pairs, a step's agents each as a pair of its own."""
    found: list[tuple[str, Any]] = []
    for label, path in FACETS:
        found += with_agents(dose_label(therapy) if path == "regimen.dose" else label, therapy.fact_or_gap(path))
    return found


def stated_matrix(library: Library) -> pd.DataFrame:
    """Give True where a therapy's source states a facet and False where it is silent."""
    columns = {t.name.value: [not isinstance(t.fact_or_gap(path), NotStated) for _, path in FACETS]
               for t in library.therapies.values()}
    return pd.DataFrame(columns, index=[label for label, _ in FACETS])
