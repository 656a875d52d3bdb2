"""The sections of a therapy chapter, as MyST the chapter's cells display.

A chapter notebook only says which therapy it is about and calls these in order, so every chapter
has the same skeleton: at a glance, Mechanism, Regimen, Eligibility, NCI concept.
"""

from __future__ import annotations

from pathlib import Path

from . import figures, tables
from .load import Library, load_library
from .models import NOT_STATED, NotStated, Therapy
from .myst import Markdown, escape, figure, paragraph, table


class Chapter:
    """Builds the sections of one therapy's chapter from the validated data."""

    def __init__(self, therapy_id: str, library: Library | None = None, root: Path | None = None):
        self.library = library or load_library(root)
        if therapy_id not in self.library.therapies:
            known = ", ".join(sorted(self.library.therapies))
            raise KeyError(f"no therapy {therapy_id!r} in data/therapies/ (known: {known})")
        self.therapy: Therapy = self.library.therapies[therapy_id]

    @property
    def _name(self) -> str:
        return escape(self.therapy.name.value)

    def _label(self, what: str) -> str:
        return f"{self.therapy.id}-{what}"

    def at_a_glance(self) -> Markdown:
        """Give the opening paragraph and the at-a-glance table."""
        t = self.therapy
        intro = paragraph(
            f"This chapter sets out what the source document {escape(t.source)} states about {self._name}.",
            "Every value in its tables is followed by the passage of the source that states it; where the",
            f"source is silent, the page says “{escape(NOT_STATED)}”.",
        )
        return intro + table(tables.at_a_glance(t), f"{t.name.value} at a glance.", f"tbl-{self._label('glance')}")

    def mechanism(self) -> Markdown:
        """Give the mechanism flow figure and the table of steps with their passages."""
        t = self.therapy
        count = len(t.mechanism.steps)
        text = paragraph(f"The source describes how {self._name} works in {count} steps, in this order. Each box",
                         "in the figure is a phrase copied from the source; the table gives the whole passage.")
        fig = figure(figures.mechanism_flow(t), f"Mechanism of {t.name.value}, step by step, in the source's words.",
                     f"fig-{self._label('mechanism')}")
        return text + fig + table(tables.mechanism_steps(t), f"Mechanism of {t.name.value} with source passages.",
                                  f"tbl-{self._label('mechanism')}")

    def regimen(self) -> Markdown:
        """Give the regimen timeline, the dose figure where doses are stated, and the regimen table."""
        t = self.therapy
        parts = [
            paragraph("The regimen is drawn as the source gives it: stages it states are solid boxes, stages it",
                      f"does not mention are dashed boxes marked “{escape(NOT_STATED)}”. No days, durations or",
                      "doses are drawn that the source does not give."),
            figure(figures.regimen_timeline(t), f"Regimen of {t.name.value} as stated in the source, without a time scale.",
                   f"fig-{self._label('regimen')}"),
        ]
        dose = figures.dose_levels(t)
        if dose is not None:
            parts.append(figure(dose, f"Dose levels of {t.name.value} as stated in the source.", f"fig-{self._label('dose')}"))
        else:
            parts.append(self._gap("Dose", t.regimen.dose))
        parts.append(table(tables.regimen_steps(t), f"Regimen of {t.name.value} with source passages.",
                           f"tbl-{self._label('regimen')}"))
        return _join(parts)

    def eligibility(self) -> Markdown:
        """Give the age figure where ages are stated and the eligibility table."""
        t = self.therapy
        parts: list[str] = []
        ages = figures.age_range(t)
        if ages is not None:
            parts.append(figure(ages, f"Ages eligible for {t.name.value} as stated in the source.", f"fig-{self._label('ages')}"))
        else:
            parts.append(self._gap("Ages", t.eligibility.ages))
        parts.append(table(tables.eligibility(t), f"Eligibility for {t.name.value} with source passages.",
                           f"tbl-{self._label('eligibility')}"))
        return _join(parts)

    def nci_concept(self) -> Markdown:
        """Give the NCI Thesaurus concept table, or the gap note where the source names none."""
        t = self.therapy
        parts: list[str] = []
        if isinstance(t.nci_concept, NotStated):
            parts.append(self._gap("NCI Thesaurus concept", t.nci_concept))
        parts.append(table(tables.nci_concept(t), f"NCI Thesaurus concept of {t.name.value} with source passages.",
                           f"tbl-{self._label('nci-concept')}"))
        return _join(parts)

    def _gap(self, what: str, gap: NotStated) -> Markdown:
        nearby = f" Nearby, the source says: “{escape(gap.nearby)}”" if gap.nearby else ""
        return paragraph(f"**{escape(what)}: {escape(NOT_STATED)}.**", f"{escape(gap.not_stated)}{nearby}")


def _join(parts: list[str]) -> Markdown:
    return Markdown("\n\n".join(parts))
