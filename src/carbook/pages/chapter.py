"""The parts of a therapy chapter, as MyST the chapter's cells display.

A chapter notebook only says which therapy it is about and calls these in order, so every chapter
has the same skeleton: a lead, Mechanism, Regimen, Eligibility, NCI concept, Check yourself and
Source passages. Every fact carries a numbered marker; each passage is printed once, in the
list at the end (:mod:`carbook.pages.citations`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from carbook.pages import figures
from carbook.pages import links
from carbook.pages import tables
from carbook.pages.citations import Citations, field_of
from carbook.data.provenance import short
from carbook.pages.provenance import date, described, fields_credit, last_updated, version
from carbook.pages.labels import label, modality_label
from carbook.data import snapshot
from carbook.data.load import Library, load_library
from carbook.data.models import Therapy
from carbook.data.facts import NOT_STATED, RESTS_ON_PREFIX, SEQUENCE_WORDS, NotStated, Step
from carbook.data.sources import normalise
from carbook.pages.wording import FRAME_NAMES, brief, joined_with_and, kind_prefix, quotes_of
from carbook.pages.myst import Markdown, dropdown, escape, figure, list_table, paragraph, source_link
from carbook.pages.terms import TermLinker


class Chapter:
    """Builds the parts of one therapy's chapter from the validated data, numbering passages as it goes."""

    def __init__(self, therapy_id: str, library: Library | None = None, root: Path | None = None):
        # a chapter reads its own data only: as the build checked it, in the build's kernel; else from its files
        self.library = library or (root is None and snapshot.chapter_library(therapy_id)) or load_library(root, only=[therapy_id])
        if therapy_id not in self.library.therapies:
            known = ", ".join(sorted(self.library.therapies))
            raise KeyError(f"no therapy {therapy_id!r} in data/therapies/ (known: {known})")
        self.therapy: Therapy = self.library.therapies[therapy_id]
        self.source = self.library.source_of(self.therapy)
        self.terms = TermLinker(self.library.glossary)
        self.drawings = figures.Drawings(self.library.root)  # figures kept from an earlier run by what they draw
        provenance = self.library.provenance_of(self.therapy)
        self.citations = Citations(self.source, original=provenance.address if provenance else None)
        self.source_word = "the record" if self.source.format == "record" else "the source"
        #: What the lead states, each value with the passages its markers lead to, in page order.
        self.stated: list[tuple[str, tuple[str, ...]]] = []

    # --- pieces ------------------------------------------------------------------------------

    def _label(self, what: str) -> str:
        return f"{self.therapy.id}-{what}"

    def _mark(self, *passages: str | None) -> str:
        """Give the markers of the passages' sentences, each sentence once."""
        return self.citations.marker(*passages)

    def _own(self, text: str) -> str:
        """Give ``text`` in the source's own characters where the source writes it (``CAR‑NK`` with its
        non-breaking hyphen, though typed with ``-``)."""
        return self.source.verbatim(text) if len(text) > 2 and self.source.contains(text) else text

    def _value(self, fact: Any, path: str = "", link: bool = True) -> str:
        """Give a stated fact's value as MyST with its marker."""
        text = self._own(tables.display_fact(self.therapy, path, fact) if path else tables.display_value(fact))
        return self._said(text, *quotes_of(fact), link=link)

    def _said(self, text: str, *passages: str, link: bool = True, quoted: bool = False) -> str:
        """Give ``text`` (in quotation marks where ``quoted``) with the markers of its passages, as MyST, and note
        it in :attr:`stated` so that what the lead says can be checked against what its markers lead to."""
        self.stated.append((text, passages))
        shown = self.terms.link(text) if link else escape(text)
        return (f"“{shown}”" if quoted else shown) + self._mark(*passages)

    def _cell(self, row: tables.Row) -> str:
        """Give a row's value cell; a value that is its passage's whole text is shown here in quotation marks,
        and the list of passages points here instead of printing it again."""
        text = self._own(row.value) if row.gap is None else row.value
        if row.paraphrase:
            passages = " ".join(f"“{escape(self.source.verbatim(p))}”" for p in row.passages)
            return (f"{kind_prefix(row.rests_on)}{self.terms.link(text)} (*the editors’ wording*: {escape(row.paraphrase)}; "
                    f"the source: {passages})")
        anchor = self.citations.shown_in_body(text, row.passages, row.label.lower()) if row.gap is None else None
        if anchor:
            return f"{kind_prefix(row.rests_on)}{anchor}“{escape(text)}”"
        if row.gap is not None:
            return f"*{escape(NOT_STATED)}.* {escape(row.gap)}"
        return kind_prefix(row.rests_on) + self.terms.link(text)

    def _source_cell(self, row: tables.Row) -> str:
        marks = self._mark(*row.passages)
        return (f"nearby: {marks}" if row.gap is not None else marks) if marks else "—"

    def _table(self, rows: list[tables.Row], caption: str, name: str) -> Markdown:
        if not rows:
            return Markdown("")  # everything it would list is drawn above (or there is nothing to list)
        cells = [[escape(r.label), self._cell(r), self._source_cell(r)] for r in rows]
        return list_table("", f"tbl-{self._label(name)}", [escape(c) for c in tables.FACT_COLUMNS], cells)

    # --- the parts of the chapter ---------------------------------------------------------------

    def lead(self) -> Markdown:
        """Give the chapter's opening summary: what is given, to whom, against what, how, and what the study
        aims to learn, each clause with its marker; then links to the therapy's records elsewhere."""
        t = self.therapy
        sentences = [self._what_is_given(), self._study(), self._who(), self._how()]
        sentences.append(self._how_it_acts())
        if t.aims:
            aims = "; ".join(self._value(aim) for aim in t.aims)
            sentences.append(f"**What the study aims to learn:** {aims}.")
        sentences.append(self._source_line())
        return Markdown("````{container} cb-lead\n" + "\n\n".join(sentences) + "\n````")

    def _source_line(self) -> str:
        """Give what the source is, who publishes it, where, the date of the book's copy and of its last update,
        then the therapy's records elsewhere."""
        provenance = self.library.provenance_of(self.therapy)
        text = f"**Source:** {described(provenance, self.library.source_title(self.therapy.source))}" if provenance else ""
        updated = last_updated(self.library.changes.get(self.therapy.id, []))
        if updated:
            text += f'; **last updated {date(updated)}**, from a newer version (see <a href="#changes">Changes</a>)'
        outbound = links.for_therapy(self.therapy)
        if outbound:
            look = "Look it up elsewhere: " + " · ".join(f"[{escape(t)}]({url})" for t, url in outbound)
            text = f"{text}. {look}" if text else look
        return f"{text}." if text else ""

    def _what_is_given(self) -> str:
        t = self.therapy
        target = (f"against a target not stated in {self.source_word}{self._mark(t.target_antigen.nearby)}"
                  if isinstance(t.target_antigen, NotStated) else f"against {self._value(t.target_antigen)}")
        source = (f"; {label('cell_source').lower()}: not stated in {self.source_word}" if isinstance(t.cell_source, NotStated)
                  else f"; cells: {self._value(t.cell_source)}")
        modality = self._said(modality_label(t.modality.value), t.modality.quote)
        text = (f"**What is given:** {self._value(t.name)} — {self._value(t.cell_type)} that carry a chimeric antigen "
                f"receptor (CAR) {target} (modality: {modality}{source})")
        combination = t.regimen.combination
        if isinstance(combination, Step):
            text += f", given with {self._value(combination.what)}"
        return text + "."

    def _study(self) -> str:
        t = self.therapy
        stated, silent = [], []
        for path in ("study", "trial.phase", "trial.nct_id"):
            fact = t.fact_at(path)
            (silent if isinstance(fact, NotStated) else stated).append((path, fact))
        parts = [(f"the {self._value(fact)} study" if path == "study" else self._value(fact)) for path, fact in stated]
        parts += [f"{escape(i.kind)} {self._value(i)}" for i in t.trial.other_ids]
        if isinstance(t.trial.status, NotStated):
            silent.append(("trial.status", t.trial.status))
        if isinstance(t.title, NotStated):
            silent.append(("title", t.title))
        gaps = f"; {joined_with_and(label(p).lower() for p, _ in silent)}: not stated in {self.source_word}" if silent else ""
        return f"**Study:** {', '.join(parts) if parts else escape(NOT_STATED)}{gaps}."

    def _said_or_silent(self, facts: list[tuple[Any, str, str]], path: str = "") -> tuple[list[str], list[str]]:
        """Give, for ``(fact, how to say it, its name)`` triples, what the source states (each said with its
        markers) and the names of what it does not."""
        said, silent = [], []
        for fact, words, name in facts:
            if isinstance(fact, NotStated):
                silent.append(name)
            else:
                said.append(words.format(self._value(fact, path if name == "dose" else "")))
        return said, silent

    def _who(self) -> str:
        e = self.therapy.eligibility
        parts, silent = self._said_or_silent([(e.condition, "people with {}", "condition"), (e.ages, "aged {}", "ages")])
        if isinstance(e.criteria, NotStated):
            silent.append("other criteria")
        said = ", ".join(parts) if parts else ""
        gaps = f"{joined_with_and(silent)}: not stated in {self.source_word}" if silent else ""
        return f"**Who may take part:** {'; '.join(x for x in (said, gaps) if x)}."

    def _how(self) -> str:
        t = self.therapy
        regimen = t.regimen
        stages = [(lbl, stage) for _, lbl, stage in tables.regimen_stages(t)]
        stated = [(lbl, s) for lbl, s in stages if isinstance(s, Step)]
        silent = [lbl.lower() for lbl, s in stages if not isinstance(s, Step)]

        def stage(step: Step) -> str:
            agents = f" ({self._said(step.agents_phrase(), *(a.quote for a in step.agents), link=False)})" if step.agents else ""
            return f"{self._value(step.what)}{agents}"

        if not isinstance(regimen.order, NotStated) and stated:
            text = f"**Regimen, in the source’s order{self._mark(regimen.order.quote)}:** " + ", then ".join(stage(s) for _, s in stated)
        else:
            text = "**How it is given:** " + ("; ".join(stage(s) for _, s in stated) or "stages not stated")
        extras, gaps = self._said_or_silent([(regimen.dose, "dose {}", "dose"), (regimen.route, "route {}", "route")],
                                            "regimen.dose")
        silent += gaps
        if extras:
            text += "; " + ", ".join(extras)
        if silent:
            text += f". {joined_with_and(silent).capitalize()}: not stated in {self.source_word}"
        return text + "."

    def _how_it_acts(self) -> str:
        """Give how the cells act as the source states it, saying whose words they are: its statements joined
        as it joins them, or, where it states none, what it gives as an earlier finding or an aim; beside
        them, the same document's hedged statements of the same kind (the Mechanism section gives the rest)."""
        t = self.therapy
        actions = t.mechanism.actions()
        framed = [s for s in t.mechanism.steps if s.rests_on in ("finding", "aim", "hedged")]
        if actions:
            parts = []
            for index, step in enumerate(actions):
                joint = "" if index == 0 else (" while " if step.joined in ("while", "and") else
                                              f" — {step.lead_in() or step.joined}, " if step.joined in SEQUENCE_WORDS
                                              else f" {step.joined} " if step.joined else "; ")
                parts.append(joint + self._said(self._own(step.value), step.quote, quoted=True))
            whose = {self._whose(step.quote) for step in actions}
            text = f"**How the cells act, in {joined_with_and(sorted(whose))}:** {''.join(parts)}."
        elif framed:
            said = "; ".join(kind_prefix(s.rests_on) + self._said(self._own(s.value), s.quote, quoted=True) for s in framed)
            kinds = joined_with_and(FRAME_NAMES[s.rests_on] for s in dict((s.rests_on, s) for s in framed).values())
            text = f"**How the cells act:** {self.source_word} gives only {kinds}. {said}."
            framed = []
        else:
            text = f"**How the cells act:** not stated in {self.source_word}."
        hedged = [s for s in framed if s.rests_on == "hedged"] + self._hedged_claims()
        if actions and hedged:
            by_whom: dict[str, list[Any]] = {}
            for statement in hedged:  # each hedged statement credited to whoever wrote it
                by_whom.setdefault(self._whose(statement.quote), []).append(statement)
            for whose, statements in by_whom.items():
                said = "; ".join(self._said(brief(self._own(s.value)), s.quote, quoted=True) for s in statements)
                text += f" **Beside it, {whose} hedges:** {said}."
        return text

    def _hedged_claims(self) -> list[Any]:
        """Give the hedged claims of the NCI Thesaurus definition the same document carries, if any."""
        concept = self.therapy.nci_concept
        return [] if isinstance(concept, NotStated) else [c for c in concept.claims if c.rests_on == "hedged"]

    def _whose(self, quote: str) -> str:
        """Give whose words a passage is, for a lead statement: for a record, its field and who that field's
        text comes from, as the source's provenance says (the record's NCI Thesaurus definition (NCI
        Thesaurus content)); else the source document's."""
        field = field_of(self.source, quote)
        provenance = self.library.provenance_of(self.therapy)
        if field is None:
            return f"{self.source_word}’s words"
        words = field.removeprefix("drug_").replace("_", " ").replace("nci thesaurus", "NCI Thesaurus")
        credit = provenance.credit_of(field) if provenance else None
        return f"the record’s {words}" + (f" ({escape(credit)})" if credit else "")

    def mechanism(self) -> Markdown:
        """Give the mechanism: the flow figure of how the cells act, and the table of what it does not draw
        (earlier findings, aims, hedged claims), the effector, what the cells become and the CAR's named parts.
        No figure draws the named parts: side by side they would read as a whole receptor, which no source
        says they are."""
        t = self.therapy
        parts = []
        actions = t.mechanism.actions()
        if actions:
            marks = self._mark(*(s.quote for s in actions))
            parts.append(figure(figures.mechanism_flow(t, self.drawings),
                                Markdown(escape(f"An arrow only where {self.source_word} states an order or a cause; a line "
                                                "where “which” or “that” describes the cells above. From")
                                         + f" {marks}."),
                                f"fig-{self._label('mechanism')}"))
        drawn = " ".join(s.value for s in actions).lower()
        rows = [r for r in tables.mechanism_rows(t)  # what the figure above draws (its alt text says it) is not listed again
                if not (r.path in ("mechanism.effector", "mechanism.becomes") and r.stated and r.value.lower() in drawn)]
        parts.append(self._table(rows, "Mechanism.", "mechanism"))
        return _join(parts)

    def regimen(self) -> Markdown:
        """Give the regimen: its sequence figure where the source orders it, the dose figure where doses are
        stated, and the regimen table."""
        t = self.therapy
        parts = []
        timeline = figures.regimen_timeline(t, self.drawings)
        rows = tables.regimen_rows(t, agents_apart=False)
        if timeline is not None:
            order = next(r for r in rows if r.path == "regimen.order")
            parts.append(figure(timeline, Markdown(f"The regimen in the order the source gives{self._mark(*order.passages)}"
                                                   "\\, without days or doses\\."), f"fig-{self._label('regimen')}"))
            rows = [r for r in rows if r.path != "regimen.order"]
        parts.append(self._table(rows, "Regimen.", "regimen"))
        return _join(parts)

    def eligibility(self) -> Markdown:
        """Give the age figure where ages are stated and the eligibility table."""
        t = self.therapy
        parts = []
        ages = figures.age_range(t, self.drawings)
        if ages is not None:
            parts.append(figure(ages, "The ages the source admits.", f"fig-{self._label('ages')}"))
        parts.append(self._table(tables.eligibility_rows(t), "Eligibility.", "eligibility"))
        return _join(parts)

    def nci_concept(self) -> Markdown:
        """Give the NCI Thesaurus concept table, its definition claim by claim (a gap row where there is none),
        after whose content it is where the source is a record that carries it in fields of its own."""
        table = self._table(tables.nci_concept_rows(self.therapy, definition_with_claims=False), "NCI Thesaurus concept.",
                            "nci-concept")
        provenance = self.library.provenance_of(self.therapy)
        credit = provenance.credit_of("nci_thesaurus_") if provenance and provenance.fields else None
        if credit is None or isinstance(self.therapy.nci_concept, NotStated):
            return table
        return _join([paragraph(f"From the record’s `nci_thesaurus_*` fields, which carry {escape(credit)}."), table])

    def check_yourself(self) -> Markdown:
        """Give the self-check questions, each answer hidden until opened and citing its passage."""
        intro = paragraph("Answer each question from this chapter, then open it to check. Every answer is a fact of",
                          "the data with the marker of its passage, or, where the source is silent, the words",
                          f"“{escape(NOT_STATED)}”.")
        blocks = [intro]
        for number, question in enumerate(self.therapy.questions, start=1):
            name = f"q-{self.therapy.id}-{number}"
            link = f'<a class="cb-qlink" href="#{name}">Link to question {number}</a>'
            blocks.append(dropdown(f"{number}. {question.question}", f"{self._answer(question.answer)}\n\n{link}", name))
        return _join(blocks)

    def source_passages(self) -> Markdown:
        """Give every passage the page cites, once each and numbered, then the passages also stated, each
        linked to its place on its source document's page."""
        parts = []
        fields = tables.record_field_rows(self.therapy, self.source)
        if fields:
            parts.append(paragraph("**Fields of the record** that the sections above do not use, as the record states them:"))
            parts.append(self._table(fields, "", "record-fields"))
        parts += self._changes()
        for item in self.therapy.also_stated:
            self.citations.also_stated(item.quote, item.rests_on, item.note)
        provenance = self.library.provenance_of(self.therapy)
        whose = fields_credit(provenance) if provenance else ""
        about = (f"{described(provenance, self.library.source_title(self.therapy.source))} ({version(provenance)}{'; ' + whose if whose else ''})"
                 if provenance else source_link(self.therapy.source))
        intro = paragraph(f"Every passage this chapter rests on, verbatim from {about}, shown whole on its page",
                          f"of the Sources appendix, {source_link(self.therapy.source)}; each marker above leads here, and",
                          "each passage to its place in the source.")
        return _join([*parts, intro, self.citations.passage_list(RESTS_ON_PREFIX)])

    def _changes(self) -> list[str]:
        """Give the therapy's change log as the chapter shows it: each update of its source with its date, and
        each fact whose value it changed, before and now, with the marker of its passage now."""
        blocks = []
        for change in reversed(self.library.changes.get(self.therapy.id, [])):
            items = []
            for fact in change.facts:
                try:
                    now = self.therapy.fact_at(fact.path)
                except LookupError:
                    continue
                shown = NOT_STATED if isinstance(now, NotStated) else tables.display_fact(self.therapy, fact.path, now)
                if normalise(shown) == normalise(fact.before):
                    continue  # its passage's wording changed, its value did not
                marks = self._mark(*(quotes_of(now) or [getattr(now, "nearby", None)]))
                items.append(f"* {escape(label(fact.path))}: before, {escape(fact.before)}; now, {escape(shown)}{marks}")
            kept = len(change.facts) - len(items)
            head = (f"**{date(change.date)}:** the book took a newer version of its source (version {short(change.old)} "
                    f"replaced by {short(change.new)})"
                    + (f"; {kept} more {'fact kept its value' if kept == 1 else 'facts kept their values'} while its "
                       "passage’s wording changed" if kept else "") + ("." if items else "; no value changed."))
            blocks.append("\n".join([head, "", *items]) if items else head)
        if not blocks:
            return []
        return ['<span id="changes"></span>**Changes** to this chapter’s facts, newest first:', *blocks]

    def _answer(self, path: str) -> str:
        fact = self.therapy.fact_at(path)
        if isinstance(fact, NotStated):
            nearby = self._mark(fact.nearby)
            return f"**Answer:** {escape(NOT_STATED)}. {escape(fact.not_stated)}" + (f" (nearby: {nearby})" if nearby else "")
        shown = escape(brief(tables.display_fact(self.therapy, path, fact)))  # in full above, never printed twice
        prefix = kind_prefix(getattr(fact, "rests_on", ""))
        return f"**Answer:** {prefix}{shown}{self._mark(*quotes_of(fact))}"


def _join(parts: list[str]) -> Markdown:
    return Markdown("\n\n".join(part for part in parts if part))
