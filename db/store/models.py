"""The knowledge base's tables, as SQLModel models. Names and the provenance columns are the
public contract (shared CONTRACT.md): add columns freely, rename none.

Every fact table is a `Fact`: its own columns first, then who states the fact (`voice`,
`speaker`, `attribution`), then where it is stated (`source_id`, `quote`, `char_start`,
`char_end`, `rule`), in that order in every table (a reader finds the fact, then whose word it
is, then the passage). `quote == sources.text[char_start:char_end]`; `rule` is the extractor
rule or annotation that produced the row. The build checks the quote and the attribution of
every row before the file is used (db/pipeline/checks.py, db/pipeline/attribution.py).
A utility's rows carry its `state` too.

A table with a searchable column ends its own columns with `search_rowid`: the row's rowid,
copied into a column so that an index can start with it (db/derive/fts.py). A search page
(Datasette's `?_search=`, told by the metadata's `fts_pk` to match on it) then counts its
rows and facets from that one index instead of looking up every matching row in the table.
"""

from __future__ import annotations

from typing import Optional

from sqlmodel import Field, SQLModel
from sqlmodel.main import SQLModelMetaclass

from msakb.knowledge.manifest import VOICES

ATTRIBUTIONS = ("own", "order", "report")
ATTRIBUTION = ("voice", "speaker", "attribution")
PROVENANCE = ("source_id", "quote", "char_start", "char_end", "rule")


def searchable(**field):
    """A column a person searches: the build gives its table a full-text index over it
    (db/derive/fts.py), which Datasette's `?_search=` finds."""
    return Field(schema_extra={"json_schema_extra": {"searchable": True}}, **field)


SEARCH_ROWID = "search_rowid"


def is_searchable(field) -> bool:
    """Whether a model's field was declared with searchable() (anything else: no)."""
    return bool((getattr(field, "json_schema_extra", None) or {}).get("searchable"))


def search_rowid_column() -> dict[str, tuple[type, object]]:
    """The column a table with a searchable column ends its own columns with."""
    return {SEARCH_ROWID: (Optional[int], Field(default=None, description=(
        "the row's rowid, which its full-text index matches on (filled by the build)")))}


def closing_columns() -> dict[str, tuple[type, object]]:
    """The columns every fact table ends with (fresh fields for each table)."""
    return {
        "voice": (str, Field(description=f"the role of who states it: {', '.join(VOICES)}")),
        "speaker": (str, Field(description="the name of who states it")),
        "attribution": (str, Field(description="own (the party's own rule, practice or product), order (a "
                                               "regulator or legislature binding those it names) or report (a "
                                               "third party's account of another party)")),
        "source_id": (str, Field(foreign_key="sources.id", index=True)),
        "quote": (str, Field()),
        "char_start": (int, Field()),
        "char_end": (int, Field()),
        "rule": (str, Field(description="extractor rule or annotation that produced the row")),
    }


class _SearchRowidLast(SQLModelMetaclass):
    """Appends `search_rowid` after the own columns of a table with a searchable column, then
    the closing columns of its kind (none here; a fact table's: _FactColumnsLast).
    (Inherited fields would come first: pydantic puts a base's fields before the class's.)"""

    closing = staticmethod(dict)

    def __new__(mcs, name, bases, namespace, **kwargs):
        if kwargs.get("table"):
            annotations = namespace.setdefault("__annotations__", {})
            added = search_rowid_column() if any(is_searchable(v) for v in namespace.values()) else {}
            for column, (kind, field) in {**added, **mcs.closing()}.items():
                if column in annotations:
                    raise TypeError(f"{name}.{column}: the models add this column; do not declare it")
                annotations[column] = kind
                namespace[column] = field
        return super().__new__(mcs, name, bases, namespace, **kwargs)


class _FactColumnsLast(_SearchRowidLast):
    """... and the attribution and provenance columns after a fact table's own columns."""

    closing = staticmethod(closing_columns)


class Fact(SQLModel, metaclass=_FactColumnsLast):
    """Base of every fact table (see the module docstring for the columns it adds)."""


class Source(SQLModel, table=True, metaclass=_SearchRowidLast):
    __tablename__ = "sources"
    id: str = Field(primary_key=True)
    title: str = searchable()
    publisher: str
    jurisdiction: str
    url: Optional[str] = None
    as_of: Optional[str] = None
    as_of_note: Optional[str] = None
    kind: str
    voice: str = Field(description="who speaks in the source (manifest voice); its rows' default")
    speaker: str = Field(description="the name of who speaks (manifest speaker, else the publisher); its rows' default")
    sha256: str
    file: str
    utility_id: Optional[str] = None
    series: str = Field(index=True, description="publisher and kind: editions of one list share it")  # current_sources looks editions up by series
    chars: int
    lines: int
    text: str = searchable()


