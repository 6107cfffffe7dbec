"""Kind `program_guidelines`: a utility's MSA program guidelines (SCE's is the first).

Yields the utility (manifest `utility`) and its installation model where the text states it
(extract/shared/installation_models.py), restrictions from the dash lists (read by their
lead-in sentence: eligibility criteria, installation requirements, screening conditions,
disqualifiers) and from prose sentences (compatibility, process), a list of incompatible
panel models (a model listed again is a citation; a line listed again is a conflict), the
process steps with their system statuses, the FAQs, fees, timelines and decisions. Which
list or sentence means what is data: patterns/program_guidelines.yaml.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterator

from msakb.errors import SourceError
from msakb.extract.kinds.program_guidelines.facts import decisions, fees, timelines
from msakb.extract.kinds.program_guidelines.layout import DashItem, DashList, Layout, read_layout, rules
from msakb.extract.kinds.program_guidelines.steps import process_steps
from msakb.extract.shared.installation_models import installation_models
from msakb.extract.shared.justifications import split_justification
from msakb.extract.shared.mentions import manifest_utility
from msakb.extract.shared.records import Record, SourceDoc
from msakb.extract.shared.text import Span, lines, sentences
from msakb.knowledge.gazetteer import Gazetteer

RULE = "program_guidelines"


def parse(doc: SourceDoc, gaz: Gazetteer) -> Iterator[Record]:
    utility_id, mentions = manifest_utility(doc, gaz, f"{RULE}:utility")
    if utility_id is None:
        raise SourceError(doc.id, "program_guidelines need `utility:` in their manifest entry")
    yield from mentions
    layout = read_layout(doc.span())
    counters: Counter = Counter()
    for dl in layout.lists:
        category = list_category(dl)
        if category == "panel_models":
            yield from panel_models(doc, dl, utility_id)
        elif category != "ignore":
            yield from list_restrictions(doc, layout, dl, category, utility_id, counters)
    yield from sentence_restrictions(doc, layout, utility_id, counters)
    yield from installation_models(doc, gaz, utility_id, layout.prose, f"{RULE}:installation_model")
    yield from process_steps(doc, layout, utility_id)
    yield from faqs(doc, layout, utility_id)
    yield from fees(doc, layout, utility_id)
    yield from timelines(doc, layout, utility_id)
    yield from decisions(doc, layout)


def list_category(dl: DashList) -> str:
    lead = dl.lead_in.clean() if dl.lead_in else ""
    for rx, category in rules()["lists"]:
        if rx.search(lead):
            return category
    raise SourceError(
        None, f"a dash list introduced by {lead[:70]!r} matches no `lists` rule in "
        "extract/patterns/program_guidelines.yaml; add a rule (category, or `ignore`)",
        line=dl.span.line,
    )


def restriction(doc, utility_id, local, category, section, span: Span, text_prefix: str = "") -> Record:
    """A restriction from one passage, its justification split off where the source gives one."""
    head, reason = split_justification(span)
    return doc.record("restrictions", {
        "id": f"{doc.id}/restrictions/{local}", "utility_id": utility_id, "category": category,
        "section": section, "text": text_prefix + head.clean(),
        "justification": reason.clean() if reason is not None else None,
    }, span, f"{RULE}:{category}")


def list_restrictions(doc, layout: Layout, dl: DashList, category, utility_id, counters) -> Iterator[Record]:
    """One restriction per item; a nested item keeps its parent's context in its text."""
    section = layout.section_at(dl.span.start)
    for item in dl.items:
        counters[category] += 1
        n = counters[category]
        yield restriction(doc, utility_id, f"{category}-{n}", category, section, item.body)
        parent = item.body.clean().rstrip(":").rstrip()
        for k, child in enumerate(item.children, 1):
            yield restriction(doc, utility_id, f"{category}-{n}-{k}", category, section, child.body,
                              text_prefix=f"{parent}: ")


def sentence_restrictions(doc, layout: Layout, utility_id, counters) -> Iterator[Record]:
    """Restrictions stated in prose: the clause of a sentence that a `sentences` rule matches."""
    for line in layout.prose:
        for sent in sentences(line):
            for rx, category in rules()["sentences"]:
                if not rx.search(sent.raw):
                    continue
                body = sent.strip(" \t.")
                head, reason = split_justification(body)
                if reason is not None and rx.search(reason.raw) and not rx.search(head.raw):
                    body = reason  # the rule is the reason given for another statement
                counters[category] += 1
                yield restriction(doc, utility_id, f"{category}-{counters[category]}", category,
                                  layout.section_at(sent.start), body)


def panel_models(doc, dl: DashList, utility_id) -> Iterator[Record]:
    """One row per model (the first occurrence quoted, each further one the same record, so
    it becomes a citation); a line repeating an earlier line exactly is a conflict."""
    occurrences: dict[str, list[tuple[Span, DashItem]]] = defaultdict(list)
    for item in dl.items:
        pos = 0
        for piece in item.body.raw.split("/"):
            span = item.body.sub(pos, pos + len(piece)).strip()
            pos += len(piece) + 1
            if not span:
                raise SourceError(None, f"empty model in panel list entry {item.body.raw!r}", line=item.body.line)
            occurrences[span.raw].append((span, item))
    for model, occ in occurrences.items():
        values = {"id": f"{doc.id}/panel_models/{model}", "utility_id": utility_id, "model": model,
                  "listed_count": len(occ), "entry": occ[0][1].body.clean()}
        for span, _ in occ:
            yield doc.record("panel_models", dict(values), span, f"{RULE}:panel_model")
    by_entry: dict[str, list[DashItem]] = defaultdict(list)
    for item in dl.items:
        by_entry[item.body.clean()].append(item)
    n = 0
    for entry, items in by_entry.items():
        positions = [dl.items.index(it) + 1 for it in items]
        for again in items[1:]:
            n += 1
            yield doc.record("conflicts", {
                "id": f"{doc.id}/conflicts/panel-list-duplicate-{n}", "kind": "within_source",
                "subject": f"{utility_id} incompatible panel list: duplicate entry",
                "description": f"the entry {entry!r} is listed {len(items)} times (list lines "
                               f"{', '.join(map(str, positions))} of {len(dl.items)})",
                "other_source_id": doc.id, "other_quote": again.body.raw,
                "other_char_start": again.body.start, "other_char_end": again.body.end,
            }, items[0].body, f"{RULE}:panel_list_duplicate")


def faqs(doc, layout: Layout, utility_id) -> Iterator[Record]:
    """Each question with its answer: the text up to the next question (or the end)."""
    if layout.faq_start is None:
        return
    qx = rules()["faq_question"]
    questions = [ln for ln in lines(doc.span(layout.faq_start)) if qx.match(ln.raw)]
    for i, q in enumerate(questions):
        m = qx.match(q.raw)
        end = questions[i + 1].start if i + 1 < len(questions) else len(doc.text)
        answer = doc.span(q.end, end).strip()
        if not answer:
            raise SourceError(None, f"FAQ {m.group('number')} has no answer", line=q.line)
        yield doc.record("faqs", {
            "id": f"{doc.id}/faqs/{int(m.group('number'))}", "utility_id": utility_id,
            "number": int(m.group("number")), "question": q.sub(m.start("question"), m.end("question")).clean(),
            "answer": answer.clean(),
        }, q.strip().cover(answer), f"{RULE}:faq")
