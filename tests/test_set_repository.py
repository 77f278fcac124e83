"""scripts/set_repository.py: changing the course's address is one edit (pyproject.toml's
Repository) plus one command. Run on temporary copies of the files it rewrites, never on the
working tree."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from _notebooks import ROOT, repository_url

sys.path.insert(0, str(ROOT / "scripts"))
from set_repository import FILES, files  # noqa: E402

SCRIPT = ROOT / "scripts" / "set_repository.py"
OWNER, NAME = repository_url().removeprefix("https://github.com/").split("/")
NEW_OWNER, NEW_NAME = "ada-lovelace", "relu.course"


def copy_of_the_tree(tmp_path):
    """pyproject.toml and every file the script rewrites, in a temporary folder."""
    for path in [ROOT / "pyproject.toml", *files(ROOT)]:
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    return {p.relative_to(tmp_path): p.read_text(encoding="utf-8") for p in files(tmp_path)}


def set_repository(root):
    return subprocess.run([sys.executable, str(SCRIPT), str(root)], capture_output=True,
                          text=True, check=True).stdout


def test_it_changes_nothing_on_the_current_tree(tmp_path):
    before = copy_of_the_tree(tmp_path)
    printed = set_repository(tmp_path)
    after = {p.relative_to(tmp_path): p.read_text(encoding="utf-8") for p in files(tmp_path)}
    changed = [str(p) for p in before if before[p] != after[p]]
    assert changed == [], f"expected no file changed, got {changed}; it printed:\n{printed}"
    assert "already" in printed, printed


def test_a_new_address_reaches_every_link(tmp_path):
    before = copy_of_the_tree(tmp_path)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text(encoding="utf-8").replace(
        f'Repository = "{repository_url()}"',
        f'Repository = "https://github.com/{NEW_OWNER}/{NEW_NAME}"'), encoding="utf-8")
    printed = set_repository(tmp_path)
    for path, text in before.items():
        # exactly the old address replaced, in each of its forms; foreign links left alone
        expected = (text.replace(f"{OWNER}/{NAME}", f"{NEW_OWNER}/{NEW_NAME}")
                    .replace(f"{OWNER}.github.io/{NAME}", f"{NEW_OWNER}.github.io/{NEW_NAME}"))
        assert expected != text, f"{path} does not contain the address: why is it in FILES?"
        got = (tmp_path / path).read_text(encoding="utf-8")
        assert got == expected, f"{path}: not exactly the address rewritten"
        assert str(path) in printed, f"expected {path} among the changed files, got:\n{printed}"
    # and a second run finds nothing to do
    assert "already" in set_repository(tmp_path)


def text_files(root):
    """Every file of the repository that a person edits (not .git, .venv, build, ...)."""
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [s for s in subfolders
                         if not s.startswith(".venv") and s not in {".git", "build"}
                         and not s.endswith(".egg-info")]
        for name in names:
            if not name.endswith((".png", ".svg", ".pyc")):
                yield Path(folder, name)


def test_every_file_that_names_the_address_is_rewritten_by_the_script():
    """A new file with a badge or a link to the repository must be added to FILES."""
    address = re.compile(rf"{re.escape(OWNER)}(/|\.github\.io/){re.escape(NAME)}")
    skipped = {ROOT / "pyproject.toml", SCRIPT}
    naming = {p for p in text_files(ROOT) if p not in skipped
              and address.search(p.read_text(encoding="utf-8", errors="ignore"))}
    missing = sorted(str(p.relative_to(ROOT)) for p in naming - set(files(ROOT)))
    assert missing == [], f"expected every file naming the address in {FILES}, got {missing}"