class State(Fact, table=True):
    __tablename__ = "states"
    code: str = Field(primary_key=True)
    name: str
    framework_status: Optional[str] = None


class Utility(Fact, table=True):
    __tablename__ = "utilities"
    id: str = Field(primary_key=True)
    name: str
    state: Optional[str] = Field(default=None, foreign_key="states.code")
    installation_model: Optional[str] = None
    kind: str = "utility"  # utility, or group (a set of utilities a source names as one)


class Manufacturer(Fact, table=True):
    __tablename__ = "manufacturers"
    id: str = Field(primary_key=True)
    name: str
    url: Optional[str] = None


class Device(Fact, table=True):
    __tablename__ = "devices"
    id: str = Field(primary_key=True)
    name: Optional[str] = searchable(default=None, description="display name, filled by db/derive/labels.py from manufacturer, product and model")
    manufacturer: str = searchable()
    product: Optional[str] = searchable(default=None)
    model: Optional[str] = searchable(default=None)
    family_id: Optional[str] = Field(default=None, foreign_key="devices.id")
    is_family: int = 0
    isolating: Optional[int] = None
    technology: Optional[str] = searchable(default=None)
    use: Optional[str] = None
    rated_amps: Optional[int] = None
    meter_form: Optional[str] = None
    volts: Optional[int] = None
    volts_low: Optional[int] = None
    phase: Optional[str] = None
    hertz: Optional[int] = None


class Approval(Fact, table=True):
    __tablename__ = "approvals"
    id: str = Field(primary_key=True)
    device_id: str = Field(foreign_key="devices.id", index=True)
    utility_id: str = Field(foreign_key="utilities.id", index=True)
    state: Optional[str] = Field(default=None, foreign_key="states.code", description="the utility's state")
    status: str
    status_text: str = searchable()
    as_of: Optional[str] = None
    technology: Optional[str] = None
    limitation: Optional[str] = searchable(default=None)
    notes: Optional[str] = searchable(default=None)


class RequiredDevice(Fact, table=True):
    __tablename__ = "required_devices"
    id: str = Field(primary_key=True)
    approval_id: str = Field(foreign_key="approvals.id", index=True)
    option: int = Field(description="alternatives are numbered 1, 2, ...; all items of one option are required together")
    name: str
    model: Optional[str] = None


class Spec(Fact, table=True):
    __tablename__ = "specs"
    id: str = Field(primary_key=True)
    device_id: Optional[str] = Field(default=None, foreign_key="devices.id", index=True)
    approval_id: Optional[str] = Field(default=None, foreign_key="approvals.id")
    quantity: str  # current, voltage, frequency, meter_form, phase, power, standard, ...
    value: Optional[float] = None
    value_max: Optional[float] = None
    unit: Optional[str] = None
    qualifier: Optional[str] = None
    text: str


class Restriction(Fact, table=True):
    __tablename__ = "restrictions"
    id: str = Field(primary_key=True)
    utility_id: Optional[str] = Field(default=None, foreign_key="utilities.id", index=True)
    state: Optional[str] = Field(default=None, foreign_key="states.code")
    device_id: Optional[str] = Field(default=None, foreign_key="devices.id")
    category: str
    section: Optional[str] = None
    text: str = searchable()
    justification: Optional[str] = searchable(default=None)


class PanelModel(Fact, table=True):
    __tablename__ = "panel_models"
    id: str = Field(primary_key=True)
    utility_id: str = Field(foreign_key="utilities.id")
    state: Optional[str] = Field(default=None, foreign_key="states.code", description="the utility's state")
    model: str
    listed_count: int = Field(description="how many times the source lists this model")
    entry: str = Field(description="the list entry it appears in, as written")


class Fee(Fact, table=True):
    __tablename__ = "fees"
    id: str = Field(primary_key=True)
    utility_id: str = Field(foreign_key="utilities.id")
    state: Optional[str] = Field(default=None, foreign_key="states.code", description="the utility's state")
    amount: float
    currency: str
    per: Optional[str] = None
    text: str


class Timeline(Fact, table=True):
    __tablename__ = "timelines"
    id: str = Field(primary_key=True)
    utility_id: str = Field(foreign_key="utilities.id")
    state: Optional[str] = Field(default=None, foreign_key="states.code", description="the utility's state")
    activity: str
    min_value: Optional[float] = None
    max_value: Optional[float] = None
    unit: Optional[str] = None
    text: str


