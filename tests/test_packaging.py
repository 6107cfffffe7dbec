"""The distribution: one import package, `msakb`, that works outside a checkout.

The wheel is built from this checkout and installed into a fresh environment outside it; the
dependencies come from the test environment's site-packages (a .pth line), so the test needs
no download beyond the build backend. From an empty folder: `msakb build` uses the seed corpus
installed with the package, `msakb file` and `msakb serve --help` work, `msakb review accept`
refuses to write into the installed package, and nothing inside the package changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.kbtools import REPO


def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path]:
    """(the fresh environment's bin folder, the wheel, its site-packages)."""
    work = tmp_path_factory.mktemp("wheel")
    # built from a copy, so that the build leaves nothing in the checkout
    top = {".git", ".venv", "build", "msakb.egg-info", ".pytest_cache", ".hypothesis", ".ruff_cache"}
    shutil.copytree(REPO, work / "src", ignore=lambda folder, names: [
        n for n in names if n == "__pycache__" or n.startswith("msakb.db") or (Path(folder) == REPO and n in top)])
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work / "dist"), str(work / "src")],
                   check=True, capture_output=True, text=True)
    wheel, = (work / "dist").glob("msakb-*.whl")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    purelib = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                  check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", str(wheel)], check=True, capture_output=True,
                   text=True)
    # msakb's dependencies from the test environment (a path line: its own .pth files, such as
    # the editable install of this checkout, are not read from there)
    (purelib / "zz-test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    return venv / "bin", wheel, purelib


def test_the_wheel_holds_msakb_alone(installed):
    _, wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"msakb"}
    assert "msakb/kb/sources/manifest.yaml" in names
    assert "msakb/web/metadata.yaml" in names and "msakb/web/plugins/provenance.py" in names
    assert "msakb/extract/patterns/entities.jsonl" in names
    assert not [n for n in names if n.startswith(("bench/", "msakb/bench/", "tests/"))]


def test_every_package_folder_is_listed_in_pyproject():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = {pkg: REPO / folder for pkg, folder in config["package-dir"].items()}
    found = set()
    for pkg, folder in folders.items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder).parts
            found.add(".".join([pkg, *rel]))
    assert found == set(config["packages"]) - {"msakb.kb"}


def test_msakb_works_from_an_empty_folder_outside_the_checkout(installed, tmp_path):
    bin_dir, _, purelib = installed
    before = _tree_digest(purelib / "msakb")
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("MSAKB_KB", "PYTHONPATH")}
    python = str(bin_dir / "python")

    def msakb(*args) -> subprocess.CompletedProcess:
        return subprocess.run([str(bin_dir / "msakb"), *args], cwd=empty, env=env, capture_output=True, text=True)

    where = subprocess.run([python, "-c", "import msakb; print(msakb.__file__)"], cwd=empty, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where == str(purelib / "msakb" / "__init__.py")

    built = msakb("build")
    assert built.returncode == 0, built.stderr
    assert f"knowledge folder: {purelib / 'msakb' / 'kb'} (the seed corpus installed with msakb, read-only)" in built.stderr
    assert (empty / "msakb.db").is_file()

    filed = msakb("file", "waiver", "--utility", "sce", "--out", "waiver.docx")
    assert filed.returncode == 0, filed.stderr
    assert zipfile.is_zipfile(empty / "waiver.docx")

    helped = msakb("serve", "--help")
    assert helped.returncode == 0 and "Serve the knowledge base with Datasette" in helped.stdout

    refused = msakb("review", "reject", "c-000000000000")
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: msakb review reject writes into the knowledge folder")
    assert "msakb init DIR" in refused.stderr

    started = msakb("init", "my-kb")
    assert started.returncode == 0, started.stderr
    assert (empty / "my-kb" / "sources" / "manifest.yaml").is_file()
    own = msakb("build", "--kb", "my-kb", "--db", "own.db", "-q")
    assert own.returncode == 0, own.stderr

    assert _tree_digest(purelib / "msakb") == before, "a command wrote inside the installed package"
    assert sorted(p.name for p in empty.iterdir()) == ["msakb.db", "msakb.db.cache", "my-kb", "own.db", "own.db.cache",
                                                        "waiver.docx"]
