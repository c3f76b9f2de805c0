"""The message fuzzer, a fixed-seed slice of it: `invoke fuzz` runs a million steps (docs/reliability.md)."""
from __future__ import annotations

import pytest

from toolchain.fuzz import run_fuzz
from toolchain.image import build_image, load_image

pytestmark = pytest.mark.qemu

SEED, STEPS = 20240613, 20_000


def test_a_fixed_seed_slice_of_the_fuzzer_passes(outputs, tmp_path):
    """20,000 steps of seed 20240613: every answer right, no stray byte written, every kstat
    counter back after each chunk? (A failure prints the command that replays it.)"""
    image = load_image("fuzz")
    build_image(image, outputs)
    run = run_fuzz(image, outputs, tmp_path, SEED, STEPS)
    assert run.passed, (f"seed {SEED} step {run.fail_step}: {run.failure}\nreplay: "
                        f"{run.replay_command()}\nconsole log: {run.console_log}")
    assert run.done == STEPS and run.messages >= STEPS
