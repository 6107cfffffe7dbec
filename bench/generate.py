"""A synthetic corpus at national scale, made from the grammar of the real sources.

`generate(out, n)` writes a knowledge folder like kb/ (sources/*.txt, sources/manifest.yaml
with each file's sha256, gazetteer/ copied from kb/gazetteer with the generated utilities
added) holding `n` documents, and returns what it planted: the rows each table must get. The
documents are approved-product lists in two shapes met in the seeds: SCE's table (HTML in
cells, ratings and instructions in one cell, companion devices, <p> notes, a contacts table)
and a PG&E-like status table (manufacturer, model, status); and, when the meeting_summary
parser exists, a share of working-group summaries quoting an order with numbered items
(bench/orders.py). Utilities publish several editions; devices recur across utilities, so
most device rows are cited by many sources.
The phrases and what each must yield are data: bench/grammar.yaml.
"""

from __future__ import annotations

import hashlib
import random
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import yaml

from msakb.extract.parsers import PARSERS
from msakb.knowledge.yamlfile import dump_yaml
from msakb.extract.shared.records import slug
from bench import KB

from .orders import meeting_summary

GRAMMAR = Path(__file__).with_name("grammar.yaml")
# Tables whose row counts the generator knows exactly.
PLANTED_TABLES = ("sources", "utilities", "states", "devices", "approvals", "required_devices", "specs",
                  "restrictions", "definitions", "manufacturers", "directives", "decisions", "citations", "conflicts")
ORDERS_SHARE = 0.1  # of the documents, when the meeting_summary parser exists


@dataclass
class Corpus:
    """A generated knowledge folder and what a build of it must hold."""

    kb: Path
    documents: int
    planted: dict[str, int] = field(default_factory=dict)  # table -> rows (empty for the seeds)
    statuses: Counter = field(default_factory=Counter)  # normalised approval status -> approvals
    chars: int = 0


@dataclass
class Group:
    """One row of an approved-products table: a manufacturer's model(s), fixed corpus-wide so
    that every list naming a device says the same of it (no planted conflicts)."""

    manufacturer: str
    names: list[str]  # the model cell's items, '(…)' tails included
    ids: list[str]
    isolating: str
    technology: str
    rating: dict
    amps: int


def grammar() -> dict:
    return yaml.safe_load(GRAMMAR.read_text(encoding="utf-8"))


