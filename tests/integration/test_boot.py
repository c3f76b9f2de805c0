"""Boot real images and check what the console, QMP and the exit status say."""
from __future__ import annotations

import asyncio
import re

import pytest

from toolchain.guest import run_image
from toolchain.machine import Machine, MachineConfig, MachineError, MachineTimeout

pytestmark = pytest.mark.qemu


def test_default_image_runs_the_demo_then_the_shell(outputs, default_image, tmp_path):
    """Does the default image print the banner, run the demo in ring 3, end in a working shell
    (a program with arguments, ps, an unknown command), and power off with 'pass' on exit?"""
    with Machine(default_image.machine_config(outputs), tmp_path) as m:
        m.wait_for(r"^Damselfly \d+\.\d+ \(i386\)", 10)
        m.wait_for(r"hello from ring 3, delivered by a write message", 10)
        m.wait_for(r"command 999 .*ENOSYS", 10)
        m.wait_for(r"kernel address.*EFAULT", 10)
        m.wait_for(r"errno = EBADF", 10)
        m.wait_for(r"^\$ ", 10)
        m.send("hello one two\n")
        m.wait_for(r"hello from pid \d+: \[hello\] \[one\] \[two\]", 10)
        m.send("ps\n")
        m.wait_for(r"PID\s+PPID\s+PGID.*\n(.*\n)*\s+(\d+)\s+0\s+\2\+ R\s+1\s+\d+ \S+\s+sh", 10)
        m.send("nosuch\n")
        m.wait_for(r"sh: nosuch: No such file or directory", 10)
        m.send("exit\n")
        verdict = m.wait_exit(10)
    assert verdict.outcome == "pass" and verdict.exit_code == 1
    assert "demo: done" in m.log_path.read_text()    # the log file has everything too


def test_qmp_answers_while_running(outputs, default_image, tmp_path):
    """Can the harness talk QMP to the guest (query-status) while it runs?"""
    cfg = default_image.machine_config(outputs)
    with Machine(cfg, tmp_path, start_paused=True) as m:
        assert m.qmp("query-status")["status"] == "prelaunch"
        m.qmp("cont")
        m.wait_for(r"^\$ ", 10)
        assert m.qmp("query-status")["status"] == "running"
        m.send("exit\n")
        assert m.wait_exit(10).outcome == "pass"


def test_invoke_qmp_errors_are_clear(outputs, default_image, tmp_path):
    """`invoke qmp` with a command QEMU does not know, or arguments that are not JSON: a QmpError
    with QEMU's reason and what to do, not a traceback; a good command still answers."""
    from toolchain.cli import QmpError, _qmp_session
    from toolchain.inspect import attachable_args, run_files
    cfg = default_image.machine_config(outputs, extra_args=attachable_args(tmp_path, "q"))
    sock, _ = run_files(tmp_path, "q")
    with Machine(cfg, tmp_path / "run", start_paused=True):
        with pytest.raises(QmpError) as e:
            asyncio.run(_qmp_session(sock, "no-such-command", ""))
        assert str(e.value) == ("QEMU refused no-such-command: The command no-such-command has not been found; "
                                "`invoke qmp query-commands` lists the commands")
        with pytest.raises(QmpError, match=r"the arguments of human-monitor-command are not JSON"):
            asyncio.run(_qmp_session(sock, "human-monitor-command", "{command-line: info}"))
        with pytest.raises(QmpError, match=r"QEMU refused human-monitor-command: .*command-line"):
            asyncio.run(_qmp_session(sock, "human-monitor-command", "{}"))
        asyncio.run(_qmp_session(sock, "query-status", ""))


def test_wait_for_timeout_reports_console_command_and_reason(outputs, default_image, tmp_path):
    """Does a wait that cannot succeed raise with the reason, the last console lines and the command?"""
    with Machine(default_image.machine_config(outputs), tmp_path) as m:
        m.wait_for(r"^\$ ", 10)
        with pytest.raises(MachineTimeout) as e:
            m.wait_for(r"this text never appears", 1)
        m.send("exit\n")
        with pytest.raises(MachineTimeout) as e2:
            m.wait_for(r"this text never appears either", 10)
    text = str(e.value)
    assert "waiting for /this text never appears/: timed out after 1 s" in text
    assert "demo: done" in text                         # the last console lines
    assert "qemu-system-i386" in text and "-nodefaults" in text
    assert "QEMU exited with status 1" in str(e2.value)  # the guest ended first: said so, no blind wait


def test_qemu_that_cannot_start_reports_status_and_stderr(outputs, tmp_path):
    """When QEMU refuses its options, does the error carry its exit status and its own message?"""
    cfg = MachineConfig(kernel=outputs.kernel, extra_args=["-no-such-option"])
    with pytest.raises(MachineError) as e:
        with Machine(cfg, tmp_path):
            pass
    assert "before it connected" in str(e.value)
    assert "no-such-option" in str(e.value)


