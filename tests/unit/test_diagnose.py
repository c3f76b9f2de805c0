"""How a hang is named from CPU samples (toolchain/diagnose.py), against real built ELFs: no QEMU."""
from __future__ import annotations

import pytest
from elftools.elf.elffile import ELFFile

from toolchain.build import build
from toolchain.diagnose import Sample, cpu_state, place, summarize


def address(elf, name: str) -> int:
    with open(elf, "rb") as f:
        return ELFFile(f).get_section_by_name(".symtab").get_symbol_by_name(name)[0]["st_value"]


@pytest.fixture(scope="module")
def outputs():
    return build()


def test_kernel_samples_name_the_function_and_the_majority(outputs):
    """Four samples in hang_on_purpose and one in the clock interrupt: a kernel hang in
    hang_on_purpose, 4 of 5, with its source line and thread."""
    k = outputs.kernel
    spin, tick = address(k, "hang_on_purpose"), address(k, "clock_intr")
    samples = [Sample(spin + 2, 0, False, "thread0")] * 4 + [Sample(tick, 0, False, "thread0")]
    line, details = summarize(samples, k)
    assert line.startswith("kernel hang in hang_on_purpose() [kernel/tests/debug_test.c:")
    assert line.endswith("(thread thread0; 4 of 5 samples)")
    assert details.splitlines()[4] == f"sample 5: cpl 0 {place(samples[4], k)} (thread thread0)"
    assert "in clock_intr()" in details


def test_user_samples_name_the_program_and_function(outputs):
    """CPL 3 in vcpuspin's spin(): the function is looked up in that program, not in the kernel."""
    k, prog = outputs.kernel, outputs.programs["vcpuspin"]
    s = Sample(address(prog, "spin") + 1, 3, False, "vcpuspin", 2, "vcpuspin")
    line, _ = summarize([s] * 3, k)
    assert line.startswith("user hang in vcpuspin:spin() [userland/bin/vcpuspin.c:")
    assert line.endswith("(pid 2; 3 of 3 samples)")


def test_a_halted_cpu_in_every_sample_is_an_idle_guest(outputs):
    k = outputs.kernel
    idle = Sample(address(k, "lwkt_idle_loop") + 4, 0, True, "idle")
    line, _ = summarize([idle] * 5, k)
    assert line.startswith("the guest is idle: its CPU waits for an interrupt in lwkt_idle_loop()")
    assert "no thread is ready to run" in line and "5 of 5 samples" in line


def test_an_idle_guest_sampled_once_in_its_clock_tick_is_still_idle(outputs):
    """Three halted samples and two in the clock interrupt (a busy host delays ticks): idle, in
    the idle loop, halted in 3 of 5; two halted of five is not."""
    k = outputs.kernel
    idle = Sample(address(k, "lwkt_idle_loop") + 4, 0, True, "idle")
    tick = Sample(address(k, "clock_intr"), 0, False, "idle")
    line, _ = summarize([idle, tick, idle, tick, idle], k)
    assert line.startswith("the guest is idle: its CPU waits for an interrupt in lwkt_idle_loop()")
    assert "halted in 3 of 5 samples" in line
    line, _ = summarize([idle, tick, tick, tick, idle], k)
    assert line.startswith("kernel hang in clock_intr()")


def test_an_unknown_program_is_said_so(outputs):
    s = Sample(0x40000123, 3, False, "x", 7, "nosuchprogram")
    assert place(s, outputs.kernel).startswith("at eip 0x40000123 of program 'nosuchprogram' (no ELF in ")


def test_cpu_state_is_one_line():
    line = cpu_state({"eip": 0x10b448, "esp": 0x11be14, "cr2": 0, "cpl": 0})
    assert line == "last CPU state: eip 0010b448 esp 0011be14 cr2 00000000 cpl 0"
