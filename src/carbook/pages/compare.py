"""Compare therapies side by side: one row a facet, one column a therapy (keyed by id), every value from the data."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Any

from carbook.pages.labels import label
from carbook.data.load import Library
from carbook.data.models import NotStated, Therapy
from carbook.pages.substitutions import short_name
from carbook.pages.tables import display_fact

if TYPE_CHECKING:
    import pandas as pd

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
    import pandas as pd

    columns = {t.id: [display_fact(t, path, fact) for path, fact in facts(t)] for t in library.therapies.values()}
    return pd.DataFrame(columns, index=[lbl for lbl, _ in FACETS]).rename_axis("Facet").reset_index()


def column_names(library: Library) -> dict[str, str]:
    """Give each therapy's column heading, by id: its name with its study. Therapies named alike (records use
    generic names such as "CAR T-cell therapy") are told apart by their trial identifier, else their id."""
    names = {t.id: short_name(t) for t in library.therapies.values()}
    counts = Counter(names.values())
    for t in library.therapies.values():
        if counts[names[t.id]] > 1:
            trial = t.trial.nct_id
            names[t.id] += f" · {trial.value}" if not isinstance(trial, NotStated) else f" · {t.id}"
    return names


def groups(library: Library, size: int = 4) -> list[tuple[str, list[list[Therapy]]]]:
    """Give the therapies by modality (in book order), each modality's therapies in tables of at most ``size``,
    so that no comparison table is wider than a reader can use."""
    by_modality: dict[str, list[Therapy]] = {}
    shown: dict[str, str] = {}
    for therapy in library.therapies.values():
        key = modality_key(therapy.modality.value)
        shown.setdefault(key, therapy.modality.value)
        by_modality.setdefault(key, []).append(therapy)
    return [(shown[key], [members[i:i + size] for i in range(0, len(members), size)])
            for key, members in by_modality.items()]


def modality_key(modality: str) -> str:
    """Give the form under which modalities written differently group together ("CAR-T cell", "CAR T cells")."""
    key = re.sub(r"[\s\-\u2010-\u2015]+", " ", modality.casefold()).strip()
    return re.sub(r" cells?$", "", key).removesuffix("s")


def stated_totals(library: Library) -> dict[str, int]:
    """Give, for each facet by label, how many therapies' sources state it (out of all therapies)."""
    return {lbl: sum(not isinstance(therapy.fact_or_gap(path), NotStated) for therapy in library.therapies.values())
            for lbl, path in FACETS}


def stated_counts(library: Library) -> pd.Series:
    """Give :func:`stated_totals` as a series, indexed by facet label."""
    import pandas as pd

    return pd.Series(stated_totals(library))


def stated_matrix(library: Library) -> pd.DataFrame:
    """Give True where a therapy's source states a facet and False where it is silent; columns keyed by id."""
    import pandas as pd

    columns = {t.id: [not isinstance(fact, NotStated) for _, fact in facts(t)] for t in library.therapies.values()}
    return pd.DataFrame(columns, index=[lbl for lbl, _ in FACETS])
