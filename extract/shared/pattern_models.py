"""What each file of `extract/patterns/` may hold: one pydantic model per file (`MODELS`),
so a broken pattern fails when it is read, naming the file, the line and the field, rather
than deep inside a parser. Every regular expression is compiled when it is read."""

from __future__ import annotations

import re
from typing import Annotated, Literal, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PositiveInt, RootModel, field_validator, model_validator
from spacy.schemas import validate_token_pattern


def _compiles(v: str) -> str:
    try:
        re.compile(re.sub(r"\{(duration|utility)\}", "x", v))  # placeholders filled in before use
    except re.error as e:
        raise ValueError(f"not a valid regular expression ({e})") from None
    return v


Regex = Annotated[str, AfterValidator(_compiles)]


def _with_groups(*names: str):
    """A regular expression that must have these named groups (its reader takes them)."""
    def check(v: str) -> str:
        missing = set(names) - set(re.compile(v).groupindex)
        if missing:
            raise ValueError(f"the pattern needs the named group(s) {', '.join(sorted(missing))}")
        return v
    return Annotated[str, AfterValidator(_compiles), AfterValidator(check)]
Word = Annotated[str, Field(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- candidates.yaml (extract/candidates/) --------------------------------------------------

class StatusCue(_Strict):
    """A phrase that says a device's status, where a passage names a device."""

    id: Word = Field(description="the cue's id, in the candidate's rule")
    pattern: Regex
    status: Word = Field(description="the normalised status it says")


class CandidatesPatterns(_Strict):
    """candidates.yaml: what the generic candidate extractor looks for."""

    field_labels: list[Word] = Field(description="entity labels that make a passage a candidate")
    spec_labels: list[Word] = Field(description="entity labels that make a spec candidate")
    fee_words: Regex = Field(description="words that make a money amount a fee")
    timeline_labels: list[Word] = Field(default_factory=list, description="entity labels of durations")
    status_headers: Regex = Field(description="table headers of a status column")
    approval_cues: list[StatusCue] = Field(default_factory=list)
    caption_cues: list[StatusCue] = Field(default_factory=list)
    manufacturers: list[Word] = Field(default_factory=list, description="names that begin a device name")
    item_marker: Regex = Field(description="the marker of a list item")
    device_columns: dict[str, Regex] = Field(default_factory=dict, description="column -> header pattern")
    lead_rules: list[Word] = Field(default_factory=list, description="obligation ids that may lead a list")


# --- proposals.yaml (extract/candidates/): what the generic extractor proposes -------------

class DefinitionPattern(_Strict):
    id: Word
    pattern: _with_groups("term", "definition")


class InstallationModelPattern(_Strict):
    """A wording that says who installs an MSA (`who_installs`: the party is its group `who`)."""

    id: Word
    model: Literal["utility", "joint_meet", "installer", "second_socket", "not_permitted", "who_installs"]
    pattern: Regex

    @model_validator(mode="after")
    def _who(self):
        if self.model == "who_installs" and "who" not in re.compile(self.pattern).groupindex:
            raise ValueError("a who_installs pattern needs the named group who")
        return self


class EligibilityWords(_Strict):
    gate: Regex
    context: Regex
    at_most: Regex
    at_least: Regex
    above: Regex
    instrument_rated: Regex
    self_contained: Regex
    not_eligible: Regex


class Proposals(_Strict):
    """proposals.yaml: the patterns of the facts the generic extractor proposes."""

    definitions: list[DefinitionPattern] = Field(default_factory=list)
    installation_models: list[InstallationModelPattern] = Field(default_factory=list)
    msa_words: Regex
    installer_words: Regex
    utility_words: Regex
    eligibility: EligibilityWords
    approval_scope: _with_groups("scope")
    fee_per: _with_groups("per")
    deadline_words: Regex
    inline_parts: Regex
    order_lead: Regex
    docket: _with_groups("docket")
    order_number: _with_groups("number")
    effective: Regex


# --- entities.jsonl and entity_rules.yaml (extract/shared/entities.py) ------------------------

def _token_pattern(v: list[dict]) -> list[dict]:
    errors = validate_token_pattern(v)
    if errors:
        raise ValueError("; ".join(errors))
    return v


TokenPattern = Annotated[list[dict], Field(min_length=1), AfterValidator(_token_pattern)]


class EntityPattern(_Strict):
    """A line of entities.jsonl: a spaCy token pattern and the entity it finds."""

    id: Word = Field(description="comes back on the entity, so a record names the rule that found it")
    label: Word = Field(description="the entity label: AMPS, VOLTS, ...")
    pattern: TokenPattern


class EntityRules(_Strict):
    """entity_rules.yaml: entities to drop after a capitalised word (a product name's suffix)."""

    reject_after_capitalised_word: list[Word] = Field(default_factory=list)
    capitalised_words_allowed: list[Word] = Field(default_factory=list)


# --- obligations.jsonl and synonyms.yaml (extract/candidates/cues.py) -------------------------

class ObligationPattern(_Strict):
    """A line of obligations.jsonl: a token pattern of an obligation word."""

    id: Word
    label: Literal["requirement", "prohibition", "permission"]
    pattern: TokenPattern


class Synonyms(_Strict):
    """synonyms.yaml: term -> the words sources use for it."""

    terms: dict[str, list[Word]]

    @field_validator("terms")
    @classmethod
    def _not_empty(cls, v: dict) -> dict:
        for term, words in v.items():
            if not words:
                raise ValueError(f"term {term!r} needs a list of the words sources use for it")
        return v


# --- per kind of source ---------------------------------------------------------------------

class SpecCue(_Strict):
    """An installer article's spec: an entity with words before or after it."""

    label: Word
    before: Optional[Regex] = None
    after: Optional[Regex] = None
    quantity: Word
    qualifier: Optional[str] = None
    condition: Optional[Regex] = None


class PatternCategory(_Strict):
    pattern: Regex
    category: Word


class InstallerArticle(_Strict):
    """installer_article.yaml."""

    specs: list[SpecCue]
    requirement: Regex
    not_requirement: Regex
    consequence: Regex
    categories: list[PatternCategory]
    leading_reason: Regex
    standard_title: Regex


class Marker(_Strict):
    marker: Word = Field(description="the words that introduce a reason")
    keep: bool = Field(False, description="whether the marker is part of the reason")


class Justifications(_Strict):
    """justifications.yaml: what introduces a restriction's reason, and what does not."""

    markers: list[Marker] = Field(default_factory=list)
    not_reasons: list[Word] = Field(default_factory=list)


class MeetingSummary(_Strict):
    """meeting_summary.yaml: the cues of a regulator's orders and data needs."""

    due_date_cue: Regex
    compliance_cue: Regex
    item_tail: Regex
    further_requirement: Regex
    decision_after_date: Regex
    possessor_before_date: Regex
    meeting_after_date: Regex
    header_lines: PositiveInt = Field(description="lines at the top that may state the meeting's date")
    data_needs_columns: dict[str, Regex]
    identified_in_header: Regex
    lifespan_need: Regex
    lifespan_owner: Regex


class LeadIn(_Strict):
    lead_in: Regex
    category: Word


class ProgramGuidelines(_Strict):
    """program_guidelines.yaml."""

    lists: list[LeadIn]
    sentences: list[PatternCategory]
    step_fields: dict[Regex, Word]
    step_caption: Regex
    phase_heading: Regex
    faq_heading: Regex
    faq_question: Regex
    timeline_activities: list[Regex] = Field(description="each with {duration} where the duration stands")
    fee_per: Regex
    regulators: list[Word]
    decision_context_chars: PositiveInt


class SlideParts(_Strict):
    slide: Word = Field(description="the slide's title")
    parts: dict[str, Word] = Field(description="a part's heading (lower case) -> what it means")


class MarketUse(_Strict):
    heading: Regex
    use: Word


class UsagePart(_Strict):
    heading: Regex
    category: Word
    local: Optional[Word] = None


class UsageRequirements(_Strict):
    slide: Regex
    title: Regex
    parts: list[UsagePart]


class NumberedRequirements(_Strict):
    sub_items_category: dict[Regex, Word]
    item_category: Word


class TestLimit(_Strict):
    quantity: Word
    unit: Word


class SlideDeck(_Strict):
    """slide_deck.yaml: what a deck's headings mean."""

    installation_models: SlideParts
    frameworks: SlideParts
    market_uses: list[MarketUse]
    approval_slide: Word
    usage_requirements: UsageRequirements
    numbered_requirements: NumberedRequirements
    test_limits: dict[str, TestLimit]


class StandardSeries(_Strict):
    number: Regex
    body: Word


class Standards(_Strict):
    """standards.yaml: how standards bodies are written, and the series of each."""

    bodies: dict[str, Word] = Field(default_factory=dict)
    series: list[StandardSeries] = Field(default_factory=list)
    recorded_bodies: list[Word] = Field(default_factory=list)


class InstallationModelStatement(_Strict):
    """A wording by which a utility's own document says who installs an MSA."""

    model: Literal["utility", "joint_meet", "installer"] = Field(description="the installation model it states")
    pattern: Regex = Field(description="matched case-insensitively in one sentence; {utility} is any spelling of it")


class InstallationModels(_Strict):
    """installation_models.yaml."""

    statements: list[InstallationModelStatement]


class StatusPattern(_Strict):
    pattern: Regex
    status: Word


class Statuses(RootModel[list[StatusPattern]]):
    """statuses.yaml: verbatim status -> normalised status, the first pattern that matches."""


class TableShapes(RootModel[dict[str, dict[str, Word]]]):
    """table_shapes.yaml: shape -> {header as written, lower case: column}."""


MODELS: dict[str, type[BaseModel]] = {
    "candidates.yaml": CandidatesPatterns,
    "entities.jsonl": EntityPattern,
    "entity_rules.yaml": EntityRules,
    "installation_models.yaml": InstallationModels,
    "installer_article.yaml": InstallerArticle,
    "justifications.yaml": Justifications,
    "meeting_summary.yaml": MeetingSummary,
    "obligations.jsonl": ObligationPattern,
    "program_guidelines.yaml": ProgramGuidelines,
    "proposals.yaml": Proposals,
    "slide_deck.yaml": SlideDeck,
    "standards.yaml": Standards,
    "statuses.yaml": Statuses,
    "synonyms.yaml": Synonyms,
    "table_shapes.yaml": TableShapes,
}
"""Every file of extract/patterns/ and its model (a .jsonl file's model is of one line)."""
