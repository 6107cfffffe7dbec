"""What web/metadata.yaml and web/settings.json may hold, as far as msakb hands them to
Datasette 0.65: the keys Datasette's metadata documents (a misspelt key would be ignored
silently), links only to http(s) or to a path of the site, and settings Datasette knows with
values of their type."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

from datasette.app import SETTINGS
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, create_model

from msakb.knowledge.manifest import web_url


def _link(v: str) -> str:
    """A link the site may render: http(s), or a path of the site itself."""
    if v.startswith("/") and not v.startswith("//"):
        return v
    return web_url(v)


Link = Annotated[str, AfterValidator(_link)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class About(_Strict):
    """What Datasette shows about the site, a database, a table or a query."""

    title: Optional[str] = None
    description: Optional[str] = None
    description_html: Optional[str] = Field(None, description="trusted HTML (this file is the project's, not input)")
    license: Optional[str] = None
    license_url: Optional[Link] = None
    source: Optional[str] = None
    source_url: Optional[Link] = None
    about: Optional[str] = None
    about_url: Optional[Link] = None
    plugins: Optional[dict[str, Any]] = None
    allow: Optional[Union[dict[str, Any], bool]] = None


class AssetUrl(_Strict):
    url: Link
    sri: Optional[str] = None
    module: Optional[bool] = None


class Table(About):
    """A table's (or view's) metadata."""

    hidden: Optional[bool] = None
    sort: Optional[str] = None
    sort_desc: Optional[str] = None
    size: Optional[int] = None
    sortable_columns: Optional[list[str]] = None
    label_column: Optional[str] = None
    facets: Optional[list[Union[str, dict[str, Any]]]] = None
    facet_size: Optional[Union[int, Literal["max"]]] = None
    fts_table: Optional[str] = None
    fts_pk: Optional[str] = None
    searchmode: Optional[Literal["raw", "escaped"]] = None
    columns: Optional[dict[str, str]] = Field(None, description="column -> its description")
    units: Optional[dict[str, str]] = None


class Query(About):
    """A canned query."""

    sql: str = Field(min_length=1)
    hide_sql: Optional[bool] = None
    fragment: Optional[str] = None
    write: Optional[bool] = None
    params: Optional[list[str]] = None
    on_success_message: Optional[str] = None
    on_success_redirect: Optional[str] = None
    on_error_message: Optional[str] = None
    on_error_redirect: Optional[str] = None


class Database(About):
    tables: dict[str, Table] = Field(default_factory=dict)
    queries: dict[str, Query] = Field(default_factory=dict)
    allow_sql: Optional[Union[dict[str, Any], bool]] = None


class Metadata(About):
    """web/metadata.yaml."""

    databases: dict[str, Database] = Field(default_factory=dict)
    extra_css_urls: list[Union[Link, AssetUrl]] = Field(default_factory=list)
    extra_js_urls: list[Union[Link, AssetUrl]] = Field(default_factory=list)
    allow_sql: Optional[Union[dict[str, Any], bool]] = None


def _setting_type(default):
    if isinstance(default, bool):
        return StrictBool
    if isinstance(default, int):
        return Annotated[StrictInt, Field(ge=0)]
    return str


Settings = create_model(
    "Settings", __config__=ConfigDict(extra="forbid"), __doc__="web/settings.json: Datasette settings it knows.",
    **{s.name: (Optional[_setting_type(s.default)], Field(None, description=s.help)) for s in SETTINGS},
)
