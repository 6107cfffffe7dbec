"""Run by the system python3 (which has LibreOffice's `uno` module), not by pytest:

    python3 tests/lo_changes.py SOFFICE PROFILE_DIR FILE.docx accept|reject

Opens FILE in a headless LibreOffice, counts its tracked changes, accepts (or rejects) them all
as a user would (.uno:AcceptAllTrackedChanges), and prints the count, then the body paragraphs,
one per line. tests/test_filings_libreoffice.py compares them with the versions it diffed.
"""

import os
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def texts(text) -> list:
    """The paragraphs of a text, a table's cells row by row (as python-docx reads them)."""
    out, body = [], text.createEnumeration()
    while body.hasMoreElements():
        element = body.nextElement()
        if element.supportsService("com.sun.star.text.TextTable"):
            rows, cols = element.getRows().getCount(), element.getColumns().getCount()
            for row in range(rows):
                for col in range(cols):
                    try:
                        cell = element.getCellByPosition(col, row)
                    except Exception:  # a merged cell
                        continue
                    out += texts(cell.getText())
        else:
            out.append(element.getString())
    return out


def main(soffice: str, profile: str, path: str, mode: str) -> None:
    pipe = f"msakb-{os.getpid()}"
    proc = subprocess.Popen(
        [soffice, "--headless", "--invisible", "--norestore", f"-env:UserInstallation=file://{profile}",
         f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    desktop = None
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        ctx = None
        for _ in range(300):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.1)
        if ctx is None:
            sys.exit("LibreOffice did not start")
        smgr = ctx.ServiceManager
        desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        hidden = PropertyValue()
        hidden.Name, hidden.Value = "Hidden", True
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0, (hidden,))
        count, changes = 0, doc.getRedlines().createEnumeration()
        while changes.hasMoreElements():
            changes.nextElement()
            count += 1
        command = ".uno:AcceptAllTrackedChanges" if mode == "accept" else ".uno:RejectAllTrackedChanges"
        dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
        dispatcher.executeDispatch(doc.getCurrentController().getFrame(), command, "", 0, ())
        paragraphs = texts(doc.getText())
        doc.close(True)
        sys.stdout.write(f"{count}\n" + "\n".join(paragraphs))
    finally:
        if desktop is not None:
            try:
                desktop.terminate()
            except Exception:  # the bridge closes as LibreOffice exits
                pass
        proc.wait(timeout=60)


if __name__ == "__main__":
    main(*sys.argv[1:5])
