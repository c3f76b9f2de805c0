"""pytest plugin: every guest test case (kernel and userland) becomes its own pytest item.

Collection reads images/*.toml; a test image (its kernel command line has `ktap`) is built, and
its cases are listed from the ELF files without booting. The image boots once per session, on
the first of its items; each item then reports its own case: the guest's diagnostic lines are
the failure text, and a panic or timeout fails the cases it cut off with the reason.
"""
from __future__ import annotations

import fnmatch
import threading
from pathlib import Path

import pytest

from . import build as build_mod
from .guest import GuestCase, GuestRun, expected_cases, run_image
from .image import Image, ImageError, build_image, load_image
from .ktap import Status

_outputs_key = pytest.StashKey[object]()
_runs_key = pytest.StashKey[dict]()
_lock = threading.Lock()


def pytest_addoption(parser):
    group = parser.getgroup("damselfly", "Damselfly guest tests")
    group.addoption("--guest-cmdline", action="append", default=[], metavar="WORD",
                    help="add WORD to the kernel command line of test images (e.g. ktest.fault)")
    group.addoption("--no-guest", action="store_true", help="do not collect guest test cases")
    group.addoption("--case", default="", metavar="GLOB",
                    help="run only tests whose name (or node id) matches GLOB, e.g. 'kernel.vm.*'")
    group.addoption("--guest-logs", default=str(build_mod.BUILD / "test-logs"), metavar="DIR",
                    help="where each boot of a test image keeps its console log and QEMU files "
                         "(DIR/IMAGE/; default build/test-logs)")


def pytest_collection_modifyitems(config, items):
    pattern = config.getoption("case")
    if not pattern:
        return
    keep, drop = [], []
    for item in items:
        match = fnmatch.fnmatchcase(item.name, pattern) or fnmatch.fnmatchcase(item.nodeid, pattern)
        (keep if match else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def _outputs(config):
    if _outputs_key not in config.stash:
        config.stash[_outputs_key] = build_mod.build()
    return config.stash[_outputs_key]


def pytest_collect_file(file_path: Path, parent):
    if (file_path.suffix == ".toml" and file_path.parent.name == "images"
            and file_path.parent.parent == build_mod.ROOT and not parent.config.getoption("no_guest")):
        return ImageFile.from_parent(parent, path=file_path)
    return None


class GuestCaseFailed(Exception):
    """A guest case failed; its message is the guest's own account."""


class ImageFile(pytest.File):
    def collect(self):
        try:
            image = load_image(str(self.path))
        except ImageError as e:
            raise self.CollectError(str(e)) from None
        if not image.ktap or any(w.startswith("kbench=") for w in image.cmdline.split()):
            return      # not a test image; a kbench= image is a benchmark (`invoke bench`), not tests
        image.extra_cmdline = list(self.config.getoption("guest_cmdline"))
        try:
            outputs = _outputs(self.config)
            build_image(image, outputs)
        except Exception as e:        # a build error: show it as the collection error, whole
            raise self.CollectError(f"building image {image.name} failed:\n{e}") from None
        for case in expected_cases(image, outputs):
            item = GuestItem.from_parent(self, name=case.name, image=image, case=case)
            item.add_marker(pytest.mark.qemu)
            item.add_marker(pytest.mark.xdist_group(f"image-{image.name}"))
            yield item


class GuestItem(pytest.Item):
    def __init__(self, *, image: Image, case: GuestCase, **kw):
        super().__init__(**kw)
        self.image, self.case = image, case

    def _run(self) -> GuestRun:
        runs = self.config.stash.setdefault(_runs_key, {})
        with _lock:
            if self.image.name not in runs:
                # A fixed place, kept after the run: the console log a failure points to.
                workdir = Path(self.config.getoption("guest_logs")) / self.image.name
                workdir.mkdir(parents=True, exist_ok=True)
                runs[self.image.name] = run_image(self.image, _outputs(self.config), workdir)
        return runs[self.image.name]

    def runtest(self):
        status, text = self._run().outcome(self.name)
        if status == Status.SKIP:
            pytest.skip(text or "skipped by the guest")
        if status == Status.TODO:
            pytest.xfail(text or "TODO in the guest")
        if status != Status.PASS:
            raise GuestCaseFailed(text or "failed (the guest printed no diagnostics)")

    def repr_failure(self, excinfo):
        if excinfo.errisinstance(GuestCaseFailed):
            where = f"{self.case.file}:{self.case.line}: " if self.case.file else ""
            return f"{where}{self.name}\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.image.name}::{self.name}"


def pytest_terminal_summary(terminalreporter, config):
    runs = config.stash.get(_runs_key, {})
    for name, run in runs.items():
        first = (f"first KTAP result after {run.first_result_seconds:.3f} s (wall)"
                 if run.first_result_seconds is not None else "no KTAP result")
        terminalreporter.write_line(
            f"guest image {name}: {run.verdict.reason if run.verdict else '?'}; "
            f"{first}; console log {run.console_log}")
        for err in run.parser_errors:
            terminalreporter.write_line(f"  KTAP problem: {err}")
