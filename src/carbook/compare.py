"""Compare therapies side by side: one row a facet, one column a therapy (keyed by id), every value from the data."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .labels import label
from .load import Library
from .models import NotStated, Therapy
from .substitutions import short_name
from .tables import display_fact

#: The facets compared, by dotted path of the fact in a therapy's data; their labels come from the registry.
FACET_PATHS: list[str] = [
    "modality",
    "cell_type",
    "cell_source",
    "target_antigen",
    "car_components",
    "regimen.conditioning",
    "regimen.combination",
    "regimen.dose",
    "regimen.route",
    "mechanism.effector",
    "trial.nct_id",
    "trial.phase",
    "eligibility.ages",
    "nci_concept.code",
]

#: The facets as ``(label, path)``.
FACETS: list[tuple[str, str]] = [(label(path), path) for path in FACET_PATHS]


def facts(therapy: Therapy) -> list[tuple[str, Any]]:
    """Give one therapy's column as ``(path, fact or gap)``."""
    return [(path, therapy.fact_or_gap(path)) for path in FACET_PATHS]


def comparison_frame(library: Library) -> pd.DataFrame:
    """Give the side-by-side table: a row per facet, a column per therapy (keyed by id), values as shown."""
    columns = {t.id: [display_fact(t, path, fact) for path, fact in facts(t)] for t in library.therapies.values()}
    return pd.DataFrame(columns, index=[lbl for lbl, _ in FACETS]).rename_axis("Facet").reset_index()


def column_names(library: Library) -> dict[str, str]:
    """Give each therapy's column heading, by id: its name with its study (two alike never merge: keyed by id)."""
    return {t.id: short_name(t) for t in library.therapies.values()}


def grid_names(library: Library) -> dict[str, str]:
    """Give each therapy's short column label in the stated/not-stated grid, by id: the study's name where the
    source gives one, else the product's (the grid compares what each source states)."""
    return {t.id: (t.name.value if isinstance(t.study, NotStated) else t.study.value) for t in library.therapies.values()}


def stated_matrix(library: Library) -> pd.DataFrame:
    """Give True where a therapy's source states a facet and False where it is silent; columns keyed by id."""
    columns = {t.id: [not isinstance(fact, NotStated) for _, fact in facts(t)] for t in library.therapies.values()}
    return pd.DataFrame(columns, index=[lbl for lbl, _ in FACETS])
