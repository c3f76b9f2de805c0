"""`invoke smp-stress` (toolchain/stress.py): boots the kernel's SMP cases repeatedly."""
from __future__ import annotations

import pytest

from toolchain.stress import smp_image, stress

pytestmark = pytest.mark.qemu


def test_stress_boots_each_cpu_count_and_finds_no_failure(outputs, tmp_path):
    """Two boots at 2 and at 3 CPUs of the smp group: four boots, each passing, each at its
    count (the image says so, and every_cpu_runs_and_ticks would skip with one CPU)."""
    seen = []
    boots, failures = stress(outputs, 2, [2, 3], tmp_path, progress=lambda n, i, ok: seen.append((n, ok)))
    assert boots == 4 and not failures, failures
    assert seen == [(2, True), (2, True), (3, True), (3, True)]
    assert smp_image(3).machine.cpus == 3 and "ktest=smp.*" in smp_image(3).cmdline


def test_a_boot_that_ran_nothing_is_a_failure_with_its_log(outputs, tmp_path):
    """A glob that matches no case: the guest passes, having run nothing; stress must call
    that a failure (nothing ran is not a pass), naming the glob and the console log."""
    boots, failures = stress(outputs, 1, [2], tmp_path, glob="no.such.case")
    assert boots == 1 and len(failures) == 1
    assert failures[0].cpus == 2 and failures[0].log is not None and failures[0].log.exists()
    assert "no test case matched no.such.case" in failures[0].reason
