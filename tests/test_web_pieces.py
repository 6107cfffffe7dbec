"""The small pieces the pages are made of: markup read as text, which URLs may be links, the
tile map's layout and palette (the CSS holds the same colours)."""

from __future__ import annotations

import re

import pytest

from msakb.web.pages.links import web_url
from msakb.web.pages.readable import plain_text
from msakb.web.pages.tilemap import DEVICE, FRAMEWORK, GRID, NAMES, legend, tile_map
from msakb.web.serve import WEB


@pytest.mark.parametrize("raw, text", [
    ("Meter panel has no **Electrical Service Requirement** violations",
     "Meter panel has no Electrical Service Requirement violations"),
    ("Add 5 <sup>th</sup> terminal if socket has 5 Jaws", "Add 5th terminal if socket has 5 Jaws"),
    ("Tesla\t<b>Backup Switch 1624171-xx-y</b>", "Tesla\tBackup Switch 1624171-xx-y"),
    ("PURA's [October 16, 2025 Decision](#) in Docket 24-08-02", "PURA's October 16, 2025 Decision in Docket 24-08-02"),
    ('ConnectDER\t<a href="https://connectder.com/">https://connectder.com/</a>', "ConnectDER\thttps://connectder.com/"),
    ("<p>one</p><p>two</p>", "one two"),
    ("PG&amp;E and SDG&E", "PG&E and SDG&E"),
    ("Pilot in progress*", "Pilot in progress*"),
    ("120/240 VAC/180 SPLIT PHASE", "120/240 VAC/180 SPLIT PHASE"),
    ("a < b and c > d", "a < b and c > d"),
])
def test_plain_text(raw, text):
    assert plain_text(raw) == text


@pytest.mark.parametrize("url, link", [
    ("https://www.tescometering.com/", "https://www.tescometering.com/"), ("http://sce.com/msa", "http://sce.com/msa"),
    ("javascript:alert(1)", None), ("JAVASCRIPT:alert(1)", None), ("data:text/html,x", None), ("#", None),
    ("/msakb/sources", None), ("https:///nohost", None), (None, None), ("http://[::1", None),
])
def test_only_http_urls_are_links(url, link):
    assert web_url(url) == link


def test_tile_map_every_state_dc_and_pr_once_with_a_title_and_a_link():
    assert len(GRID) == 52 and set(GRID) == set(NAMES) and len(set(GRID.values())) == 52
    svg = tile_map(NAMES, {"CA": "existing"}, {"CA": "existing framework, as reported by X"}, FRAMEWORK, "map")
    tiles = re.findall(r'<a href="/state/(\w\w)" class="tile tile-(\w+)" data-state="\1"><title>([^<]+)</title>', svg)
    assert len(tiles) == 52
    assert ("CA", "existing", "California: existing framework, as reported by X") in tiles
    assert ("WY", "none", "Wyoming: no source states it") in tiles
    assert "(1)" in legend(FRAMEWORK, {"existing": 1})


def test_the_css_colours_the_heat_map_as_the_palette_does():
    css = (WEB / "static" / "site.css").read_text(encoding="utf-8")
    for shade in DEVICE:
        if shade.key != "not_listed":  # (a map's colour only: a matrix cell is a utility, listing it or not)
            rule = re.search(rf"\.cell-{shade.key} {{ background: (#\w+); color: (#\w+); }}", css)
            assert rule and rule.group(1).lower() == shade.fill.lower(), shade.key
