"""The kinds of fact a therapy's data file holds, as pydantic models: a fact with the verbatim passage that
states it, an identifier, a quantity, an age range, a mechanism statement, and what stands where a source
is silent (:class:`NotStated`, never a guess). The therapy and glossary models built of them are in
:mod:`carbook.data.models`.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from carbook.data.sources import normalise


def invalid(message: str, fix: str) -> PydanticCustomError:
    """Give a validation error that carries how to fix it (shown after the message)."""
    return PydanticCustomError("invalid", "{message}", {"message": message, "fix": fix})

#: Error type of a record_field whose source could not be read (reported once, at ``source``).
SOURCE_UNAVAILABLE = "record_unavailable"

#: What a page says wherever a source is silent.
NOT_STATED = "Not stated in the source"

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
TherapyId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]

NCT_PATTERN = re.compile(r"NCT\d{8}")
NCIT_PATTERN = re.compile(r"C\d+")


class Strict(BaseModel):
    """Base for every model: unknown fields are refused (they are usually typos)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


#: What a fact rests on, as the source states it. A page shows the kind beside the value (``Aim:``,
#: ``Earlier studies found:``), so a plan, a reported finding or a hedged claim never reads as a plain fact.
RestsOn = Literal["statement", "identifier", "definition", "description", "aim", "finding", "hedged", "naming"]

#: The words a page puts before a value of each kind; a plain statement or identifier needs none.
RESTS_ON_PREFIX: dict[str, str] = {
    "definition": "Definition: ",
    "description": "Described as: ",
    "aim": "Aim: ",
    "finding": "Earlier studies found: ",
    "hedged": "Hedged in the source: ",
    "naming": "Named: ",
}


