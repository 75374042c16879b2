"""The project's own packaging metadata, as pip and packaging/build.sh read it."""
from __future__ import annotations

import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pyproject_applies_without_a_setuptools_deprecation():
    """``license = { text = "MIT" }`` made setuptools print a 12-line deprecation notice
    for every build step of ``pip install .`` (packaging/build.sh showed it four times) and
    says such builds stop working after 2027-02-18: the licence is an SPDX string now."""
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dist = apply_configuration(Distribution(), ROOT / "pyproject.toml")
    assert dist.metadata.license_expression == "MIT"
