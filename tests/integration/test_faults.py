"""Every way a run ends is named in one line: a triple fault, a reset, a kernel hang, a user hang,
an idle guest, QEMU killed from outside. The faults are provoked on purpose: kernel tests that
run only with their word on the command line (kernel/tests/debug_test.c), and vcpuspin, whose
thread computes forever."""
from __future__ import annotations

import os
import re
import signal

import pytest

from toolchain.guest import run_image
from toolchain.machine import Machine, Outcome

pytestmark = pytest.mark.qemu

HANG_TIMEOUT = 3        # seconds: the hang tests' images give up this soon


def every_figure(run) -> set[str]:
    """Every 'N s' a run's messages quote (its verdict, its end, its cases' texts)."""
    texts = [run.verdict.reason, run.end_reason] + [run.outcome(c)[1] for c in run.results]
    return set(re.findall(r"(\d+(?:\.\d+)?) s\b", "\n".join(texts)))


def test_triple_fault_is_named_with_its_place_and_cpu_state(outputs, make_image, tmp_path):
    """An IDT of limit 0 and a breakpoint: does the run end as a triple fault in the function
    that caused it, with the CPU's last state, and do the cases it cut off say so?"""
    image = make_image("triplefault", "ktap ktest=debug.* ktest.triple_fault", [])
    run = run_image(image, outputs, tmp_path)
    v = run.verdict
    assert v.outcome == Outcome.TRIPLE_FAULT, v
    assert re.match(r"triple fault in triple_fault_on_purpose\(\) \[kernel/tests/debug_test\.c:\d+\] "
                    r"\(thread \w+\): the CPU could deliver neither an exception nor the double fault", v.reason)
    # eip in the kernel's text, which is loaded at 1 MiB and has grown past 0x110000
    assert re.match(r"last CPU state: eip 001[0-9a-f]{5} esp [0-9a-f]{8} .* cpl 0$", v.details), v.details
    status, text = run.outcome("kernel.debug.triple_fault")
    assert status == "crashed" and v.reason in text and "last CPU state" in text
    assert run.outcome("kernel.debug.fault_on_purpose")[0] == "skip"      # before it: reported as usual


def test_reset_is_named_apart_from_a_triple_fault(outputs, make_image, tmp_path):
    """A reset asked of the chipset: is it a reset (not a triple fault, not a silent end), where
    the kernel asked for it?"""
    image = make_image("reset", "ktap ktest=debug.* ktest.reset", [])
    run = run_image(image, outputs, tmp_path)
    assert run.verdict.outcome == Outcome.RESET, run.verdict
    assert re.match(r"the guest asked for a reset in reset_on_purpose\(\) \[kernel/tests/debug_test\.c:\d+\] "
                    r"\(thread \w+\); QEMU stopped it \(-no-reboot\)$", run.verdict.reason)
    status, text = run.outcome("kernel.debug.reset")
    assert status == "crashed" and "the guest asked for a reset" in text


def test_kernel_hang_names_the_function_and_one_timeout(outputs, make_image, tmp_path):
    """A kernel test that spins: when the image's timeout passes, does the run say 'kernel hang in'
    the spinning function, and quote that one timeout everywhere (not a second wait's)?"""
    image = make_image("kernelhang", "ktap ktest=debug.* ktest.hang", [], timeout=HANG_TIMEOUT)
    run = run_image(image, outputs, tmp_path)
    assert run.verdict.outcome == Outcome.TIMEOUT
    assert re.match(rf"timeout after {HANG_TIMEOUT} s: kernel hang in hang_on_purpose\(\) "
                    r"\[kernel/tests/debug_test\.c:\d+\] \(thread \w+; [1-5] of 5 samples\)$", run.verdict.reason)
    assert every_figure(run) == {str(HANG_TIMEOUT)}
    status, text = run.outcome("kernel.debug.hang")
    assert status == "crashed" and "kernel hang in hang_on_purpose()" in text
    assert "sample 1: cpl 0" in text


def test_user_hang_names_the_program_and_function(outputs, make_image, tmp_path):
    """vcpuspin's thread computes forever in ring 3: is it a user hang in vcpuspin:spin(), with
    the process?"""
    image = make_image("userhang", "ktap utest=stay init=vcpuspin", ["vcpuspin"], timeout=HANG_TIMEOUT)
    run = run_image(image, outputs, tmp_path)
    assert run.verdict.outcome == Outcome.TIMEOUT
    assert re.match(rf"timeout after {HANG_TIMEOUT} s: user hang in vcpuspin:spin\(\) \[userland/bin/vcpuspin\.c:\d+\] "
                    r"\(pid \d+; [1-5] of 5 samples\)$", run.verdict.reason)
    assert every_figure(run) == {str(HANG_TIMEOUT)}
    assert run.outcome("vcpuspin")[0] == "crashed"


def test_a_guest_waiting_for_nothing_is_idle_not_a_hang(outputs, make_image, tmp_path):
    """The shell waits for input that never comes: is that an idle guest (the CPU halted in the
    idle loop), not a hang in some function?"""
    image = make_image("idlewait", "ktap init=sh", ["sh"], timeout=HANG_TIMEOUT)
    run = run_image(image, outputs, tmp_path)
    assert run.verdict.outcome == Outcome.TIMEOUT
    assert re.match(rf"timeout after {HANG_TIMEOUT} s: the guest is idle: its CPU waits for an interrupt in "
                    r"\w+\(\) \[kernel/kern/\w+\.c:\d+\] and no thread is ready to run", run.verdict.reason)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["sigkill", "sigterm"])
def test_qemu_killed_from_outside_is_named(outputs, default_image, tmp_path, sig):
    """Someone kills QEMU while the guest runs: does the verdict say it was killed, by which
    signal, and not blame the guest?"""
    with Machine(default_image.machine_config(outputs), tmp_path) as m:
        m.wait_for(r"^\$ ", 10)
        os.kill(m.proc.pid, sig)
        v = m.wait_exit(10)
    assert v.outcome == Outcome.KILLED, v
    assert v.reason.startswith(f"QEMU was killed by {sig.name}") and "not by the harness" in v.reason
