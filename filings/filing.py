"""One run of `msakb file`: the knowledge base, the citations and markers the documents
collect as they print, and the parties a filing names (filer, commission) with their
reference data (kb/gazetteer/parties.yaml), or a visible marker where there is none."""

from __future__ import annotations

from msakb.filings.attribution import Speakers
from msakb.filings.kb import Citations, Kb
from msakb.filings.options import Options
from msakb.knowledge.parties import Parties


class Printed:
    """A value made when a template prints it (in the document being rendered then)."""

    def __init__(self, make, text: str):
        self.make, self.text = make, text

    def __html__(self) -> str:
        return self.make().__html__()

    __str__ = __html__


class Filing:
    def __init__(self, kb: Kb, parties: Parties, opts: Options):
        self.kb, self.parties, self.opts = kb, parties, opts
        self.cites = Citations(kb)
        self.speakers = Speakers(kb)
        self.todos: list[str] = []

    def todo(self, label: str) -> "Printed":
        """'[TO COMPLETE: label]', highlighted where it prints; a printed label joins the list
        at the end of the filing."""
        label = " ".join(str(label).split())

        def make():
            if label not in self.todos:
                self.todos.append(label)
            return self.cites.sheet.marker(f"[TO COMPLETE: {label}]")
        return Printed(make, f"[TO COMPLETE: {label}]")

    def flag(self, text: str) -> "Printed":
        """A highlighted note to the reader, e.g. '[JUSTIFICATION NEEDED]' (not a field to fill)."""
        return Printed(lambda: self.cites.sheet.marker(f"[{text.upper()}]"), f"[{text.upper()}]")

    def groups(self, utility: dict | None) -> set[str]:
        return {g.short for g in self.parties.groups_of(utility["id"])} if utility else set()

    def filer(self, utility: dict | None) -> dict:
        """The filing party's names: legal name and d/b/a from the reference data, else a marker."""
        if utility is None:  # a state-wide list: no filer, every name empty
            return dict.fromkeys(("id", "name", "legal_name", "dba", "short", "group", "group_short"), "")
        entity = self.parties.entity(utility["id"])
        group = next(iter(self.parties.groups_of(utility["id"])), None)
        return {
            "id": utility["id"], "name": utility["name"],
            "legal_name": entity.legal_name if entity else self.todo(f"legal name of {utility['name']}"),
            "dba": entity.dba if entity and entity.dba else "",
            "short": entity.short if entity else utility["name"],
            "group": group.name if group else "", "group_short": group.short if group else "",
        }

    def commission(self, state: dict | None) -> dict:
        c = self.parties.commission(state["code"]) if state else None
        if c is None:
            where = state["name"] if state else "the state"
            name = self.todo(f"name of {where}'s utility commission")
            return {"name": name, "short": name, "government": self.todo(f"government of {where}"),
                    "address": [self.todo("the commission's address")], "docket_label": "Docket No."}
        return {"name": c.name, "short": c.short, "government": c.government, "address": list(c.address),
                "docket_label": c.docket_label}

    def common(self, utility: dict | None, state: dict | None) -> dict:
        """What every template may use besides its kind's own values."""
        return {"todo": self.todo, "flag": self.flag, "filer": self.filer(utility),
                "commission": self.commission(state), "attachment": "", "in_package": False}
