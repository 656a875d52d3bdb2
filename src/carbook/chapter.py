"""The sections of a therapy chapter, as MyST the chapter's cells display.

A chapter notebook only says which therapy it is about and calls these in order, so every chapter
has the same skeleton: at a glance, Mechanism, Regimen, Eligibility, NCI concept, Check yourself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import figures, links, tables
from .load import Library, load_library
from .models import NOT_STATED, NotStated, Quoted, Step, Therapy
from .myst import Markdown, dropdown, escape, figure, paragraph, source_link, table
from .terms import TermLinker


class Chapter:
    """Builds the sections of one therapy's chapter from the validated data."""

    def __init__(self, therapy_id: str, library: Library | None = None, root: Path | None = None):
        self.library = library or load_library(root, only=[therapy_id])  # a chapter reads its own data only
        if therapy_id not in self.library.therapies:
            known = ", ".join(sorted(self.library.therapies))
            raise KeyError(f"no therapy {therapy_id!r} in data/therapies/ (known: {known})")
        self.therapy: Therapy = self.library.therapies[therapy_id]
        self.terms = TermLinker(self.library.glossary)

    @property
    def _name(self) -> str:
        return escape(self.therapy.name.value)

    def _label(self, what: str) -> str:
        return f"{self.therapy.id}-{what}"

    def _table(self, section: str, caption: str, label: str) -> Markdown:
        return table(tables.section_table(self.therapy, section), caption, f"tbl-{self._label(label)}", self.terms.link)

    def at_a_glance(self) -> Markdown:
        """Give the opening paragraph, the at-a-glance table and links to the therapy's records elsewhere."""
        t = self.therapy
        intro = paragraph(
            f"This chapter sets out what the source document {source_link(t.source)} states about {self._name}.",
            "Every value in its tables is followed by the passage of the source that states it; where the",
            f"source is silent, the page says “{escape(NOT_STATED)}”.",
        )
        parts = [intro, self._table("At a glance", f"{t.name.value} at a glance.", "glance")]
        outbound = links.for_therapy(t)
        if outbound:
            parts.append(paragraph("Look it up elsewhere:", " · ".join(f"[{escape(text)}]({url})" for text, url in outbound)))
        return _join(parts)

    def mechanism(self) -> Markdown:
        """Give the mechanism flow figure and the table of steps with their passages."""
        t = self.therapy
        count = len(t.mechanism.steps)
        text = paragraph(f"The source describes how the cells work in {count} statements; the figure shows them in the",
                         "order the source gives them. Each box is a phrase copied from the source; the table gives",
                         "the whole passage.")
        fig = figure(figures.mechanism_flow(t), f"Mechanism of {t.name.value} in the source's words, in the order the source gives it.",
                     f"fig-{self._label('mechanism')}")
        return _join([text, fig, self._table("Mechanism", f"Mechanism of {t.name.value} with source passages.", "mechanism")])

    def regimen(self) -> Markdown:
        """Give the regimen timeline, the dose figure where doses are stated, and the regimen table."""
        t = self.therapy
        parts = [
            paragraph("The regimen is drawn as the source gives it: stages it states are solid boxes, stages it",
                      f"does not mention are dashed boxes marked “{escape(NOT_STATED)}”. Arrows join stages only",
                      "where the source gives their order. No days, durations or doses are drawn that the source",
                      "does not give."),
            figure(figures.regimen_timeline(t), f"Regimen of {t.name.value} as stated in the source, without a time scale.",
                   f"fig-{self._label('regimen')}"),
        ]
        parts.append(self._figure_or_gap(figures.dose_levels(t), f"Doses of {t.name.value} as stated in the source.",
                                         "dose", "Dose", t.regimen.dose))
        parts.append(self._table("Regimen", f"Regimen of {t.name.value} with source passages.", "regimen"))
        return _join(parts)

    def eligibility(self) -> Markdown:
        """Give the age figure where ages are stated and the eligibility table."""
        t = self.therapy
        return _join([
            self._figure_or_gap(figures.age_range(t), f"Ages eligible for {t.name.value} as stated in the source.",
                                "ages", "Ages", t.eligibility.ages),
            self._table("Eligibility", f"Eligibility for {t.name.value} with source passages.", "eligibility"),
        ])

    def nci_concept(self) -> Markdown:
        """Give the NCI Thesaurus concept table (a single "Not stated" row where the source names none)."""
        t = self.therapy
        return self._table("NCI concept", f"NCI Thesaurus concept of {t.name.value} with source passages.", "nci-concept")

    def check_yourself(self) -> Markdown:
        """Give the self-check questions, each answer hidden until opened and citing its passage."""
        intro = paragraph("Answer each question from this chapter, then open it to check. Every answer is a fact",
                          "of the data, with the passage of the source that states it, or, where the source is",
                          "silent, the words “Not stated in the source” and what the source says nearby.")
        blocks = [intro]
        for number, question in enumerate(self.therapy.questions, start=1):
            blocks.append(dropdown(f"{number}. {question.question}", self._answer(question.answer)))
        return _join(blocks)

    def _answer(self, path: str) -> str:
        fact = self.therapy.fact_at(path)
        answer = f"**Answer:** {escape(tables.display_fact(self.therapy, path, fact))}."
        if isinstance(fact, NotStated):
            return f"{answer} {_gap_note(fact)} ({source_link(self.therapy.source)})"
        unique = list(dict.fromkeys(q.quote for q in _quoted_parts(fact)))
        quotes = [q for q in unique if not any(q != other and q in other for other in unique)]  # no quote twice
        cited = " ".join(f"“{escape(q)}”" for q in quotes)
        return f"{answer}\n\nThe source, {source_link(self.therapy.source)}, says: {cited}"

    def _figure_or_gap(self, drawing: figures.Drawing | None, caption: str, label: str, what: str, gap: Any) -> Markdown:
        """Give the figure where the source states the facts it draws, else the gap note for ``what``."""
        if drawing is not None:
            return figure(drawing, caption, f"fig-{self._label(label)}")
        return self._gap(what, gap)

    def _gap(self, what: str, gap: NotStated) -> Markdown:
        return paragraph(f"**{escape(what)}: {escape(NOT_STATED)}.**", _gap_note(gap))


def _gap_note(gap: NotStated) -> str:
    """Give a gap's note, escaped, followed by the nearby passage where there is one."""
    return escape(str(tables.passage(gap, "")))


def _quoted_parts(fact: Any) -> list[Quoted]:
    if isinstance(fact, Step):
        return [fact.what, *fact.agents]
    if isinstance(fact, list):
        return [part for item in fact for part in _quoted_parts(item)]
    return [fact]


def _join(parts: list[str]) -> Markdown:
    return Markdown("\n\n".join(parts))
