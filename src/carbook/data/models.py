"""The data model: what a therapy's data file holds, as pydantic models.

Every fact carries ``quote``, the verbatim passage of the therapy's source document that states it.
A fact the source is silent on is a :class:`NotStated`, never a guess. The checks that need the source
document itself (does the quote occur in it?) live in :mod:`carbook.data.load`; the rules here need only the
file.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Iterator, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from carbook.data.facts import (
    invalid,
    Text,
    TherapyId,
    Strict,
    RestsOn,
    Quoted,
    Fact,
    Identifier,
    Quantity,
    AgeRange,
    NotStated,
    maybe,
    Step,
    Trial,
    Statement,
)

#: What stands for ``mechanism.becomes`` where a data file leaves it out.
BECOMES_UNRECORDED = NotStated(not_stated="The data records nothing of what the cells become.")


class Mechanism(Strict):
    steps: list[Statement] = Field(min_length=1, description="The mechanism's statements in the order the source gives them.")
    effector: maybe(Fact)
    becomes: maybe(Fact) | None = Field(
        default=None,
        description="What the infused cells become, where the source says they turn into other cells (CAR monocytes "
                    "that differentiate into macrophages); a gap where it does not. Left out, the book shows it as "
                    "not stated and `check` asks an editor to judge it.",
    )

    def actions(self) -> list[Statement]:
        """Give the statements of how the cells act (kind ``statement`` or ``description``): what a mechanism
        figure draws. Aims, findings, namings and hedged claims are shown as such, never drawn as steps."""
        return [step for step in self.steps if step.rests_on in ("statement", "description")]


class Regimen(Strict):
    conditioning: maybe(Step)
    cell_infusion: maybe(Step)
    combination: maybe(Step)
    order: maybe(Fact)
    dose: maybe(Annotated[list[Quantity], Field(min_length=1)])
    dose_joined_by: Literal["and", "or"] | None = Field(
        default=None, description="'or' when one of several doses is given, 'and' when all of them are."
    )
    route: maybe(Fact)

    @model_validator(mode="after")
    def _doses_as_stated(self) -> Regimen:
        several = isinstance(self.dose, list) and len(self.dose) > 1
        if several and self.dose_joined_by is None:
            raise invalid("dose_joined_by is missing for several doses",
                          "add dose_joined_by: or (one of the doses is given) or and (all of them are), as the source joins them")
        if not several and self.dose_joined_by is not None:
            raise invalid("dose_joined_by is set, but there are not several doses to join",
                          "remove dose_joined_by, or list every dose the source gives under dose:")
        return self

    def dose_phrase(self) -> str | None:
        """Give several doses as the source joins them, e.g. ``3 or 10 billion CAR+ cells``; None for one dose or a gap."""
        if not isinstance(self.dose, list) or len(self.dose) < 2 or self.dose_joined_by is None:
            return None
        units = {dose.unit for dose in self.dose}
        if len(units) == 1:
            parts, unit = [dose.amount() for dose in self.dose], f" {units.pop()}"
        else:
            parts, unit = [f"{dose.amount()} {dose.unit}" for dose in self.dose], ""
        return f"{', '.join(parts[:-1])} {self.dose_joined_by} {parts[-1]}{unit}"


class Eligibility(Strict):
    condition: maybe(Fact)
    ages: maybe(AgeRange)
    criteria: maybe(Annotated[list[Fact], Field(min_length=1)])


class NciConcept(Strict):
    """An NCI Thesaurus concept: its code, preferred term and definition each stated or not, on its own
    (a record may give a code and no term; the code still links to EVS Explore)."""

    code: maybe(Identifier)
    preferred_term: maybe(Fact)
    definition: maybe(Fact)
    claims: list[Fact] = Field(
        default_factory=list,
        description="The definition's claims one by one, each with its kind (a hedged claim stays hedged).",
    )


class Passage(Strict):
    """A verbatim passage shown as it is, with what kind of content it is."""

    quote: Text
    rests_on: RestsOn = "statement"
    note: Text | None = Field(default=None, description="What the passage is, in editorial words (e.g. the page's heading).")


class NotUsed(Strict):
    """A passage of the source that is not content, and why (page debris, link text without its link)."""

    quote: Text
    reason: Text


class Question(Strict):
    """A self-check question; its answer is a fact of the therapy, named by its dotted path."""

    question: Text = Field(description="The question, in editorial words.")
    answer: Text = Field(description="Dotted path of the fact that answers it, e.g. regimen.dose.")


class Therapy(Strict):
    """Everything the book says about one therapy, all of it from one source document."""

    id: TherapyId
    source: Text = Field(description="File name of the source document in data/sources/.")
    source_format: Literal["text", "record"] = "text"
    name: Fact = Field(description="The product as the source names it (not the study's name).")
    study: maybe(Fact) = Field(description="The study's name, where the source gives one.")
    title: maybe(Fact)
    modality: Fact
    cell_type: Fact
    cell_source: maybe(Fact) = Field(description="Whose cells: autologous (the patient's own) or allogeneic, as stated.")
    target_antigen: maybe(Fact) = Field(description="The target antigen, or a gap where the source does not disclose it.")
    car_components: maybe(Annotated[list[Fact], Field(min_length=1)])
    trial: Trial
    mechanism: Mechanism
    regimen: Regimen
    eligibility: Eligibility
    nci_concept: maybe(NciConcept)
    aims: list[Fact] = Field(default_factory=list, description="What the study means to learn, as the source states it.")
    also_stated: list[Passage] = Field(default_factory=list,
                                       description="Other content of the source (background, earlier findings, headings), "
                                                   "shown under 'Also stated in the source' with what it rests on.")
    not_used: list[NotUsed] = Field(default_factory=list,
                                    description="Passages of the source that are not content, with the reason.")
    questions: list[Question] = Field(min_length=3, max_length=5, description="3 to 5 self-check questions.")
    review: list[Text] = Field(default_factory=list,
                               description="What an editor still has to judge (written by `carbook new`); never shown on pages.")

    @model_validator(mode="after")
    def _answers_are_facts(self) -> Therapy:
        for index, question in enumerate(self.questions):
            try:
                self.fact_at(question.answer)
            except LookupError as error:
                raise invalid(f"questions[{index}].answer {question.answer!r} is not a fact of this therapy ({error})",
                              "name a fact by its dotted path, e.g. regimen.dose or trial.nct_id")
        return self

    def fact_at(self, path: str) -> Any:
        """Give the fact (or gap) at a dotted path such as ``regimen.dose`` or ``mechanism.steps.0``."""
        item: Any = self
        for part in path.split("."):
            if isinstance(item, list) and part.isdigit() and int(part) < len(item):
                item = item[int(part)]
            elif isinstance(item, BaseModel) and part in type(item).model_fields and part != "questions":
                item = getattr(item, part)
            else:
                raise LookupError(f"no {part!r} there")
            if item is None:
                raise LookupError(f"{part!r} is empty")
        if not isinstance(item, (Quoted, NotStated, Step, list)):
            raise LookupError("it is a group of facts, not one fact")
        return item

    def fact_or_gap(self, path: str) -> Any:
        """Give the fact at ``path``, or the gap that stands for it when the group it belongs to is not
        stated (``nci_concept.code`` where the source names no NCI concept), or when the data leaves out
        what the cells become (the book shows that as not stated; ``check`` asks an editor to judge it)."""
        group = getattr(self, path.split(".")[0])
        if path == "mechanism.becomes" and self.mechanism.becomes is None:
            return BECOMES_UNRECORDED
        return group if isinstance(group, NotStated) else self.fact_at(path)

    @field_validator("source")
    @classmethod
    def _plain_file_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", value):
            raise invalid(f"{value!r} is not a plain file name",
                          "give the file name only (letters, digits, '.', '_', '-'), e.g. study.txt, of a file in data/sources/")
        return value


class SourcePassage(Strict):
    """A verbatim passage of a named source document."""

    source: Text = Field(description="File name of the source document in data/sources/.")
    quote: Text


class GlossaryEntry(Strict):
    """A term the sources use: quoted where a source defines it, else an editorial definition."""

    term: Text
    matches: list[Text] = Field(default_factory=list, description="Other forms of the term to link, e.g. plurals.")
    definition: SourcePassage | None = Field(default=None, description="The passage of a source that defines the term.")
    editorial: Text | None = Field(default=None, description="A short definition, when no source defines the term.")
    used_in: list[SourcePassage] = Field(default_factory=list, description="Passages of the sources that use the term.")

    @model_validator(mode="after")
    def _one_definition(self) -> GlossaryEntry:
        if (self.definition is None) == (self.editorial is None):
            raise invalid(f"term {self.term!r} needs exactly one of definition (quoted) or editorial",
                          "quote the source's definition under definition:, or write editorial: when no source defines it")
        return self

    def forms(self) -> list[str]:
        """Give every form of the term to link, longest first (``CAR T cells`` before ``CAR T cell``)."""
        forms = {self.term, *self.matches}
        return sorted(forms, key=len, reverse=True)


class Glossary(Strict):
    terms: list[GlossaryEntry] = Field(min_length=1)


def model_items(item: Any, loc: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Give every ``(location, item)`` of a validated model, the whole first, depth first (locations as in the file)."""
    yield loc, item
    if isinstance(item, BaseModel):
        for name in type(item).model_fields:
            yield from model_items(getattr(item, name), (*loc, name))
    elif isinstance(item, list):
        for index, one in enumerate(item):
            yield from model_items(one, (*loc, index))
