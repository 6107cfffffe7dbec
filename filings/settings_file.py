"""What filings/templates/filings.yaml may hold (staff edit it): labels, orders, and which rows
each kind of filing draws on. Read through msakb/knowledge/yamlfile.py: an error names the
file, the line and the field."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["waiver", "restrictions", "oem-application", "installer-conditions", "order-26", "program-redline",
               "consultation"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InstallerConditions(_Strict):
    categories: list[str] = Field(default_factory=list, description="restriction categories that bear on who installs")
    models: dict[str, str] = Field(default_factory=dict, description="installation model -> its definitions.term")
    model_names: dict[str, str] = Field(default_factory=dict, description="installation model -> how a filing names it")


class Reference(_Strict):
    utility: str
    category: str


class OemApplication(_Strict):
    reference_requirements: Optional[Reference] = Field(
        None, description="the submission requirements to follow when the EDC has none of its own")
    ratings: dict[str, str] = Field(default_factory=dict, description="spec quantity -> its label")


class OrderItem(_Strict):
    match: str = Field(min_length=1, description="words of the order item")
    kind: Kind = Field(description="the filing (or act) that answers it")
    statements: Optional[str] = Field(None, description="a statements topic the answer cites")


class Order26(_Strict):
    order_number: str = "26"
    package: list[Kind] = Field(default_factory=list, description="the filings of the compliance package, in order")
    items: list[OrderItem] = Field(default_factory=list)


class FilingsSettings(_Strict):
    """filings/templates/filings.yaml."""

    categories: dict[str, str] = Field(default_factory=dict, description="restriction category -> heading, in order")
    waiver_topics: dict[str, str] = Field(default_factory=dict, description="statements topic -> heading, in order")
    installer_conditions: InstallerConditions = Field(default_factory=InstallerConditions)
    oem_application: OemApplication = Field(default_factory=OemApplication)
    order_26: Order26 = Field(default_factory=Order26)
