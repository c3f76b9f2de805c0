"""Integration tests: they build the tree once per session and boot images in QEMU."""
from __future__ import annotations

import pytest

from toolchain import build as build_mod
from toolchain.image import Image, build_image, load_image
from toolchain.machine import MachineConfig


@pytest.fixture(scope="session")
def outputs():
    """The whole tree, built (incrementally) once per session."""
    return build_mod.build()


@pytest.fixture(scope="session")
def default_image(outputs) -> Image:
    image = load_image("default")
    build_image(image, outputs)
    return image


@pytest.fixture(scope="session")
def make_image(outputs):
    """make_image(name, cmdline, programs): an image made on the spot, built under build/images/NAME."""
    def make(name: str, cmdline: str, programs: list[str], timeout: float = 30) -> Image:
        image = Image(name=name, path=build_mod.ROOT / "images" / f"{name}.toml", description=name,
                      cmdline=cmdline, programs=programs, machine=MachineConfig(timeout=timeout))
        build_image(image, outputs)
        return image
    return make
