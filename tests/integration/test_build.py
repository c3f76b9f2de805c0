"""The build from a fresh copy of the tree: reproducible, incremental, and a no-op when nothing changed."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from toolchain import build as build_mod


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    """A copy of the tracked and new source files (no build/, no .venv) in a new directory."""
    dest = tmp_path_factory.mktemp("tree")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=build_mod.ROOT,
                           capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        src = build_mod.ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


@pytest.fixture(scope="module")
def first(tree, outputs):
    return build_mod.build(root=tree, build_dir=tree / "build")


def test_fresh_build_is_reproducible(first, outputs):
    """Does a build in another directory give byte-identical kernel and programs?"""
    assert first.kernel.read_bytes() == outputs.kernel.read_bytes()
    assert first.programs["demo"].read_bytes() == outputs.programs["demo"].read_bytes()


def test_noop_rebuild_does_nothing(tree, first):
    """With nothing changed, does a rebuild run no step at all?"""
    again = build_mod.build(root=tree, build_dir=tree / "build")
    assert again.ran == []


def test_header_change_rebuilds_only_its_dependents(tree, first):
    """Editing one header: are exactly the files that include it recompiled (dependency files)?"""
    header = tree / "kernel/include/dev/qemu.h"
    header.write_text(header.read_text() + "/* changed */\n")
    ran = build_mod.build(root=tree, build_dir=tree / "build").ran
    assert "CC   kernel/dev/qemu.c" in ran
    assert "CC   kernel/kern/kern_shutdown.c" in ran
    assert "CC   kernel/dev/serial.c" not in ran
    # Only a comment changed: the objects come out identical, so nothing needs relinking.
    assert "LD   kernel.elf" not in ran


def test_code_change_relinks_only_its_program(tree, first):
    """A kernel source that compiles to new code: is the kernel relinked and no user program?"""
    src = tree / "kernel/dev/serial.c"
    src.write_text(src.read_text() + "\nint serial_probe_for_test(void);\nint\nserial_probe_for_test(void)\n{\n\treturn 1;\n}\n")
    ran = build_mod.build(root=tree, build_dir=tree / "build").ran
    assert "CC   kernel/dev/serial.c" in ran
    assert "LD   kernel.elf" in ran
    assert not any(label.startswith("LD   ") and label != "LD   kernel.elf" for label in ran)


def test_touch_without_change_rebuilds_nothing(tree, first):
    """Touching a file without changing it: content hashes, not mtimes, decide."""
    build_mod.build(root=tree, build_dir=tree / "build")
    (tree / "kernel/kern/init_main.c").touch()
    assert build_mod.build(root=tree, build_dir=tree / "build").ran == []


def test_spec_change_regenerates_and_recompiles(tree, first):
    """Editing kernel/syscalls.toml: is the code regenerated and are its users rebuilt?"""
    spec = tree / "kernel/syscalls.toml"
    spec.write_text(spec.read_text().replace("Answer the calling process's id.", "Answer the process id."))
    ran = build_mod.build(root=tree, build_dir=tree / "build").ran
    assert any(label.startswith("GEN") for label in ran)
    assert "CC   build/gen/kernel/kern/syscall_table.c" in ran
    assert "CC   userland/bin/demo.c (user)" in ran     # it includes sys/sysmsg.h


def test_flag_change_rebuilds(tree, first, monkeypatch):
    """Changing the pinned flags: does every compile step see it as a new input?"""
    monkeypatch.setattr(build_mod, "COMMON_FLAGS", build_mod.COMMON_FLAGS + ["-DFLAG_TEST=1"])
    ran = build_mod.build(root=tree, build_dir=tree / "build").ran
    assert "CC   kernel/dev/serial.c" in ran
