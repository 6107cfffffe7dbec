"""Conflicts: within one source (recorded by the parsers) and across sources (db/derive/cross_conflicts.py)."""

from __future__ import annotations

import hashlib
import re
import sqlite3

from click.testing import CliRunner

from msakb.cli import cli
from tests.kbtools import keep_sources, manifest, source_bytes, write_manifest

SCE_LIST = "sce-approved-products-2026-04-12"


def _add_list(kb, source_id: str, publisher: str, utility: str, title: str, rows: str, voice: str = "utility") -> None:
    data = f"# {title}\n\n{rows}".encode("utf-8")
    (kb / "sources" / f"{source_id}.txt").write_bytes(data)
    m = manifest(kb)
    m["sources"].append({
        "id": source_id, "file": f"{source_id}.txt", "title": "MSA list", "publisher": publisher,
        "jurisdiction": "CA", "utility": utility, "as_of": "2026-05-01", "kind": "approved_product_list",
        "voice": voice, "sha256": hashlib.sha256(data).hexdigest(), "expect": {"approvals": 1},
    })
    write_manifest(kb, m)


def _rows_of(kb, manufacturer: str) -> str:
    """The SCE list's header line and its row(s) for one manufacturer, as written."""
    lines = source_bytes(kb, SCE_LIST).decode("utf-8").split("\n")
    header = next(line for line in lines if line.startswith("MSA Manufacturer\t"))
    return header + "\n" + "\n".join(line for line in lines if line.startswith(manufacturer + "\t<b>")) + "\n"


def test_cross_source_status_conflict_but_not_across_utilities(kb_copy, tmp_path):
    keep_sources(kb_copy, [SCE_LIST])
    neworld = _rows_of(kb_copy, "NeWorld")
    assert neworld.count("Currently undergoing pilot phase.") == 1
    # An installers' bulletin says NeWorld is approved at SCE: a report that disagrees with SCE's
    # own list, which the conflict quotes first.
    _add_list(kb_copy, "installer-bulletin-2026-05-01", "Example Installers Association", "sce",
              "MSAs approved by SCE (installer bulletin)", neworld.replace("Currently undergoing pilot phase.", "Approved for MSA application"),
              voice="installer")
    # SDG&E saying "pilot" of the same device is another utility's fact: no conflict.
    _add_list(kb_copy, "sdge-list-2026-05-01", "San Diego Gas & Electric", "sdge", "SDG&E MSAs", neworld)
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb_copy), "-q"])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT kind, subject, description, source_id, other_source_id, rule, voice, speaker, attribution, "
        "other_voice, other_speaker, other_attribution FROM conflicts WHERE kind = 'across_sources'"
    ).fetchall()
    assert rows == [(
        "across_sources",
        "approvals (utility_id=sce, device_id=neworld-eqb-mim-200-plus-pe): status",
        "status is 'pilot' in sce-approved-products-2026-04-12 (as of 2026-04-12; Southern California Edison, own) "
        "and 'approved' in installer-bulletin-2026-05-01 (as of 2026-05-01; Example Installers Association, report)",
        SCE_LIST, "installer-bulletin-2026-05-01", "cross_conflicts:approvals.status",
        "utility", "Southern California Edison", "own", "installer", "Example Installers Association", "report",
    )]
    quote, other = conn.execute("SELECT quote, other_quote FROM conflicts WHERE kind = 'across_sources'").fetchone()
    assert quote.startswith("NeWorld\t<b>EQB MIM 200 Plus PE</b>") and quote.endswith("Currently undergoing pilot phase.")
    assert other.startswith("NeWorld\t<b>EQB MIM 200 Plus PE</b>") and other.endswith("Approved for MSA application")
    # the bulletin's approval is a report about SCE, not SCE's: SCE's own list is SCE's word
    assert conn.execute("SELECT voice, attribution FROM approvals WHERE source_id = 'installer-bulletin-2026-05-01'"
                        ).fetchall() == [("installer", "report")]


def test_editions_of_one_list_are_history_not_conflicts(kb_copy, tmp_path):
    keep_sources(kb_copy, [SCE_LIST])
    neworld = _rows_of(kb_copy, "NeWorld").replace("Currently undergoing pilot phase.", "Approved for MSA application")
    _add_list(kb_copy, "sce-approved-products-2026-05-01", "Southern California Edison", "sce", "SCE MSAs", neworld)
    db = tmp_path / "kb.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--kb", str(kb_copy), "-q"])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM conflicts WHERE kind = 'across_sources'").fetchone() == (0,)
    assert conn.execute(
        "SELECT change, device_id, old_status, new_status FROM approval_changes WHERE change = 'status_changed'"
    ).fetchall() == [("status_changed", "neworld-eqb-mim-200-plus-pe", "pilot", "approved")]


