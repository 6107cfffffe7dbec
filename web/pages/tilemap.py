"""The US as a tile grid: one square per state, DC and Puerto Rico, drawn as SVG on the
server. No geometry and nothing fetched: every tile is a labelled link to its state's page,
coloured by a status, with a <title> a browser shows on hover and a screen reader reads.

The palette is Okabe and Ito's, chosen to stay apart for the common colour-vision deficiencies;
each tile also carries its status in words (title) and the legend says what each colour means.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

# (column, row) of each tile: the common US tile-grid layout (Alaska and Hawaii at the left).
GRID: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (11, 0),
    "WI": (6, 1), "VT": (10, 1), "NH": (11, 1),
    "WA": (1, 2), "ID": (2, 2), "MT": (3, 2), "ND": (4, 2), "MN": (5, 2), "IL": (6, 2), "MI": (7, 2),
    "NY": (9, 2), "MA": (10, 2),
    "OR": (1, 3), "NV": (2, 3), "WY": (3, 3), "SD": (4, 3), "IA": (5, 3), "IN": (6, 3), "OH": (7, 3),
    "PA": (8, 3), "NJ": (9, 3), "CT": (10, 3), "RI": (11, 3),
    "CA": (1, 4), "UT": (2, 4), "CO": (3, 4), "NE": (4, 4), "MO": (5, 4), "KY": (6, 4), "WV": (7, 4),
    "VA": (8, 4), "MD": (9, 4), "DE": (10, 4),
    "AZ": (2, 5), "NM": (3, 5), "KS": (4, 5), "AR": (5, 5), "TN": (6, 5), "NC": (7, 5), "SC": (8, 5),
    "DC": (9, 5),
    "OK": (4, 6), "LA": (5, 6), "MS": (6, 6), "AL": (7, 6), "GA": (8, 6),
    "HI": (0, 7), "TX": (4, 7), "FL": (9, 7), "PR": (11, 7),
}
# Reference names of the tiles (the gazetteer's, kb/gazetteer/states.yaml, for these codes).
NAMES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico",
}
TILE, GAP = 44, 4


@dataclass(frozen=True)
class Shade:
    """One status of the legend: its label, fill and text colour."""

    key: str
    label: str
    fill: str
    ink: str


# Okabe-Ito colours; light fills carry dark text, dark fills white text.
FRAMEWORK = (
    Shade("existing", "existing framework", "#0072B2", "#ffffff"),
    Shade("pending", "pending", "#E69F00", "#000000"),
    Shade("lobbying", "lobbying", "#CC79A7", "#000000"),
    Shade("none", "no source states it", "#e4e4e4", "#333333"),
)
DEVICE = (
    Shade("approved", "approved", "#009E73", "#ffffff"),
    Shade("pilot", "pilot", "#56B4E9", "#000000"),
    Shade("under_review", "under review", "#F0E442", "#000000"),
    Shade("not_approved", "not approved or withdrawn", "#D55E00", "#ffffff"),
    Shade("not_listed", "not listed by the state's utilities that list devices", "#a8a8a8", "#000000"),
    Shade("none", "no device list of the state's utilities in the knowledge base", "#eeeeee", "#555555"),
)


def shade_of(palette: tuple[Shade, ...], key: str | None) -> Shade:
    by_key = {s.key: s for s in palette}
    return by_key.get(key or "none", by_key["none"])


def tile_map(names: dict[str, str], status: dict[str, str], notes: dict[str, str], palette: tuple[Shade, ...],
             label: str, href=lambda code: f"/state/{code}") -> Markup:
    """The SVG map: `names` code -> state name, `status` code -> a key of `palette` (others are
    'none'), `notes` code -> the words after the name in the tile's title."""
    cols = 1 + max(c for c, _ in GRID.values())
    rows = 1 + max(r for _, r in GRID.values())
    width, height = cols * (TILE + GAP), rows * (TILE + GAP)
    out = [f'<svg class="msakb-map" role="group" aria-label="{escape(label)}" viewBox="0 0 {width} {height}" '
           f'xmlns="http://www.w3.org/2000/svg">']
    for code, (c, r) in GRID.items():
        shade = shade_of(palette, status.get(code))
        x, y = c * (TILE + GAP), r * (TILE + GAP)
        name = names.get(code, code)
        title = f"{name}: {notes.get(code) or shade.label}"
        out.append(
            f'<a href="{escape(href(code))}" class="tile tile-{escape(shade.key)}" data-state="{code}">'
            f"<title>{escape(title)}</title>"
            f'<rect x="{x}" y="{y}" width="{TILE}" height="{TILE}" rx="4" fill="{shade.fill}"/>'
            f'<text x="{x + TILE / 2}" y="{y + TILE / 2 + 5}" text-anchor="middle" fill="{shade.ink}">{code}</text></a>'
        )
    out.append("</svg>")
    return Markup("".join(out))


def legend(palette: tuple[Shade, ...], counts: dict[str, int] | None = None) -> Markup:
    """The key: a swatch per status, with how many tiles have it when `counts` is given."""
    items = []
    for s in palette:
        n = f" ({counts.get(s.key, 0)})" if counts is not None else ""
        # a swatch drawn in SVG (a fill attribute, not an inline style a strict CSP refuses)
        items.append(f'<li><svg class="swatch" viewBox="0 0 14 14" aria-hidden="true"><rect width="14" height="14" '
                     f'rx="2" fill="{s.fill}"/></svg>{escape(s.label)}{n}</li>')
    return Markup(f'<ul class="msakb-legend">{"".join(items)}</ul>')
