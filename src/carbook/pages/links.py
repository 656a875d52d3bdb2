"""Canonical links to a therapy's records elsewhere, made from identifiers the source gives."""

from __future__ import annotations

from carbook.data.models import Therapy

from carbook.data.facts import Identifier

CLINICALTRIALS = "https://clinicaltrials.gov/study/{}"
EVS_EXPLORE = "https://evsexplore.semantics.cancer.gov/evsexplore/concept/ncit/{}"


def trial_url(nct_id: str) -> str:
    """Give the ClinicalTrials.gov page of a trial, e.g. ``https://clinicaltrials.gov/study/NCT04995003``."""
    return CLINICALTRIALS.format(nct_id)


def concept_url(code: str) -> str:
    """Give the NCI Thesaurus concept page in EVS Explore for a code such as ``C205637``."""
    return EVS_EXPLORE.format(code)


def for_therapy(therapy: Therapy) -> list[tuple[str, str]]:
    """Give ``(link text, URL)`` for each identifier the source gives: the trial, the NCI concept."""
    found = []
    if isinstance(therapy.trial.nct_id, Identifier):
        nct = therapy.trial.nct_id.value
        found.append((f"{nct} on ClinicalTrials.gov", trial_url(nct)))
    code_fact = therapy.fact_or_gap("nci_concept.code")
    if isinstance(code_fact, Identifier):  # a code links even where the record gives no term
        code = code_fact.value
        found.append((f"{code} in NCI Thesaurus (EVS Explore)", concept_url(code)))
    return found