GUIDE, MEETING, DECK, ARTICLE = (
    "sce-msa-program-guidelines-2025", "ct-pura-iwg-msa-subgroup-2025-02-06", "tesco-nysemec-msa-deck-2026-03-18",
    "kilowire-connectder-ev-article")


def test_conflicts_of_the_seed_corpus(built_db):
    conn = sqlite3.connect(built_db)
    rows = conn.execute(
        "SELECT id, kind, subject, source_id, quote, other_source_id, other_quote FROM conflicts ORDER BY id"
    ).fetchall()
    panel_a, panel_b = "MBED2040B200BF/MBED2040B225BF", "MBED3042B200BF/MBED3042B200BF6/MBED3042B200PV"
    assert rows == [
        ("conflict/reviewed/sce-who-installs-the-msa", "across_sources",
         "who installs an MSA at SCE: the customer's installer, or an SCE meter technician",
         ARTICLE, "Installation: ConnectDER adapter installed at meter socket",
         GUIDE, "No. An SCE meter technician must install or remove the MSA."),
        # found by rule: SCE's own statement of its installation model against KiloWire's report
        ("conflict/utilities/sce/installation_model/1", "across_sources", "utilities sce: installation_model",
         GUIDE, "All MSA installations and removals will be completed by an SCE meter technician.",
         ARTICLE, "Installation: ConnectDER adapter installed at meter socket"),
        (f"{MEETING}/conflicts/decision-date-1", "within_source", "PURA decision in Docket 24-08-02: date",
         MEETING, "PURA's [October 16, 2025 Decision](#) in Docket 24-08-02",
         MEETING, "PURA’s October 16, 2024 Decision in Docket No. 24-08-02, Order 26"),
        (f"{MEETING}/conflicts/meeting-date-1", "within_source", "MSA Subgroup Meeting of February 6: date",
         MEETING, "February 6, 2024, meeting", MEETING, "February 6, 2025 | 11:00am–12:00pm EST"),
        *[(f"{GUIDE}/conflicts/panel-list-duplicate-{n}", "within_source", "sce incompatible panel list: duplicate entry",
           GUIDE, entry, GUIDE, entry) for n, entry in ((1, panel_a), (2, panel_a), (3, panel_a), (4, panel_b))],
        (f"{DECK}/conflicts/installer-model-na-unresolved", "within_source", "installer model list: 'NA'",
         DECK, "NA", DECK, "Utility Installation Models"),
    ]
    # The duplicate panel entries are four different places of the list (lines 1, 2, 5, 6 and 7, 9).
    dup = conn.execute("SELECT char_start, other_char_start FROM conflicts WHERE id LIKE '%panel-list-duplicate%' ORDER BY id")
    assert dup.fetchall() == [(12918, 12950), (12918, 13046), (12918, 13078), (13110, 13190)]


def test_connectder_ev_amps_are_not_a_conflict(built_db):
    """SCE lists the ConnectDER EV models at 100 A and 125 A continuous (the adapter's rating,
    through which the whole service flows); the KiloWire article says the EV circuit it taps
    is "up to 60A". Different quantities of one device — the model number E-B-4-22-60-100
    itself carries both, a 60 A breaker and a 100 A rating — so no conflict is recorded: the
    comparison keys on device, quantity, unit and qualifier, and these differ in device
    (family vs model) and in quantity or qualifier (the circuit's maximum vs the adapter's
    continuous rating)."""
    conn = sqlite3.connect(built_db)
    specs = conn.execute(
        "SELECT device_id, value, source_id, quote, quantity, qualifier FROM specs WHERE unit = 'A' "
        "AND device_id LIKE 'connectder-ev%' ORDER BY source_id, device_id, value").fetchall()
    assert [s[:4] for s in specs] == [
        ("connectder-ev", 48.0, ARTICLE, "48A is the practical maximum"),
        ("connectder-ev", 60.0, ARTICLE, "up to 60A"),
        ("connectder-ev-v1-0-e-b-4-22-60-100", 100.0, "sce-approved-products-2026-04-12", "100A"),
        ("connectder-ev-v1-0-e-b-4-22-60-125", 125.0, "sce-approved-products-2026-04-12", "125A"),
    ]
    article = {s[4:] for s in specs if s[2] == ARTICLE}
    sce = {s[4:] for s in specs if s[2] != ARTICLE}
    assert sce == {("current", "continuous")} and not article & sce
    assert conn.execute("SELECT count(*) FROM conflicts WHERE subject LIKE 'specs%'").fetchone() == (0,)


