"""Fixtures for the tests that drive the real ``pulumi`` CLI (marker ``engine``).

Without an engine they skip with one line saying how to build it; with
``ALIREAD_REQUIRE_ENGINE=1`` (as ``.ci/run`` sets it) they fail instead, so CI can never
pass by skipping them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from engine_harness import (
    HOW_TO_BUILD,
    Project,
    build_plugin_archive,
    build_wheel,
    find_engine,
    make_virtualenv,
    write_program,
)

ProjectFactory = Callable[..., Project]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.engine)


@pytest.fixture(scope="session")
def engine_bin() -> Path:
    found = find_engine()
    if found is None:
        if os.environ.get("ALIREAD_REQUIRE_ENGINE") == "1":
            pytest.fail(f"ALIREAD_REQUIRE_ENGINE=1 but {HOW_TO_BUILD}")
        pytest.skip(HOW_TO_BUILD)
    return found


@pytest.fixture(scope="session")
def wheel(engine_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from engine_harness import REPO

    return build_wheel(REPO, tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="session")
def program_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One virtualenv for every test program: the package from a wheel of this checkout
    (not editable, not PYTHONPATH) and the Pulumi SDK this suite runs with."""
    return make_virtualenv(tmp_path_factory.mktemp("program-venv") / "venv", wheel)


@pytest.fixture(scope="session")
def plugin_archive(program_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The provider plugin archive built from the program virtualenv, as README says;
    YAML, TypeScript and Go projects install it with ``Project.install_plugin``."""
    return build_plugin_archive(program_venv, tmp_path_factory.mktemp("plugin"))


@pytest.fixture
def new_project(engine_bin: Path, program_venv: Path, tmp_path: Path) -> ProjectFactory:
    """``new_project(program=...)`` or ``new_project(copy_of=folder)``: a project whose
    ``venv`` is the suite's virtualenv."""

    def make(program: str | None = None, copy_of: Path | None = None,
             venv: Path | None = None, name: str = "project") -> Project:
        folder = tmp_path / name
        if copy_of is not None:
            shutil.copytree(copy_of, folder, ignore=shutil.ignore_patterns("venv"))
        else:
            assert program is not None
            write_program(folder, program)
        (folder / "venv").symlink_to(venv or program_venv, target_is_directory=True)
        return Project(folder, engine_bin, venv or program_venv)

    return make
