"""Unit tests for toolchain.guest without booting: symbolizing a panic from console lines, and the
status and failure text GuestRun.outcome gives each expected case.

symbolize_console runs on synthetic console lines in the kernel's own format (kernel/arch/i386/trap.c,
kernel/kern/kern_shutdown.c) against the real kernel ELF, built with toolchain.build.build().
"""
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from toolchain.build import build
from toolchain.guest import GuestRun, symbolize_console
from toolchain.image import Image
from toolchain.ktap import Result


@pytest.fixture(scope="module")
def kernel() -> Path:
    return build().kernel


def symbol(path: Path, name: str) -> tuple[int, int]:
    """(address, size) of a function symbol, read with pyelftools directly."""
    with open(path, "rb") as f:
        syms = ELFFile(f).get_section_by_name(".symtab").get_symbol_by_name(name)
        assert syms, f"{name} not in {path}"
        return syms[0]["st_value"], syms[0]["st_size"]


def fault_lines(eip: int, trace: list[int]) -> list[str]:
    return (["ok 1 lib", "", f"panic: page fault (vector 14) at eip 0x{eip:08x}, address 0xdead0000, error 0x2",
             "backtrace:"] + [f"  #{n} 0x{a:08x}" for n, a in enumerate(trace)])


def test_page_fault_reason_names_function_and_file(kernel):
    """Does a page-fault panic at fault_on_purpose's eip give 'kernel panic: page fault at 0xdead0000
    in fault_on_purpose()' with its source file kernel/tests/debug_test.c?"""
    eip, _ = symbol(kernel, "fault_on_purpose")
    reason, _ = symbolize_console(fault_lines(eip, []), kernel)
    assert reason.startswith("kernel panic: page fault at 0xdead0000 in fault_on_purpose()")
    assert "kernel/tests/debug_test.c:" in reason


def test_backtrace_lines_get_function_names(kernel):
    """Do backtrace lines '  #N 0x...' after the panic become '  #N function+0xOFF (file:line)', in order?"""
    eip, size = symbol(kernel, "fault_on_purpose")
    caller, _ = symbol(kernel, "ktest_debug_fault_on_purpose")
    _, trace = symbolize_console(fault_lines(eip, [eip + 2, caller + 8]), kernel)
    assert len(trace) == 2
    assert trace[0].startswith("  #0 fault_on_purpose+0x2 (kernel/tests/debug_test.c:")
    assert trace[1].startswith("  #1 ktest_debug_fault_on_purpose+0x8 (kernel/tests/debug_test.c:")


def test_no_panic_gives_nothing(kernel):
    """Does a console without a panic give (None, []), even if it has backtrace-shaped lines?"""
    eip, _ = symbol(kernel, "fault_on_purpose")
    lines = ["KTAP version 1", "1..1", "ok 1 lib", f"  #1 0x{eip:08x}"]
    assert symbolize_console(lines, kernel) == (None, [])
    assert symbolize_console([], kernel) == (None, [])


def test_plain_panic_message(kernel):
    """Does a panic that is not a fault ('panic: WHAT') give 'kernel panic: WHAT'?"""
    reason, trace = symbolize_console(["booting", "panic: out of physical pages"], kernel)
    assert reason == "kernel panic: out of physical pages"
    assert trace == []


def test_fault_outside_any_function(kernel):
    """Does a fault at an eip that is in no function name the bare eip instead of a function?"""
    reason, _ = symbolize_console(["panic: general protection fault (vector 13) at eip 0x00000010"], kernel)
    assert reason == "kernel panic: general protection fault at eip 0x10"


def test_first_panic_wins(kernel):
    """When the console holds two panics (a panic while panicking), does the first one give the reason?"""
    eip, _ = symbol(kernel, "fault_on_purpose")
    lines = fault_lines(eip, []) + ["panic: recursive panic"]
    reason, _ = symbolize_console(lines, kernel)
    assert "fault_on_purpose" in reason


# -- GuestRun.outcome --------------------------------------------------------------------------
def new_run(**fields) -> GuestRun:
    image = Image(name="t", path=Path("t.toml"), description="", cmdline="ktap", programs=[])
    return GuestRun(image, **fields)


def result(name: str, status: str, reason: str = "", diagnostics: list[str] | None = None) -> Result:
    return Result(tuple(name.split(".")), 1, status, reason, diagnostics or [])


def test_pass():
    """Does a passing result give ('pass', ...)?"""
    run = new_run(results={"kernel.lib.glob_match": result("kernel.lib.glob_match", "pass")})
    assert run.outcome("kernel.lib.glob_match") == ("pass", "")


def test_skip_gives_its_reason():
    """Does a skipped result give ('skip', the reason the guest gave)?"""
    why = "only with ktest.fault on the kernel command line"
    run = new_run(results={"kernel.debug.fault_on_purpose": result("kernel.debug.fault_on_purpose", "skip", why)})
    assert run.outcome("kernel.debug.fault_on_purpose") == ("skip", why)