def test_reviewed_conflict_quote_must_be_in_its_source(kb_copy, tmp_path):
    path = kb_copy / "conflicts" / "reviewed.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "Installation: ConnectDER adapter installed at meter socket", "KiloWire removes the meter"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "kb.db"), "--kb", str(kb_copy), "-q"])
    assert (result.exit_code, result.output) == (1, (
        "Error: kb/conflicts/reviewed.yaml, conflict 'sce-who-installs-the-msa': quote "
        "'KiloWire removes the meter' is not in source 'kilowire-connectder-ev-article'\n"))
    assert not (tmp_path / "kb.db").exists()


def _row(source, quote, start, **values):
    return {**values, "voice": "utility", "speaker": source, "attribution": "own",
            "source_id": source, "quote": quote, "char_start": start, "char_end": start + len(quote), "rule": "test"}


def _comparison_case():
    """Three sources (two editions of one list, one memo) stating decisions, specs and
    approvals, one of them about a device family."""
    import datetime as dt
    from types import SimpleNamespace

    def doc(id_, series, day):
        return SimpleNamespace(id=id_, entry=SimpleNamespace(series=series, as_of=dt.date(2025, 1, day)))

    docs = [doc("a", "A / list", 1), doc("b", "B / memo", 2), doc("a2", "A / list", 3)]
    rows = {
        "devices": [{"id": "fam", "family_id": None}, {"id": "m1", "family_id": "fam"}],
        "decisions": [
            _row("a", "Decision 25-06-034 of June 12, 2025", 0, regulator="CPUC", decision_number="25-06-034",
                 decision_date="2025-06-12"),
            _row("b", "D.25-06-034 (June 26, 2025)", 5, regulator="CPUC", decision_number="25-06-034",
                 decision_date="2025-06-26"),
            _row("b", "D.21-01-018", 40, regulator="CPUC", decision_number="21-01-018", decision_date=None),
        ],
        "specs": [
            _row("a", "200A", 10, device_id="m1", quantity="current", unit="A", qualifier="continuous", value=200.0),
            _row("b", "225 A", 60, device_id="m1", quantity="current", unit="A", qualifier="continuous", value=225.0),
            _row("b", "60A", 70, device_id="m1", quantity="current", unit="A", qualifier="breaker", value=60.0),
            _row("a2", "225A", 10, device_id="m1", quantity="current", unit="A", qualifier="continuous", value=225.0),
        ],
        "approvals": [
            _row("a", "m1 pilot", 20, utility_id="u", device_id="m1", status="pilot"),
            _row("b", "fam approved", 80, utility_id="u", device_id="fam", status="approved"),
            _row("b", "m1 approved at v", 90, utility_id="v", device_id="m1", status="approved"),
            _row("a2", "m1 approved", 20, utility_id="u", device_id="m1", status="approved"),
        ],
    }
    return docs, rows


def test_cross_source_comparisons_are_data(tmp_path):
    """db/derive/conflict_checks.yaml: decisions by (regulator, number), specs by (device, quantity,
    unit, qualifier), a family's approval against its members'; two editions of one list never."""
    from msakb.db.derive.cross_conflicts import derive_conflicts

    docs, rows = _comparison_case()
    found = derive_conflicts(rows, docs, tmp_path)["conflicts"]
    assert [(c["subject"], c["source_id"], c["quote"], c["other_source_id"], c["other_quote"]) for c in found] == [
        ("approvals (utility_id=u, device_id=m1): status", "a", "m1 pilot", "b", "fam approved"),
        ("decisions (regulator=CPUC, decision_number=25-06-034): decision_date", "a",
         "Decision 25-06-034 of June 12, 2025", "b", "D.25-06-034 (June 26, 2025)"),
        ("specs (device_id=m1, quantity=current, unit=A, qualifier=continuous): value", "a", "200A", "b", "225 A"),
    ]
    assert found[1]["description"] == (
        "decision_date is '2025-06-12' in a (as of 2025-01-01; a, own) and '2025-06-26' in b (as of 2025-01-02; b, own)")
    assert {c["kind"] for c in found} == {"across_sources"}


def test_a_full_build_finds_the_facts_to_compare_in_its_file_as_in_its_rows(tmp_path):
    """A full build asks SQLite which facts sources of two series state (derive_shared); the
    conflicts are those derive_conflicts finds from every row (here on the case above, a
    family's approval among them, written to a file; a full build of real sources with
    conflicts: the next test)."""
    from msakb.db.derive.cross_conflicts import derive_conflicts, derive_shared
    from msakb.db.pipeline.stored import StoredRows

    docs, rows = _comparison_case()
    conn = sqlite3.connect(tmp_path / "case.db")
    for table, table_rows in rows.items():
        cols = list(dict.fromkeys(c for r in table_rows for c in r))
        conn.execute(f"CREATE TABLE {table} ({', '.join(cols)})")
        conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})",
                         [tuple(r.get(c) for c in cols) for r in table_rows])
    for table in ("directives", "lifespans", "fees"):  # compared tables the case has no rows of
        conn.execute(f"CREATE TABLE {table} (regulator, docket, order_number, item, manufacturer, device_id, "
                     "utility_id, currency, per, source_id)")
    in_file = derive_shared(StoredRows(conn), docs, tmp_path)["conflicts"]
    from_rows = derive_conflicts({t: StoredRows(conn)[t] for t in rows}, docs, tmp_path)["conflicts"]
    assert [c["subject"] for c in in_file] == [c["subject"] for c in from_rows] and len(in_file) == 3
    assert in_file == from_rows
    conn.close()