def test_user_fault_kills_only_that_process(outputs, make_image, tmp_path):
    """A program writing through NULL: is it killed with a report while the next program still runs?"""
    image = make_image("faultiso", "init=fault,demo", ["fault", "demo"])
    with Machine(image.machine_config(outputs), tmp_path) as m:
        m.wait_for(r"proc 1 \(fault\): page fault \(vector 14\) at eip 0x[0-9a-f]+, "
                   r"address 0x00000000 \(write\): killed", 10)
        m.wait_for(r"init: fault: killed by signal 11", 10)
        m.wait_for(r"demo: done", 10)
        verdict = m.wait_exit(10)
    assert verdict.outcome == "fail" and not verdict.panicked


def test_interactive_program_fails_only_by_a_signal(outputs, make_image, tmp_path):
    """interactive= excuses an exit status, not a death: a program named there that is killed
    (fault) still fails the run, and a non-zero status of one not named there (false) too."""
    image = make_image("interactivefail", "init=fault,false interactive=fault", ["fault", "false"])
    with Machine(image.machine_config(outputs), tmp_path) as m:
        m.wait_for(r"init: fault: killed by signal 11", 10)
        m.wait_for(r"init: false: exit status 1$", 10)
        assert m.wait_exit(10).outcome == "fail"
    cfg = image.machine_config(outputs, cmdline="init=false interactive=true,false")
    with Machine(cfg, tmp_path / "excused") as m:
        m.wait_for(r"init: false: exit status 1 \(interactive: not a failure\)", 10)
        assert m.wait_exit(10).outcome == "pass"


def test_missing_program_is_reported_not_fatal(outputs, make_image, tmp_path):
    """init= naming a program the initrd lacks: a clear message, and the kernel goes on."""
    image = make_image("noprog", "init=demo", ["demo"])
    cfg = image.machine_config(outputs, cmdline="init=nosuch,demo")
    with Machine(cfg, tmp_path) as m:
        m.wait_for(r"init: cannot run /bin/nosuch: No such file or directory", 10)
        m.wait_for(r"demo: done", 10)
        assert m.wait_exit(10).outcome == "fail"


def test_deliberate_kernel_fault_names_fault_and_function(outputs, make_image, tmp_path):
    """With ktest.fault, does the faulting kernel test fail with the fault, address and function?"""
    image = make_image("panic", "ktap ktest=debug.* ktest.fault", [])
    run = run_image(image, outputs, tmp_path)
    assert run.verdict.panicked and run.verdict.outcome == "panic"
    status, text = run.outcome("kernel.debug.fault_on_purpose")
    assert status == "crashed"
    assert re.search(r"kernel panic: page fault at 0xdead0000 in fault_on_purpose\(\) "
                     r"\[kernel/tests/debug_test\.c:\d+\]", text), text
    assert "ktest_run" in text                          # the symbolized backtrace


@pytest.mark.parametrize("flag, thread", [("ktest.overflow", "stack-hog"), ("ktest.overflow0", "thread0")])
def test_kernel_stack_overflow_is_a_clean_panic(outputs, make_image, tmp_path, flag, thread):
    """A kernel thread (or the boot context) that runs off its stack: does the guard page below it
    turn that into one clear panic naming the thread, rather than silent corruption?"""
    image = make_image("overflow", f"ktap ktest=debug.* {flag}", [])
    run = run_image(image, outputs, tmp_path)
    assert run.verdict.panicked and run.verdict.outcome == "panic"
    assert run.panic is not None and f"kernel stack overflow in {thread}" in run.panic, run.panic
    assert "eat_stack" in "\n".join(run.backtrace)


def test_boot_to_first_ktap_result_is_quick(outputs, make_image, tmp_path):
    """Does the test image reach its first KTAP result (recorded for the notes, not a timing test)?"""
    image = make_image("firstresult", "ktap ktest=lib.glob_match", [])
    run = run_image(image, outputs, tmp_path)
    assert run.outcome("kernel.lib.glob_match")[0] == "pass"
    assert run.first_result_seconds is not None


def test_deterministic_mode_repeats_exactly(outputs, make_image, tmp_path):
    """In deterministic mode, do two boots print the same console, TSC (instruction count) included?"""
    image = make_image("det", "init=demo,hello", ["demo", "hello"])
    logs = []
    for n in range(2):
        cfg = image.machine_config(outputs, deterministic=True)
        assert "-icount" in cfg.argv("stdio", None)
        with Machine(cfg, tmp_path / str(n)) as m:
            tsc = int(m.wait_for(r"powering off \(tsc (\d+)\)", 20).group(1))
            assert m.wait_exit(10).outcome == "pass"
        logs.append((tsc, m.console))
    assert logs[0][0] > 0
    assert logs[0] == logs[1]