class ProcessStep(Fact, table=True):
    __tablename__ = "process_steps"
    id: str = Field(primary_key=True)
    utility_id: str = Field(foreign_key="utilities.id")
    state: Optional[str] = Field(default=None, foreign_key="states.code", description="the utility's state")
    phase: Optional[str] = None
    number: int
    title: str = searchable()
    description: Optional[str] = searchable(default=None)
    customer_activities: Optional[str] = searchable(default=None)
    documents_required: Optional[str] = searchable(default=None)
    utility_activities: Optional[str] = searchable(default=None)


class SystemStatus(Fact, table=True):
    __tablename__ = "system_statuses"
    id: str = Field(primary_key=True)
    utility_id: str = Field(foreign_key="utilities.id")
    state: Optional[str] = Field(default=None, foreign_key="states.code", description="the utility's state")
    step_id: str = Field(foreign_key="process_steps.id")
    status: str


class Directive(Fact, table=True):
    __tablename__ = "directives"
    id: str = Field(primary_key=True)
    regulator: str
    docket: str
    order_number: str
    item: int
    text: str = searchable()
    due_date: Optional[str] = None
    compliance_docket: Optional[str] = None
    state: Optional[str] = Field(default=None, foreign_key="states.code")


class Decision(Fact, table=True):
    __tablename__ = "decisions"
    id: str = Field(primary_key=True)
    regulator: str
    docket: Optional[str] = None
    decision_number: Optional[str] = None
    decision_date: Optional[str] = None
    text: str = searchable()


class DataNeed(Fact, table=True):
    __tablename__ = "data_needs"
    id: str = Field(primary_key=True)
    need: str = searchable()
    identified: Optional[str] = None
    responsible_party: str
    response: str = searchable()
    state: Optional[str] = Field(default=None, foreign_key="states.code")


class Lifespan(Fact, table=True):
    __tablename__ = "lifespans"
    id: str = Field(primary_key=True)
    manufacturer: str
    device_id: Optional[str] = Field(default=None, foreign_key="devices.id")
    min_years: Optional[float] = None
    max_years: Optional[float] = None
    text: str


class Standard(Fact, table=True):
    __tablename__ = "standards"
    id: str = Field(primary_key=True)  # e.g. "UL 414", "ANSI C12.7", "NEC Article 230"
    body: str
    number: str
    title: Optional[str] = None
    edition: Optional[str] = None


class StandardTest(Fact, table=True):
    __tablename__ = "standard_tests"
    id: str = Field(primary_key=True)
    test: str = searchable()
    standard: str
    clause: Optional[str] = None
    criteria: str = searchable()


class TestLimit(Fact, table=True):
    __tablename__ = "test_limits"
    id: str = Field(primary_key=True)
    test_id: str = Field(foreign_key="standard_tests.id")
    quantity: str
    value: float
    unit: str
    text: str


class StandardRevision(Fact, table=True):
    __tablename__ = "standard_revisions"
    id: str = Field(primary_key=True)
    standard: str
    revision_date: str


class Definition(Fact, table=True):
    __tablename__ = "definitions"
    id: str = Field(primary_key=True)
    term: str = searchable()
    definition: str = searchable()


class Faq(Fact, table=True):
    __tablename__ = "faqs"
    id: str = Field(primary_key=True)
    utility_id: Optional[str] = Field(default=None, foreign_key="utilities.id")
    state: Optional[str] = Field(default=None, foreign_key="states.code", description="the utility's state")
    number: int
    question: str = searchable()
    answer: str = searchable()


class Statement(Fact, table=True):
    """A reviewed statement on a topic a filing needs (ownership, maintenance, support
    contact, resale, lifespan...), from an annotation in kb/annotations/."""

    __tablename__ = "statements"
    id: str = Field(primary_key=True)
    topic: str
    utility_id: Optional[str] = Field(default=None, foreign_key="utilities.id")
    state: Optional[str] = Field(default=None, foreign_key="states.code")
    device_id: Optional[str] = Field(default=None, foreign_key="devices.id")
    text: str = searchable()


class Citation(Fact, table=True):
    """A further place that states a fact already in a row (a fact stated twice is one
    row plus citations; never silently merged). Its attribution is the citing passage's: a
    report that agrees with a party's own statement is a citation of that row."""

    __tablename__ = "citations"
    id: str = Field(primary_key=True)
    table_name: str
    row_id: str = Field(index=True)  # a row's citations are looked up by it (filings, incremental builds)


class Conflict(Fact, table=True):
    """Two passages that state the same fact differently (or one source disagreeing with
    itself). The row's own provenance and attribution are the first passage's (a party's own
    statement or an order, where one side is); `other_*` is the second."""

    __tablename__ = "conflicts"
    id: str = Field(primary_key=True)
    kind: str  # within_source or across_sources
    subject: str
    description: str
    other_source_id: str = Field(foreign_key="sources.id")
    other_quote: str
    other_char_start: int
    other_char_end: int
    other_voice: str = Field(description="who states the second passage (its role)")
    other_speaker: str = Field(description="who states the second passage (its name)")
    other_attribution: str = Field(description="own, order or report: the second passage's attribution")


