"""Which device a mention names, among every device the knowledge base knows (the devices
rows of all sources, and the gazetteer's families and aliases):

- a gazetteer alias ("Tesla Backup Switch") is its device or family;
- a name or model as a known device is listed ("EV V1.0 E-B-4-22-60-125", "MC-200-011-V01"),
  a model matching a known model written with placeholders ("1624171-00-J" is a
  "1624171-xx-y"), is that device;
- a model of a family (the gazetteer's member pattern, or a known family's name in front
  of it: "Sigen Backup Switch SBS-200-US" of the deck's "Sigen Backup Switch") is a new
  member of the family;
- any other model is a new device of the maker the page names; without a maker, none.

A new device comes with the row it would add (manufacturer, product, model, family).
"""

from __future__ import annotations

import re

from msakb.extract.shared.devices import device_id
from msakb.knowledge.gazetteer import Gazetteer

_PLACEHOLDER = re.compile(r"(?<![A-Za-z0-9])(x+|y+)(?![A-Za-z0-9])")


def norm(name: str | None) -> str:
    return " ".join((name or "").split()).lower()


def _placeholder_rx(model: str) -> re.Pattern | None:
    """'1624171-xx-y' -> a pattern for '1624171-00-J' (x and y runs stand for any characters)."""
    if not _PLACEHOLDER.search(model):
        return None
    parts, pos = [], 0
    for m in _PLACEHOLDER.finditer(model):
        parts.append(re.escape(model[pos:m.start()].lower()) + f"[a-z0-9]{{{len(m.group(1))}}}")
        pos = m.end()
    parts.append(re.escape(model[pos:].lower()))
    return re.compile("^" + "".join(parts) + "$")


class KnownDevices:
    def __init__(self, devices: list[dict], gaz: Gazetteer):
        self.gaz = gaz
        self.rows = {d["id"]: d for d in devices}
        names: dict[str, set[str]] = {}
        self.families: dict[str, dict] = {}  # family name -> {id, manufacturer, product}
        self.placeholders: list[tuple[re.Pattern, str]] = []
        for d in devices:
            mk, prod, model = d.get("manufacturer"), d.get("product"), d.get("model")
            if d.get("is_family"):
                for n in {norm(f"{mk} {prod}"), norm(prod) if prod and norm(prod).startswith(norm(mk)) else ""} - {""}:
                    self.families[n] = {"id": d["id"], "manufacturer": mk, "product": prod}
                continue
            if not model:
                continue
            for n in (f"{mk} {prod} {model}", f"{mk} {model}", f"{prod} {model}" if prod else None, model):
                if n:
                    names.setdefault(norm(n), set()).add(d["id"])
            rx = _placeholder_rx(model)
            if rx is not None:
                self.placeholders.append((rx, d["id"]))
        for fam in gaz.families:
            for n in [f"{fam['manufacturer']} {fam['product']}", *fam.get("aliases", [])]:
                self.families.setdefault(norm(n), {"id": fam["id"], "manufacturer": fam["manufacturer"],
                                                   "product": fam["product"]})
        self.names = {n: next(iter(ids)) for n, ids in names.items() if len(ids) == 1}  # an ambiguous name names none

    def _family(self, fid: str) -> dict | None:
        for fam in self.gaz.families:
            if fam["id"] == fid:
                return {"id": fid, "manufacturer": fam["manufacturer"], "product": fam["product"]}
        row = self.rows.get(fid)
        if row and row.get("is_family"):
            return {"id": fid, "manufacturer": row["manufacturer"], "product": row.get("product")}
        return None

    def _known(self, m: dict) -> str | None:
        maker, name, model = m.get("maker"), m.get("name"), m.get("model")
        for n in (name, f"{maker} {name}" if maker else None, model):
            if n and norm(n) in self.names:
                return self.names[norm(n)]
        for rx, did in self.placeholders:
            if model and rx.match(norm(model)):
                return did
        return None

    def _member(self, fam: dict, m: dict) -> tuple[str, dict]:
        """A new member of a family, for a model the family's list does not hold yet."""
        maker, name, model = fam["manufacturer"], m.get("name") or m["model"], m["model"]
        rest = name[len(maker) + 1:] if name.lower().startswith(maker.lower() + " ") else name
        did = device_id(maker, rest)
        return did, {"id": did, "manufacturer": maker, "product": m.get("product") or fam["product"], "model": model,
                     "family_id": fam["id"]}

    def resolve(self, m: dict) -> tuple[str | None, dict | None]:
        """(device id, the devices row a new device needs, else None); (None, None) when
        the mention names no device the knowledge base knows and no maker."""
        alias, model, maker, name = m.get("alias"), m.get("model"), m.get("maker"), m.get("name") or ""
        fam = self._family(alias) if alias else None
        if alias and (fam is None or not model):
            return alias, None
        known = self._known(m)
        if known:
            return known, None
        if fam is not None:
            return self._member(fam, m)
        if model:
            for gfam in self.gaz.families:
                rest = name[len(maker) + 1:] if maker and name.startswith(maker + " ") else name
                if re.search(gfam["member_pattern"], rest) or re.search(gfam["member_pattern"], model):
                    return self._member(self._family(gfam["id"]), m)
            full = norm(name if not maker or name.startswith(maker) else f"{maker} {name}")
            for fname, f in sorted(self.families.items(), key=lambda t: -len(t[0])):
                if full.startswith(fname + " ") and norm(model) == full[len(fname) + 1:]:
                    return self._member(f, m)
        if maker and (model or name):
            rest = name[len(maker) + 1:] if name.startswith(maker + " ") else name
            did = device_id(maker, rest)
            row = {"id": did, "manufacturer": maker, "product": m.get("product"), "model": model or rest}
            return did, {k: v for k, v in row.items() if v is not None}
        return None, None
