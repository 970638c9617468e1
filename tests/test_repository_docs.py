"""The repository as a newcomer meets it: README documents every option, error class and
exit code there is; the license the package declares is there; examples agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pulumi_aliread import errors
from pulumi_aliread.cli import cli, exitcodes
from pulumi_aliread.core.apis import APIS

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("api", list(APIS))
def test_readme_documents_every_option_of_the_command(api):
    command = cli.commands[api]
    for param in command.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert f"`{opt}" in README, f"{api} {opt} is not in README"


def test_readme_shows_the_version_option():
    assert "aliread --version" in README


def test_readme_lists_every_error_class():
    for name in errors.__all__:
        assert re.search(rf"[`.]{name}`", README), name


def test_readme_lists_every_exit_code():
    table = README[README.index("### Exit codes"):README.index("### CI recipe")]
    codes = {value for name, value in vars(exitcodes).items()
             if name.isupper() and isinstance(value, int)}
    for code in codes:
        assert re.search(rf"(^\| |/ |else ){code}\b", table, re.M), code
    assert "internal error" in table


def test_the_declared_license_is_there():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert 'license = { text = "Apache-2.0" }' in (REPO / "pyproject.toml").read_text()


def test_the_example_venv_is_ignored():
    ignored = (REPO / ".gitignore").read_text().split()
    assert "venv/" in ignored


def test_no_example_says_to_install_from_pypi():
    for readme in (REPO / "examples").glob("*/README.md"):
        text = readme.read_text(encoding="utf-8")
        assert "pip install pulumi-aliread" not in text, readme


def test_every_example_program_has_a_readme_saying_how_to_run_it():
    for program in (REPO / "examples").glob("*/Pulumi.yaml"):
        readme = program.parent / "README.md"
        assert readme.exists(), f"{program.parent.name} has no README.md"
        text = readme.read_text(encoding="utf-8")
        assert "pulumi preview" in text and "make engine" in text, readme