def test_an_incremental_build_redoes_the_conflicts_of_the_facts_it_changed(kb_copy, tmp_path):
    """A line added at the top of a list moves all its passages (a conflict's other side with
    them) and one of its facts changes (its conflict goes): the patched database equals a
    cold build's, conflict ids included."""
    from tests.test_bench import _dump, _edit

    keep_sources(kb_copy, [SCE_LIST])
    pilot, approved = "Currently undergoing pilot phase.", "Approved for MSA application"
    bulletin = _rows_of(kb_copy, "NeWorld").replace(pilot, approved) + _rows_of(kb_copy, "Enphase").split("\n", 1)[1].replace(approved, pilot)
    _add_list(kb_copy, "installer-bulletin-2026-05-01", "Example Installers Association", "sce",
              "MSAs approved by SCE (installer bulletin)", bulletin, voice="installer")
    db = tmp_path / "kb.db"
    runner = CliRunner()
    result = runner.invoke(cli, ["build", "--db", str(db), "--kb", str(kb_copy), "-q"])
    assert result.exit_code == 0, result.output
    subjects = lambda: [s for (s,) in sqlite3.connect(db).execute(  # noqa: E731
        "SELECT subject FROM conflicts WHERE kind = 'across_sources' ORDER BY id")]
    assert subjects() == ["approvals (utility_id=sce, device_id=enphase-mc-200-011-v01): status",
                          "approvals (utility_id=sce, device_id=neworld-eqb-mim-200-plus-pe): status"]

    def edit(text: str) -> str:
        first = text.index("\n") + 1
        neworld = text.index("NeWorld\t<b>")
        return text[:first] + "\nA note added by a later edition.\n" + text[first:neworld] + text[neworld:].replace(pilot, approved, 1)

    _edit(kb_copy, SCE_LIST, edit)
    result = runner.invoke(cli, ["build", "--db", str(db), "--kb", str(kb_copy)])
    assert result.exit_code == 0, result.output
    assert re.search(r"\(1 changed, 0 added, 0 removed; [1-9]\d* row keys resolved again, [1-9]\d* rows moved\)", result.output)
    assert subjects() == ["approvals (utility_id=sce, device_id=enphase-mc-200-011-v01): status"]
    cold = tmp_path / "cold.db"
    assert runner.invoke(cli, ["build", "--db", str(cold), "--kb", str(kb_copy), "-q"]).exit_code == 0
    assert _dump(db) == _dump(cold)


def test_an_incremental_build_redoes_every_conflict_when_a_source_is_redated(kb_copy, tmp_path):
    """The bulletin's as_of corrected in the manifest: the conflict quoting it says when each
    side said it; the patched database equals a cold build's."""
    from tests.test_bench import _dump

    keep_sources(kb_copy, [SCE_LIST])
    pilot, approved = "Currently undergoing pilot phase.", "Approved for MSA application"
    _add_list(kb_copy, "installer-bulletin-2026-05-01", "Example Installers Association", "sce",
              "MSAs approved by SCE (installer bulletin)", _rows_of(kb_copy, "NeWorld").replace(pilot, approved),
              voice="installer")
    db = tmp_path / "kb.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["build", "--db", str(db), "--kb", str(kb_copy), "-q"]).exit_code == 0
    m = manifest(kb_copy)
    m["sources"][-1]["as_of"] = "2026-05-04"
    write_manifest(kb_copy, m)
    result = runner.invoke(cli, ["build", "--db", str(db), "--kb", str(kb_copy)])
    assert result.exit_code == 0, result.output
    assert "incremental build: patched the previous database (1 changed, 0 added, 0 removed;" in result.output
    (description,) = sqlite3.connect(db).execute("SELECT description FROM conflicts WHERE kind = 'across_sources'").fetchone()
    assert "in installer-bulletin-2026-05-01 (as of 2026-05-04; Example Installers Association, report)" in description
    cold = tmp_path / "cold.db"
    assert runner.invoke(cli, ["build", "--db", str(cold), "--kb", str(kb_copy), "-q"]).exit_code == 0
    assert _dump(db) == _dump(cold)
