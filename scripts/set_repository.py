"""Point every copy of the course's address at the one in pyproject.toml.

pyproject.toml's [project.urls] Repository is the one place the public address lives. The
README (Binder and Colab badges, the website's address), CITATION.cff and every notebook (its
badges and the Colab install cell) repeat it; the website's configuration reads pyproject
itself. To move the course, change that line, then run

    python scripts/set_repository.py

Every copy of the old address is rewritten: github.com/OWNER/NAME in each of its forms and the
website's OWNER.github.io/NAME. Links to other repositories are left alone. Run again, it
finds nothing to do. tests/test_links.py and tests/test_project_files.py check the result;
tests/test_set_repository.py checks this script on a temporary copy.
"""

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
FILES = ["README.md", "CITATION.cff", "notebooks/*.ipynb"]  # relative to the repository

# The places that can only name this course's own repository: a Binder or Colab badge, the
# install cell's git+ URL, CITATION.cff's repository-code. Other GitHub links are references.
OURS = re.compile(r"(?:mybinder\.org/v2/gh/|colab\.research\.google\.com/github/"
                  r"|git\+https://github\.com/|repository-code: \"https://github\.com/)"
                  r"([\w-]+)/([\w.-]+?)(?=[/\"\\])")


def files(root):
    """The files that repeat the address, under `root`."""
    return [path for pattern in FILES for path in sorted(Path(root).glob(pattern))]


def repository(root):
    """(owner, name) of pyproject's Repository URL."""
    with open(Path(root) / "pyproject.toml", "rb") as f:
        url = tomllib.load(f)["project"]["urls"]["Repository"].rstrip("/")
    match = re.fullmatch(r"https://github\.com/([\w-]+)/([\w.-]+)", url)
    if match is None:
        sys.exit(f"pyproject.toml: expected Repository = \"https://github.com/OWNER/NAME\", "
                 f"got {url!r}")
    return match.groups()


def rewrite(text, old, new):
    """`text` with the address `old` (owner, name) replaced by `new` in each of its forms."""
    (old_owner, old_name), (owner, name) = old, new
    after = r"(?![\w.-])"  # not the start of a longer name
    text = re.sub(rf"(github\.com/|/gh/|/github/){re.escape(old_owner)}/{re.escape(old_name)}"
                  + after, rf"\g<1>{owner}/{name}", text)
    return re.sub(rf"(?<![\w.-]){re.escape(old_owner)}\.github\.io/{re.escape(old_name)}" + after,
                  f"{owner}.github.io/{name}", text)


def set_repository(root=ROOT):
    """Rewrite every file under `root`; return the paths of those that changed."""
    new = repository(root)
    changed = []
    for path in files(root):
        with open(path, encoding="utf-8", newline="") as f:  # line endings kept as they are
            text = f.read()
        result = text
        for old in set(OURS.findall(text)) - {new}:
            result = rewrite(result, old, new)
        if result != text:
            changed.append(path)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(result)
    return changed


if __name__ == "__main__":
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT
    changed = set_repository(root)
    owner, name = repository(root)
    for path in changed:
        print(f"{path.relative_to(root)}: now points at https://github.com/{owner}/{name}")
    if not changed:
        print(f"Every link already points at https://github.com/{owner}/{name}")