class World:
    """Utilities, manufacturers and device rows for a corpus of `n` documents."""

    def __init__(self, n: int, rng: random.Random, g: dict, states: list[str]):
        self.rng, self.g = rng, g
        self.utilities = self._utilities(min(3000, max(3, n // 3)), states)
        roots, ends = g["manufacturer_roots"], g["manufacturer_endings"]
        names = [r + e for r in roots for e in ends]
        rng.shuffle(names)
        self.manufacturers = names[: min(len(names), max(4, n // 100 + 6))]
        self.groups = [self._group(k) for k in range(max(12, n // 4))]

    def _utilities(self, count: int, states: list[str]) -> list[dict]:
        g, out, seen = self.g, [], set()
        while len(out) < count:
            place = "".join(self.rng.choice(g["place_syllables"]) for _ in range(self.rng.randint(1, 2)))
            place = (place + self.rng.choice(g["place_endings"])).capitalize()
            name = f"{place} {self.rng.choice(g['utility_suffixes'])}"
            if place in seen:
                continue  # one utility per place: no name is a part of another
            seen.add(place)
            out.append({"id": f"syn-{slug(name)}", "name": name, "state": self.rng.choice(states), "aliases": [name]})
        return out

    def _group(self, k: int) -> Group:
        rng, g = self.rng, self.g
        maker = rng.choice(self.manufacturers)
        product = rng.choice(g["product_words"])
        amps = rng.choice(g["amps"])
        code = f"{maker[:2].upper()}-{amps}-{k:04d}"
        if rng.random() < 0.25:
            names = [f"{product} {code}-A (Analog)", f"{product} {code}-D (Digital)"]
        elif rng.random() < 0.5:
            names = [f"{product} {code} ({amps} Rated Amps)"]
        else:
            names = [f"{product} {code}"]
        ids = [slug(maker, n.split(" (")[0]) for n in names]
        return Group(maker, names, ids, rng.choice("YN"), rng.choice(g["technologies"]),
                     rng.choice(g["ratings"]), amps)


def _date(rng: random.Random) -> date:
    return date(2023, 1, 1) + timedelta(days=rng.randrange(3 * 365))


def approved_list(w: World, u: dict, groups: list[Group], as_of: date, plant: Counter, statuses: Counter) -> str:
    """SCE's approved-product list, rows of `groups`."""
    rng, g = w.rng, w.g
    domain = slug(u["name"]).replace("-", "") + ".com"
    out = [
        "\n\n# Meter Socket Adapter\n\n## Approved Product List\n\n"
        "Meter socket adapters (MSAs) are used to connect distributed energy resources (DERs) or electric "
        "vehicle (EV) charging equipment without modification of the panel. The MSA is purchased and owned "
        f"by the customer but must be approved and installed by {u['name']}. For more information, please "
        f"visit [{domain}/msa](http://{domain}/msa).\n\n",
        f"As of : {as_of.month:02d}/{as_of.day:02d}/{as_of.year}" + "\t" * 6 + "\n",
        "MSA Manufacturer\tApproved Model Number\tIsolating\tCompatible Technology Type\t"
        "Additional Required Devices\tTechnical Requirements\tNotes\n",
    ]
    for grp in groups:
        m = len(grp.ids)
        models = " ".join(f"<b>{n}</b>" for n in grp.names)
        options = []
        for _ in range(rng.randint(1, 2)):
            picks = rng.sample(g["companions"], rng.randint(1, 2))
            options.append(" and ".join(p.format(brand=grp.manufacturer, code=grp.manufacturer[:2].upper(),
                                                 n=rng.randint(1, 99)) for p in picks))
            plant["required_devices"] += len(picks) * m
        instructions = rng.sample(g["instructions"], rng.randint(1, 3))
        tech = grp.rating["text"].format(amps=grp.amps) + " " + " ".join(
            s.format(brand=grp.manufacturer) for s in instructions)
        status = rng.choice(g["statuses"])
        out.append(f"{grp.manufacturer}\t{models}\t{grp.isolating}\t{grp.technology}\t{' or '.join(options)}\t"
                   f"{tech}\t{status['text']}\n")
        plant["specs"] += grp.rating["entities"] * m
        plant["restrictions"] += len(instructions) * m
        statuses[status["status"]] += m
    out.append("\nNotes\n" + notes(w, u, plant) + "\n")
    makers = sorted({grp.manufacturer for grp in groups})
    out.append("\nManufacturer\tContact Information\n")
    for name in makers:
        url = f"https://www.{name.lower()}.com/"
        out.append(f'{name}\t<a href="{url}">{url}</a>\n')
    plant["manufacturer_mentions"] += len(makers)
    return "".join(out)


def notes(w: World, u: dict, plant: Counter) -> str:
    """The <p> notes line: plain notes, restrictions (should/must) and definitions."""
    rng, g = w.rng, w.g
    restr = rng.sample(g["notes_restrictions"], rng.randint(0, 2))
    defs = rng.sample(g["definitions"], rng.randint(0, 3))
    plain = rng.sample(g["notes_plain"], 1)
    paras = [f"{plain[0]} Questions go to the meter engineering department of {u['name']}."]
    paras += [f"- {r}" for r in restr]
    if defs:
        paras.append("<b>Definitions:</b>")
        paras += [f"<b>{d['term']}</b> – {d['text']}" for d in defs]
    plant["restrictions"] += len(restr)
    plant["definitions"] += len(defs)
    return " ".join(f"<p>{p}</p>" for p in paras)


def status_table(w: World, u: dict, groups: list[Group], plant: Counter, statuses: Counter) -> str:
    """A PG&E-like table of device and status, under the utility's name."""
    out = [f"\n{u['name']}\n\nMeter socket adapters approved for use on the {u['name']} system\n\n",
           "Manufacturer\tModel Number\tStatus\n"]
    for grp in groups:
        status = w.rng.choice(w.g["status_table_statuses"])
        out.append(f"{grp.manufacturer}\t{' '.join(f'<b>{n}</b>' for n in grp.names)}\t{status['text']}\n")
        statuses[status["status"]] += len(grp.ids)
    out.append("\n" + notes(w, u, plant) + "\n")
    return "".join(out)


def generate(out: Path, n: int, seed: int = 6) -> Corpus:
    """Write a knowledge folder of `n` synthetic documents at `out` (replaced)."""
    if "approved_product_list" not in PARSERS:
        raise RuntimeError("the approved_product_list parser is missing")
    rng, g = random.Random(seed), grammar()
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(KB / "gazetteer", out / "gazetteer")
    (out / "sources").mkdir(parents=True)
    (out / "annotations").mkdir()
    state_names = yaml.safe_load((KB / "gazetteer" / "states.yaml").read_text(encoding="utf-8"))["states"]
    states = sorted(state_names)
    w = World(n, rng, g, [s for s in states if s != "US"])
    plant, statuses, entries, chars = Counter(), Counter(), [], 0
    seen_devices, used_utilities, seen_makers, order_states = Counter(), set(), Counter(), Counter()
    orders = "meeting_summary" in PARSERS
    for i in range(n):
        if orders and rng.random() < ORDERS_SHARE:
            code = rng.choice([s for s in states if s != "US"])
            name = state_names[code] if isinstance(state_names[code], str) else state_names[code][0]
            text, entry = meeting_summary(rng, g, i, code, name, _date(rng), plant)
            order_states[code] += 1
            fname = f"syn_{i:05d}.txt"
            data = text.encode("utf-8")
            (out / "sources" / fname).write_bytes(data)
            chars += len(text)
            entries.append({**entry, "file": fname, "sha256": hashlib.sha256(data).hexdigest()})
            continue
        u = w.utilities[i % len(w.utilities)] if i < len(w.utilities) else rng.choice(w.utilities)
        groups = rng.sample(w.groups, rng.randint(3, 10))
        as_of = _date(rng)
        before = plant["manufacturer_mentions"]
        if rng.random() < 0.8:
            text = approved_list(w, u, groups, as_of, plant, statuses)
        else:
            text = status_table(w, u, groups, plant, statuses)
        for grp in groups:
            plant["approvals"] += len(grp.ids)
            seen_devices.update(grp.ids)
        if plant["manufacturer_mentions"] > before:
            seen_makers.update({grp.manufacturer for grp in groups})
        used_utilities.add(u["id"])
        sid = f"syn-{i:05d}-{u['id'][4:]}"[:60].rstrip("-")
        fname = f"syn_{i:05d}.txt"
        data = text.encode("utf-8")
        (out / "sources" / fname).write_bytes(data)
        chars += len(text)
        entries.append({
            "id": sid, "file": fname, "title": "Meter Socket Adapter Approved Product List",
            "publisher": u["name"], "jurisdiction": u["state"], "utility": u["id"], "as_of": as_of,
            "kind": "approved_product_list", "sha256": hashlib.sha256(data).hexdigest(),
        })
    write_yaml(out / "sources" / "manifest.yaml", {"sources": entries})
    gaz = yaml.safe_load((KB / "gazetteer" / "utilities.yaml").read_text(encoding="utf-8"))
    gaz["utilities"] += [u for u in w.utilities if u["id"] in used_utilities]
    write_yaml(out / "gazetteer" / "utilities.yaml", gaz)
    by_id = {u["id"]: u for u in w.utilities}
    plant.pop("manufacturer_mentions")
    plant.update({
        "sources": n, "utilities": len(used_utilities),
        "states": len({by_id[x]["state"] for x in used_utilities} | set(order_states)),
        "devices": len(seen_devices), "manufacturers": len(seen_makers), "conflicts": 0,
        # a device, maker, utility or state named again by another source is cited, not repeated
        "citations": (sum(seen_devices.values()) - len(seen_devices)) + (sum(seen_makers.values()) - len(seen_makers))
        + (n - sum(order_states.values()) - len(used_utilities)) + (sum(order_states.values()) - len(order_states)),
    })
    return Corpus(out, n, {t: plant[t] for t in PLANTED_TABLES}, statuses, chars)


def write_yaml(path: Path, data) -> None:
    path.write_text(dump_yaml(data, width=200), encoding="utf-8")


def seed_corpus(out: Path) -> Corpus:
    """The 1x corpus: a copy of kb/, keeping only sources whose kind has a parser (and the
    annotations that quote only those)."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(KB, out)
    manifest_path = out / "sources" / "manifest.yaml"
    manifest = yaml.safe_load(manifest_path.read_text(encoding="utf-8"))
    keep = [s for s in manifest["sources"] if s["kind"] in PARSERS]
    dropped = {s["id"] for s in manifest["sources"]} - {s["id"] for s in keep}
    if dropped:
        manifest["sources"] = keep
        write_yaml(manifest_path, manifest)
        for ann in (out / "annotations").glob("*.yaml"):
            if any(d in ann.read_text(encoding="utf-8") for d in dropped):
                ann.unlink()
    chars = sum(len((out / "sources" / s["file"]).read_text(encoding="utf-8")) for s in keep)
    return Corpus(out, len(keep), {}, Counter(), chars)
