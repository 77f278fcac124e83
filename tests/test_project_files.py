"""What a contributor expects to find: a citation file, a changelog, contribution notes and a
pre-commit configuration, each consistent with pyproject.toml and the tests it names."""

import re

import yaml
from _notebooks import ROOT, pyproject, repository_url


def test_citation_cff_has_the_required_fields_and_agrees_with_pyproject():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    for key in ("cff-version", "message", "title", "authors"):
        assert cff.get(key), f"CITATION.cff: {key} is required"
    assert cff["cff-version"] == "1.2.0"
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    assert cff["version"] == pyproject()["project"]["version"]
    assert cff["repository-code"] == repository_url()
    owner, name = repository_url().removeprefix("https://github.com/").split("/")
    assert cff["url"] == f"https://{owner}.github.io/{name}/", "the GitHub Pages address"


def test_changelog_has_an_unreleased_section_on_top():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## \[([^\]]+)\]", text, re.M)
    assert sections and sections[0] == "Unreleased"


def test_contributing_names_files_that_exist():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    for path in re.findall(r"`((?:helpers|tests|scripts|bench|site)/[\w./]+\.(?:py|txt))`", text):
        if "NN" not in path:  # helpers/nbNN.py: the pattern, not a file
            assert (ROOT / path).is_file(), f"CONTRIBUTING.md names {path}, which is not there"
    for target in re.findall(r"`make ([a-z-]+)`", text):
        assert re.search(rf"^{target}:", (ROOT / "Makefile").read_text(), re.M), target


def test_pre_commit_hooks_run_tests_that_exist_and_ruff_is_recent_enough():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    repos = {repo["repo"]: repo for repo in config["repos"]}
    ruff = repos["https://github.com/astral-sh/ruff-pre-commit"]
    floor = next(r for r in pyproject()["project"]["optional-dependencies"]["test"]
                 if r.startswith("ruff"))
    as_tuple = lambda v: tuple(int(x) for x in re.findall(r"\d+", v))  # noqa: E731
    assert as_tuple(ruff["rev"]) >= as_tuple(floor.split(">=")[1])
    for hook in repos["local"]["hooks"]:
        for path in re.findall(r"tests/\S+\.py", hook["entry"]):
            assert (ROOT / path).is_file(), f"pre-commit hook {hook['id']}: no {path}"