def test_failed_result_gives_its_diagnostics():
    """Does a failed result give ('fail', its diagnostic lines as text)?"""
    diags = ["# glob_match: EXPECT failed at kernel/tests/lib_test.c:27: glob_match(\"a*\", \"b\")",
             "# glob_match: 1 expectation failed"]
    run = new_run(results={"kernel.lib.glob_match": result("kernel.lib.glob_match", "fail", "", diags)})
    assert run.outcome("kernel.lib.glob_match") == ("fail", "\n".join(diags))


def test_missing_case_reports_parent_program_diagnostics():
    """Does a case that never reported, whose program failed with diagnostics, say 'no result' and
    include what its program reported (e.g. killed by a fault)?"""
    diag = "# test_x: exit status 142 (killed by a fault)"
    run = new_run(results={"test_x": result("test_x", "fail", "", [diag])},
                  end_reason="guest output ended (guest reported failures)",
                  console_log=Path("/tmp/t.console.log"))
    status, text = run.outcome("test_x.syscall.getpid_is_stable")
    assert status == "crashed"
    assert "no result" in text
    assert "test_x reported" in text
    assert diag in text
    assert "console log: /tmp/t.console.log" in text


def test_missing_case_prefers_nearest_failed_parent():
    """Does a missing case take the diagnostics of its nearest failed ancestor (the suite before the program)?"""
    run = new_run(results={
        "test_x": result("test_x", "fail", "", ["# program diag"]),
        "test_x.syscall": result("test_x.syscall", "fail", "", ["# suite diag"]),
    })
    _, text = run.outcome("test_x.syscall.case")
    assert "test_x.syscall reported" in text and "# suite diag" in text
    assert "# program diag" not in text


def test_missing_case_without_parent_gives_end_reason():
    """Does a case that never reported, with no failed parent, give the reason the output ended?"""
    run = new_run(end_reason="timeout: no end of guest output after 60 s")
    assert run.outcome("kernel.vm.case") == ("crashed", "timeout: no end of guest output after 60 s")
    assert new_run().outcome("kernel.vm.case") == ("crashed", "the guest stopped reporting")


def test_crashed_case_includes_panic_and_backtrace():
    """Does a case cut off by a panic give the panic reason, the backtrace and the guest's output
    before the end?"""
    panic = "kernel panic: page fault at 0xdead0000 in fault_on_purpose() [kernel/tests/debug_test.c:12]"
    trace = ["  #0 fault_on_purpose+0x0 (kernel/tests/debug_test.c:12)"]
    run = new_run(results={"kernel.debug.fault_on_purpose": result(
                      "kernel.debug.fault_on_purpose", "crashed", "", ["# about to fault"])},
                  panic=panic, backtrace=trace, end_reason=panic)
    status, text = run.outcome("kernel.debug.fault_on_purpose")
    assert status == "crashed"
    assert text.startswith(panic)
    assert trace[0] in text
    assert "guest output before the end:\n# about to fault" in text


def test_panic_beats_end_reason_for_missing_case():
    """When the guest panicked, does a case that never reported give the panic, not the end reason?"""
    run = new_run(panic="kernel panic: out of physical pages", end_reason="guest output ended (QEMU quit)")
    status, text = run.outcome("kernel.vm.page_exhaustion_and_recovery")
    assert status == "crashed" and text.startswith("kernel panic: out of physical pages")


def test_return_address_after_a_final_call_names_the_caller(kernel):
    """Is a backtrace frame (#1 and up: a return address) named after the function that made the
    call, even when that call is the function's last instruction?"""
    import shutil
    import subprocess
    objdump = shutil.which("objdump")
    if objdump is None:
        pytest.skip("objdump is not installed")
    start, size = symbol(kernel, "trap")
    dis = subprocess.run([objdump, "-d", "--no-show-raw-insn", f"--start-address={start:#x}",
                          f"--stop-address={start + size:#x}", str(kernel)],
                         capture_output=True, text=True, check=True).stdout
    insns = [line for line in dis.splitlines() if line.startswith("  ") and ":\t" in line]
    if not insns or "call" not in insns[-1]:
        pytest.skip("trap() no longer ends with a call")
    eip, _ = symbol(kernel, "fault_on_purpose")
    _, trace = symbolize_console(fault_lines(eip, [eip, start + size]), kernel)
    assert trace[1].startswith("  #1 trap+"), trace[1]


def test_guest_glob_has_only_star_and_question_mark():
    """The host lists cases with the guest's glob rules: '[' is an ordinary character there."""
    from toolchain.guest import guest_glob
    assert guest_glob("lwkt.switch", "lwkt.*")
    assert guest_glob("a.b", "a.?")
    assert not guest_glob("lwkt.a", "lwkt.[ab]")
    assert guest_glob("lwkt.[ab]", "lwkt.[ab]")