class EligibilityRule(Fact, table=True):
    """One eligibility rule from kb/rules/*.yaml (db/derive/rules.py). Its provenance is the
    restriction it encodes; `condition` and `when_condition` are JSON (db/query/conditions.py)."""

    __tablename__ = "rules"
    id: str = Field(primary_key=True)
    restriction_id: str = Field(foreign_key="restrictions.id", index=True)
    utility_id: str = Field(foreign_key="utilities.id", index=True)
    state: Optional[str] = Field(default=None, foreign_key="states.code", description="the utility's state")
    says: str
    devices: Optional[str] = Field(default=None, description="JSON list of device or family ids; null = every device")
    fields: str = Field(description="the site (or device.*) fields the rule reads, comma-separated")
    when_condition: Optional[str] = None
    condition: str
    file: str


class ApprovalChange(Fact, table=True):
    """What changed for one device between two consecutive editions of a list (db/derive/history.py).
    Provenance is the newer edition's row (the older one's for a removed device); `other_*`
    is the older edition's row, null for an added device."""

    __tablename__ = "approval_changes"
    id: str = Field(primary_key=True)
    series: str
    change: str  # added, removed, status_changed
    device_id: str = Field(foreign_key="devices.id", index=True)
    utility_id: str = Field(foreign_key="utilities.id")
    state: Optional[str] = Field(default=None, foreign_key="states.code", description="the utility's state")
    technology: Optional[str] = None
    old_source_id: str = Field(foreign_key="sources.id")
    new_source_id: str = Field(foreign_key="sources.id")
    old_as_of: Optional[str] = None
    new_as_of: Optional[str] = None
    old_status: Optional[str] = None
    new_status: Optional[str] = None
    old_status_text: Optional[str] = None
    new_status_text: Optional[str] = None
    other_source_id: Optional[str] = Field(default=None, foreign_key="sources.id")
    other_quote: Optional[str] = None
    other_char_start: Optional[int] = None
    other_char_end: Optional[int] = None


class CandidateFact(Fact, table=True):
    """A fact the generic extractor proposes (extract/candidates/) for a person to review
    (`msakb review`). Its provenance is the whole statement; `rule` the rule that proposed it.
    `status`: pending, covered (a row of its table from the same passage exists already),
    accepted (now an annotation in kb/annotations/review-<source>.yaml) or rejected."""

    __tablename__ = "candidates"
    id: str = Field(primary_key=True, description="stable: hash of source id, offsets and rule")
    kind: str = Field(description="what the statement is: approval, installation_model, installation, eligibility, "
                      "requirement (with enumerated parts), definition, fee, timeline, deadline, device or obligation")
    classification: Optional[str] = Field(default=None, description="requirement/prohibition/permission, status or entity label")
    table_name: str = Field(description="the table the fact would go to")
    proposed: str = Field(description="the row's values, as JSON")
    fields: Optional[str] = Field(default=None, description="the entities inside the statement as values (amps, kA, volts, "
                                  "model, standard, fee, days, date), an eligibility statement's limits and an "
                                  "enumerated clause's parts, as JSON")
    trigger: str = Field(description="the cue or entity that made the passage a candidate")
    trigger_start: int
    trigger_end: int
    entities: Optional[str] = Field(default=None, description="entities inside the passage, as JSON")
    terms: Optional[str] = Field(default=None, description="field terms named (synonyms.yaml), '; '-separated")
    support: Optional[str] = Field(default=None, description="mention rows the fact needs, as JSON")
    status: str = "pending"
    reason: Optional[str] = None


class Alias(SQLModel, table=True):
    """A spelling of a utility, device, manufacturer or state (its id, name, or a gazetteer
    alias), for searches that accept any of them (db/derive/aliases.py). Reference data: no quote."""

    __tablename__ = "aliases"
    kind: str = Field(primary_key=True, description="utility, device, manufacturer or state")
    id: str = Field(primary_key=True, description="the row it names")
    alias_key: str = Field(primary_key=True, description="the spelling lower-cased, spaces collapsed")
    alias: str


class BuildInfo(SQLModel, table=True):
    __tablename__ = "build_info"
    key: str = Field(primary_key=True)
    value: str


FACT_TABLES = {m.__tablename__: m for m in Fact.__subclasses__()}

ALL_TABLES = {m.__tablename__: m for m in (*Fact.__subclasses__(), Source, Alias, BuildInfo)}
