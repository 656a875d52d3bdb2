"""One name per fact: the label every page, table and published file gives each fact of a therapy.

Chapters, the comparison, the introduction, ``facts.csv`` and ``labels.json`` all take their labels
from :data:`LABELS`, keyed by the fact's dotted path in the data, so a fact is called the same
everywhere and the published rows can be matched to the pages.
"""

from __future__ import annotations

#: The label of each fact, by its dotted path in a therapy's data (list items share their list's label).
LABELS: dict[str, str] = {
    "name": "Product",
    "study": "Study",
    "title": "Study title",
    "modality": "Modality",
    "cell_type": "Cell type engineered",
    "cell_source": "Cell source",
    "target_antigen": "Target antigen",
    "car_components": "Named parts of the CAR",
    "trial.nct_id": "Trial identifier",
    "trial.other_ids": "Other identifier",
    "trial.phase": "Phase",
    "trial.status": "Status",
    "mechanism.steps": "Mechanism statement",
    "mechanism.effector": "Effector mechanism",
    "mechanism.becomes": "What the infused cells become",
    "regimen.conditioning": "Conditioning",
    "regimen.conditioning.agents": "Conditioning agents",
    "regimen.cell_infusion": "CAR cell infusion",
    "regimen.cell_infusion.agents": "CAR cell infusion agents",
    "regimen.combination": "Combination",
    "regimen.combination.agents": "Combination agents",
    "regimen.order": "Order",
    "regimen.dose": "Dose",
    "regimen.route": "Route",
    "eligibility.condition": "Condition",
    "eligibility.ages": "Ages",
    "eligibility.criteria": "Other criteria",
    "nci_concept": "NCI Thesaurus concept",
    "nci_concept.code": "NCI concept code",
    "nci_concept.preferred_term": "NCI preferred term",
    "nci_concept.definition": "NCI definition",
    "nci_concept.claims": "NCI definition, one claim",
    "aims": "Aim of the study",
    "also_stated": "Also stated in the source",
    "record_fields": "Field of the record",
}


def label(path: str) -> str:
    """Give the label of the fact at a dotted path (``regimen.dose`` → ``Dose``; ``aims.0`` → its list's)."""
    parts = [p for p in path.split(".") if not p.isdigit()]
    key = ".".join(parts)
    if key not in LABELS:
        raise KeyError(f"no label for {path!r}: add it to carbook.pages.labels.LABELS")
    return LABELS[key]


def record_field_label(field: str) -> str:
    """Give the label of a record field the chapter shows as it is: its own name, marked as the record's
    (never as NCI Thesaurus content)."""
    return f"Record field {field}"


def modality_label(modality: str) -> str:
    """Give a modality in the book's one form, CAR followed by the cells in the plural (``CAR T cell`` and
    ``CAR-T cells`` → ``CAR T cells``; ``CAR-NK cells`` → ``CAR NK cells``; ``CAR monocytes`` as it is), so that
    one kind of label reads alike on every page, however each source writes it."""
    import re

    text = re.sub(r"^CAR[\s\-\u2010-\u2015]+", "CAR ", " ".join(modality.split()), flags=re.IGNORECASE)
    text = re.sub(r"\bcell$", "cells", text)
    return re.sub(r"^CAR (T|NK)$", r"CAR \1 cells", text)
