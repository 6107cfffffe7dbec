"""Kind `installer_article`: an installer's article about one MSA (KiloWire's on the
ConnectDER EV adapter is the first). It yields

- specs of the circuit the article's device feeds: quantities (AMPS, POWER, VOLTS entities)
  that a cue next to them qualifies ("up to 60A", "48A is the practical maximum", "240V circuit");
- the standards it names, with the title it gives ("NEC Article 625 (Electric Vehicle
  Charging Systems)");
- the requirements it states (sentences with "requires", "must", ...), with the reason it
  gives, for the utility the sentence or its paragraph names, else for the state;
- mentions of the state, the utilities and the device family.

Which device the article is about is the manifest's `options: {device: <family id>}` (a
reviewed judgement: articles name a product loosely); its maker must be named in the text.
Rules are data: extract/patterns/installer_article.yaml.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

from msakb.errors import SourceError
from msakb.extract.shared.entities import find_entities
from msakb.extract.shared.justifications import split_justification
from msakb.extract.shared.mentions import family_mention, state_mention, utility_mentions
from msakb.extract.shared.patterns import pattern_file
from msakb.extract.shared.records import Record, SourceDoc, slug
from msakb.extract.shared.specs import SPEC_LABELS, spec_values
from msakb.extract.shared.text import Span, lines, sentences, trim
from msakb.knowledge.gazetteer import Gazetteer

RULE = "installer_article"
_LABEL = re.compile(r"^[^:]{1,40}:\s+(?=[A-Z])")  # "SCE rebate eligibility: The SCE ..."


@lru_cache(maxsize=None)
def rules() -> dict:
    return pattern_file("installer_article.yaml")


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


def parse(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    device, mention = article_device(doc, gaz)
    yield mention
    state = doc.entry.jurisdiction if doc.entry.jurisdiction in gaz.states else None
    if state:
        yield state_mention(doc, gaz, state, f"{RULE}:state")
    yield from utility_mentions(doc, gaz, f"{RULE}:utility")
    yield from specs(doc, device)
    yield from standards(doc)
    yield from requirements(doc, gaz, device, state)


def article_device(doc: SourceDoc, gaz: Gazetteer) -> tuple[str, Record]:
    """The device family the manifest says the article is about, and its mention at the
    first sentence naming its maker."""
    fid = doc.entry.options.get("device")
    if not fid:
        raise SourceError(doc.id, "an installer_article needs `options: {device: <family id>}` in its manifest entry "
                          "(a family of kb/gazetteer/devices.yaml)")
    fam = next((f for f in gaz.families if f["id"] == fid), None)
    if fam is None:
        raise SourceError(doc.id, f"manifest option device {fid!r} is not a family in kb/gazetteer/devices.yaml "
                          f"(families: {', '.join(f['id'] for f in gaz.families)})")
    for sent in sentences(doc.span()):
        if fam["manufacturer"] in sent.raw:
            return fid, family_mention(doc, gaz, fid, sent, f"{RULE}:device")
    raise SourceError(doc.id, f"the article never names {fam['manufacturer']}, the maker of {fid}")


def specs(doc: SourceDoc, device: str) -> Iterator[Record]:
    cues = rules()["specs"]
    labels = {c["label"] for c in cues}
    for sent in sentences(doc.span()):
        for e in find_entities(sent, labels):
            for cue in cues:
                if cue["label"] != e.label:
                    continue
                start, end = e.span.start, e.span.end
                if "before" in cue:
                    m = _rx(cue["before"]).search(doc.text, sent.start, start)
                    if not m or m.end() != start:
                        continue
                    start = m.start()
                if "after" in cue:
                    m = _rx(cue["after"]).match(doc.text[end : sent.end])
                    if not m:
                        continue
                    end += m.end()
                quote = Span(doc.text, start, end)
                qualifier = cue.get("qualifier")
                cond = _rx(cue["condition"]).match(sent.raw) if cue.get("condition") else None
                if cond:
                    qualifier = ", ".join(filter(None, (qualifier, f"at {cond.group('condition')}")))
                quantity, unit = SPEC_LABELS[e.label]
                vals = {**spec_values(e.label, e.text), "qualifier": qualifier}
                local = slug(device, cue["quantity"], qualifier or "", f"{vals['value']:g}")
                yield doc.record("specs", {
                    "id": f"{doc.id}/specs/{local}", "device_id": device, "approval_id": None,
                    "quantity": cue["quantity"], "unit": unit, "text": quote.clean(), **vals,
                }, quote, f"{RULE}:spec:{e.rule}")
                break


def standards(doc: SourceDoc) -> Iterator[Record]:
    title_rx = _rx(rules()["standard_title"])
    for e in find_entities(doc.span(), {"STANDARD"}):
        sid = " ".join(e.text.split())
        body, number = sid.split(" ", 1)
        m = title_rx.match(doc.text[e.span.end : e.span.end + 200])
        quote = Span(doc.text, e.span.start, e.span.end + m.end()) if m else e.span
        yield doc.record("standards", {
            "id": sid, "body": body, "number": number, "title": m.group("title").strip() if m else None,
        }, quote, f"{RULE}:standard:{e.rule}")


def requirements(doc: SourceDoc, gaz: Gazetteer, device: str, state: str | None) -> Iterator[Record]:
    r = rules()
    need, not_need, consequence = _rx(r["requirement"]), _rx(r["not_requirement"]), _rx(r["consequence"])
    leading = _rx(r["leading_reason"])
    sents = sentences(doc.span())
    counters: dict[str, int] = {}
    for i, sent in enumerate(sents):
        if not need.search(sent.raw) or not_need.search(sent.raw):
            continue
        quote = sent
        nxt = sents[i + 1] if i + 1 < len(sents) else None
        if nxt is not None and consequence.search(nxt.raw) and _same_line(doc, sent, nxt):
            quote = sent.cover(nxt)
        body = sent
        label = _LABEL.match(body.raw)
        if label:
            body = body.sub(label.end())
        lead = leading.match(body.raw)
        if lead:
            reason = body.sub(lead.start("reason"), lead.end("reason"))
            head = trim(body.sub(lead.end())).strip(" .")
        else:
            head, reason = split_justification(body)
        category = next((c["category"] for c in r["categories"] if _rx(c["pattern"]).search(sent.raw)),
                        "installation")
        utility = _utility(doc, gaz, sent)
        counters[category] = counters.get(category, 0) + 1
        # "And it requires ...": the conjunction ties it to the previous sentence, not the rule.
        text = re.sub(r"^(?:And|But|So|Also)\s+", "", head.clean())
        text = text[:1].upper() + text[1:]
        if quote is not sent:
            text = f"{text.rstrip('.')}. {nxt.clean()}"
        yield doc.record("restrictions", {
            "id": f"{doc.id}/restrictions/{category}-{counters[category]}", "utility_id": utility,
            "state": None if utility else state, "device_id": device, "category": category,
            "section": _section(doc, sent), "text": text,
            "justification": reason.clean() if reason is not None else None,
        }, quote, f"{RULE}:requirement")


def _same_line(doc: SourceDoc, a: Span, b: Span) -> bool:
    return "\n" not in doc.text[a.end : b.start]


def _utility(doc: SourceDoc, gaz: Gazetteer, sent: Span) -> str | None:
    """The utility the sentence names, else the one its paragraph (line) names."""
    found = gaz.find_utilities(sent)
    if not found:
        line = next(ln for ln in lines(doc.span()) if ln.start <= sent.start <= ln.end)
        found = gaz.find_utilities(line)
    return found[0][0] if found else None


def _section(doc: SourceDoc, sent: Span) -> str | None:
    """The nearest title line above: short, no closing punctuation, not a list item."""
    for ln in reversed(lines(Span(doc.text, 0, sent.start))):
        s = ln.raw.strip()
        if s and len(s.split()) <= 8 and s[-1] not in ".:;,?!" and not s.startswith(("-", "•", "*")):
            return s
    return None