class Quoted(Strict):
    """Anything backed by a verbatim passage of the source document."""

    quote: Text = Field(description="Verbatim passage of the source that states this (whitespace may differ).")
    rests_on: RestsOn = Field(
        default="statement",
        description="What the fact rests on: a plain statement, an identifier, a definition, a description of "
                    "the product, an aim or plan, an earlier finding, a hedged claim, or a naming.",
    )
    paraphrase: Text | None = Field(
        default=None,
        description="Why the value is editorial wording not found in the quote; leave out when it is.",
    )

    def stated_values(self) -> list[str]:
        """Give the values that must appear in the quote unless the fact is marked as a paraphrase."""
        return []

    @model_validator(mode="before")
    @classmethod
    def _from_record_field(cls, data: Any, info: ValidationInfo) -> Any:
        # ``{record_field: name}`` takes value and quote from the parsed source record, so a record's
        # values are parsed, never retyped.
        if not (isinstance(data, dict) and "record_field" in data):
            return data
        context = info.context or {}
        record = context.get("record") or {}
        name = data["record_field"]
        if context.get("source_unavailable"):
            # the missing or unreadable source is reported once, at `source`; not again for every field
            raise PydanticCustomError(SOURCE_UNAVAILABLE, "the source record could not be read")
        if not record:
            raise invalid("record_field can only be used when the source is a field/value record",
                          "set source_format: record for a field/value record, or write value and quote")
        if name not in record:
            close = difflib.get_close_matches(str(name), list(record), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise invalid(f"the source record has no field {name!r}", f"{hint}its fields are: {', '.join(record)}")
        rest = {k: v for k, v in data.items() if k != "record_field"}
        return {"value": record[name], "quote": record[name], "record_field": name, **rest}


class Fact(Quoted):
    """A stated fact: a short value (a name, a term, a phrase) and the passage that states it."""

    value: Text
    record_field: str | None = Field(default=None, description="Record field the value was parsed from.")

    def stated_values(self) -> list[str]:
        return [self.value]


class Identifier(Fact):
    """An identifier with a known form, such as an NCT number."""

    kind: Literal["NCT", "NCI Thesaurus", "IRB"]

    @model_validator(mode="after")
    def _check_form(self) -> Identifier:
        if self.kind == "NCT" and not NCT_PATTERN.fullmatch(self.value):
            raise invalid(f"{self.value!r} is not an NCT identifier",
                          "write NCT followed by 8 digits, as the source gives it (e.g. NCT04995003)")
        if self.kind == "NCI Thesaurus" and not NCIT_PATTERN.fullmatch(self.value):
            raise invalid(f"{self.value!r} is not an NCI Thesaurus code",
                          "write C followed by digits, as the source gives it (e.g. C205637)")
        return self


def finite_number(value: Any) -> Any:
    """Give ``value`` back if it is a finite number written as a number; refuse text, booleans, inf and NaN."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise invalid(f"{value!r} is not a number", "write the number alone (e.g. 3 or 0.5), without quotes or unit")
    if not math.isfinite(value):
        raise invalid(f"{value!r} is not a finite number", "write the number the source gives (e.g. 3 or 0.5)")
    return value


class Quantity(Quoted):
    """A number with its unit, e.g. a dose: one number, or a range from ``value`` to ``high``, as written.

    ``unit`` is the text after the number as the source writes it (``billion CAR+ cells``,
    ``×10^6 cells/kg``), so a per-kilogram dose or a power of ten stays what it is."""

    value: float = Field(gt=0, description="A positive number; the low end of a range.")
    high: float | None = Field(default=None, gt=0, description="The high end, where the source gives a range.")
    unit: Text
    approximate: bool = Field(default=False, description="True where the source marks the number as approximate (~).")

    @field_validator("value", "high", mode="before")
    @classmethod
    def _number_not_text(cls, value: Any) -> Any:
        return value if value is None else finite_number(value)

    @model_validator(mode="after")
    def _range_ordered(self) -> Quantity:
        if self.high is not None and self.high <= self.value:
            raise invalid(f"high ({format_number(self.high)}) is not above value ({format_number(self.value)})",
                          "give the low end of the range as value and the high end as high, as the source writes them")
        return self

    def amount(self) -> str:
        """Give the number or range as a page shows it: ``3``, ``0.5–3``, ``~1–2``."""
        high = f"–{format_number(self.high)}" if self.high is not None else ""
        return f"{'~' if self.approximate else ''}{format_number(self.value)}{high}"

    @property
    def per_kg(self) -> bool:
        """True for a dose per kilogram of body weight (``cells/kg``, ``per kg``)."""
        return bool(re.search(r"(/\s*kg|per\s+kg|per\s+kilogram)\b", self.unit, re.IGNORECASE))

    def stated_values(self) -> list[str]:
        high = [format_number(self.high)] if self.high is not None else []
        return [format_number(self.value), *high, self.unit]


class AgeRange(Quoted):
    """The ages a study admits, both ends included."""

    minimum: float = Field(ge=0)
    maximum: float = Field(ge=0)
    unit: Text

    @field_validator("minimum", "maximum", mode="before")
    @classmethod
    def _numbers_not_text(cls, value: Any) -> Any:
        return finite_number(value)

    @model_validator(mode="after")
    def _ordered(self) -> AgeRange:
        if self.minimum > self.maximum:
            raise invalid(f"minimum ({format_number(self.minimum)}) is above maximum ({format_number(self.maximum)})",
                          "give the youngest age as minimum and the oldest as maximum, as the source states them")
        return self

    def stated_values(self) -> list[str]:
        return [format_number(self.minimum), format_number(self.maximum), self.unit]


class NotStated(Strict):
    """A gap: the source says nothing about this. ``nearby`` is what it does say close to it."""

    not_stated: Text = Field(description="What the source leaves out, in editorial words.")
    nearby: Text | None = Field(default=None, description="Verbatim passage of the source nearest the gap.")


def _stated_or_not(value: Any) -> str:
    gap = isinstance(value, NotStated) or (isinstance(value, dict) and "not_stated" in value)
    return "<not_stated>" if gap else "<stated>"


def maybe(model: Any) -> Any:
    """Type of a field that is either stated (``model``) or explicitly :class:`NotStated`."""
    return Annotated[
        Union[Annotated[model, Tag("<stated>")], Annotated[NotStated, Tag("<not_stated>")]],
        Discriminator(_stated_or_not),
    ]


#: Union tags that appear in validation error locations and are not data fields (bracketed, so that
#: no field name, such as ``not_stated`` itself, is ever taken for one).
UNION_TAGS = frozenset({"<stated>", "<not_stated>"})


class Step(Strict):
    """One step of a regimen: what is given, and the agents named for it."""

    what: Fact
    agents: list[Fact] = Field(default_factory=list)
    agents_joined_by: Literal["and", "or"] | None = Field(
        default=None, description="'and' when all agents are given, 'or' when one of them is."
    )

    @model_validator(mode="after")
    def _agents_as_stated(self) -> Step:
        if len(self.agents) > 1 and self.agents_joined_by is None:
            raise invalid("agents_joined_by is missing for a step with several agents",
                          "add agents_joined_by: and (all are given) or or (one of them is), as the source joins them")
        return self

    def agents_phrase(self) -> str:
        """Give the agents as the source joins them, e.g. ``cyclophosphamide and fludarabine``."""
        names = [agent.value for agent in self.agents]
        if len(names) <= 1:
            return "".join(names)
        return f"{', '.join(names[:-1])} {self.agents_joined_by} {names[-1]}"


class Trial(Strict):
    nct_id: maybe(Identifier)
    other_ids: list[Identifier] = Field(default_factory=list)
    phase: maybe(Fact)
    status: maybe(Fact)


#: How a mechanism statement joins the one before it, by the source's own word. Only words that state an
#: order or a cause are drawn as an arrow; a relative clause ("which", "that") describes the cells named
#: before it and states no step, so it is drawn as a plain line; statements joined by "while" or "and"
#: stand side by side.
SEQUENCE_WORDS = ("after", "then", "before", "first", "leads to")
RELATIVE_WORDS = ("which", "that")
SIDE_BY_SIDE_WORDS = ("while", "and")
JOINING_WORDS = (*SEQUENCE_WORDS, *RELATIVE_WORDS, *SIDE_BY_SIDE_WORDS)


class Statement(Fact):
    """A statement of the source about how the cells act, with how it joins the statement before it."""

    joined: Literal["after", "then", "before", "first", "leads to", "which", "that", "while", "and"] | None = Field(
        default=None,
        description="The source's word that joins this statement to the one before it: after, then, before, first or "
                    "leads to for an order or a cause (drawn as an arrow); which or that for a relative clause that "
                    "describes what the statement before names (no arrow); while or and for statements side by side. "
                    "Leave out for the first.",
    )

    @model_validator(mode="after")
    def _joined_as_written(self) -> Statement:
        if self.joined and not re.search(rf"\b{self.joined}\b", normalise(self.quote), re.IGNORECASE):
            raise invalid(f"joined: {self.joined} is not a word of the statement's quote",
                          "quote the passage that includes the joining word, or set joined: to the word the source uses")
        return self

    def lead_in(self) -> str:
        """Give the words of the quote before the value when they hold the joining word (``After infusion``
        before ``CAR engagement …``): the source's own words for an arrow; empty otherwise."""
        quote, value = normalise(self.quote), normalise(self.value)
        at = quote.lower().find(value.lower())
        before = quote[:at].strip(" ,;:") if at > 0 else ""
        return before if self.joined and re.search(rf"\b{self.joined}\b", before, re.IGNORECASE) else ""


def format_number(value: float) -> str:
    """Give a number as the sources write it: ``3`` not ``3.0``, ``0.5`` as is."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def value_in_quote(value: str, quote: str) -> bool:
    """Tell whether ``value`` is written in ``quote``: case, whitespace and typographic variants aside.

    Both are compared in the plain form quotes are matched in (``Gene‑modified`` with U+2011 is written
    in ``Gene-modified``, ``×`` in ``x``). A number must be written whole: ``3`` is in ``3 or 10`` and in
    ``0.5–3×10^9``, but not in ``30``, ``3.5``, nor as the base or the power of ``10^3`` or ``10³``."""
    needle, haystack = normalise(value).lower(), normalise(quote).lower()
    if re.fullmatch(r"\d+(\.\d+)?", needle):
        whole = rf"(?<![\d.^]){re.escape(needle)}(?![\d^⁰¹²³⁴⁵⁶⁷⁸⁹]|\.\d)"
        return re.search(whole, haystack) is not None
    return needle in haystack
