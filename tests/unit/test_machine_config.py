"""Unit tests for toolchain.machine.MachineConfig.argv: the QEMU command line, without starting QEMU."""
from pathlib import Path

import pytest

from toolchain.machine import DETERMINISTIC_ARGS, MachineConfig

CONSOLE = "/tmp/dfly-sock-x/console"   # base path of the FIFOs console.in / console.out
QMP = "/tmp/dfly-sock-x/qmp.sock"


def has_run(argv: list[str], seq: list[str]) -> bool:
    """seq appears in argv as consecutive items (an option and its value)."""
    n = len(seq)
    return any(argv[i:i + n] == seq for i in range(len(argv) - n + 1))


def without_run(argv: list[str], seq: list[str]) -> list[str]:
    n = len(seq)
    for i in range(len(argv) - n + 1):
        if argv[i:i + n] == seq:
            return argv[:i] + argv[i + n:]
    raise AssertionError(f"{seq} not in {argv}")


@pytest.fixture
def config() -> MachineConfig:
    return MachineConfig(kernel=Path("/k/kernel.elf"), initrd=Path("/k/initrd.tar"), cmdline="init=demo")


def test_base_options(config):
    """Does the command start qemu-system-i386 paused, headless, without reboot or default devices,
    with the kernel, initrd, memory and CPU count given?"""
    argv = config.argv(CONSOLE, QMP)
    assert Path(argv[0]).name == "qemu-system-i386"
    assert "-S" in argv
    assert has_run(argv, ["-display", "none"])
    assert "-no-reboot" in argv and "-nodefaults" in argv
    assert has_run(argv, ["-kernel", "/k/kernel.elf"])
    assert has_run(argv, ["-initrd", "/k/initrd.tar"])
    assert has_run(argv, ["-m", "64M"])
    assert has_run(argv, ["-smp", "1"])


def test_exit_and_panic_devices(config):
    """Are isa-debug-exit at iobase 0xf4, pvpanic and -action panic=pause all on the command line?"""
    argv = config.argv(CONSOLE, QMP)
    exit_dev = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "-device" and "isa-debug-exit" in argv[i + 1]]
    assert len(exit_dev) == 1 and "iobase=0xf4" in exit_dev[0].split(",")
    assert has_run(argv, ["-device", "pvpanic"])
    assert has_run(argv, ["-action", "panic=pause"])


def test_panic_action_is_configurable(config):
    """Does panic_action change -action panic=...?"""
    config.panic_action = "shutdown"
    argv = config.argv(CONSOLE, QMP)
    assert has_run(argv, ["-action", "panic=shutdown"]) and "panic=pause" not in argv


def test_fifo_console_with_logfile_and_qmp(config):
    """Is the serial port a pipe chardev on the given FIFOs, logging to the log file, and QMP on
    unix:PATH?"""
    argv = config.argv(CONSOLE, QMP, "/tmp/con.log")
    assert has_run(argv, ["-chardev", f"pipe,id=con0,path={CONSOLE},logfile=/tmp/con.log"])
    assert has_run(argv, ["-serial", "chardev:con0"])
    assert has_run(argv, ["-qmp", f"unix:{QMP}"])
    assert "-mon" not in argv and not any(a.startswith("stdio") for a in argv)


def test_no_qmp(config):
    """Does qmp=None leave -qmp out?"""
    assert "-qmp" not in config.argv(CONSOLE, None)


def test_deterministic_adds_exactly_icount_and_rtc(config):
    """Does deterministic=True add exactly -icount shift=0,sleep=off -rtc base=2026-01-01T00:00:00,clock=vm
    (and nothing when False)?"""
    expected = ["-icount", "shift=0,sleep=off", "-rtc", "base=2026-01-01T00:00:00,clock=vm"]
    assert DETERMINISTIC_ARGS == expected
    plain = config.argv(CONSOLE, QMP)
    assert "-icount" not in plain and "-rtc" not in plain
    config.deterministic = True
    det = config.argv(CONSOLE, QMP)
    assert has_run(det, expected)
    assert without_run(det, expected) == plain


def test_stdio_console_is_a_mux_with_monitor(config):
    """In stdio mode, is the console a mux chardev shared by the serial port and the monitor, so
    Ctrl-A X (and Ctrl-A C) work, with signal=off so that Ctrl-C reaches the guest (its SIGINT),
    and no socket chardev?"""
    argv = config.argv("stdio", None)
    chardevs = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "-chardev"]
    assert len(chardevs) == 1
    opts = chardevs[0].split(",")
    assert opts[0] == "stdio" and "mux=on" in opts and "id=con0" in opts
    assert "signal=off" in opts
    assert has_run(argv, ["-serial", "chardev:con0"])
    mon = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "-mon"]
    assert mon and "chardev=con0" in mon[0].split(",")
    assert not any("socket" in c for c in chardevs)


def test_gdb_port(config):
    """Does gdb_port add -gdb tcp:127.0.0.1:PORT, and no gdbstub without it?"""
    assert "-gdb" not in config.argv(CONSOLE, QMP)
    config.gdb_port = 1234
    assert has_run(config.argv(CONSOLE, QMP), ["-gdb", "tcp:127.0.0.1:1234"])


def test_cmdline_goes_to_append_as_one_argument(config):
    """Does the kernel command line go to -append as one argument, and is -append left out when empty?"""
    config.cmdline = "ktap ktest=* init=test_syscalls,test_libcr"
    assert has_run(config.argv(CONSOLE, QMP), ["-append", "ktap ktest=* init=test_syscalls,test_libcr"])
    config.cmdline = ""
    assert "-append" not in config.argv(CONSOLE, QMP)


def test_no_initrd():
    """Does a config without an initrd leave -initrd out?"""
    argv = MachineConfig(kernel=Path("/k/kernel.elf")).argv(CONSOLE, QMP)
    assert "-initrd" not in argv


def test_memory_cpus_and_extra_args():
    """Do memory and cpus reach -m and -smp, and do extra_args come last, in order?"""
    cfg = MachineConfig(kernel=Path("/k"), memory="256M", cpus=2, extra_args=["-d", "int"])
    argv = cfg.argv(CONSOLE, QMP)
    assert has_run(argv, ["-m", "256M"]) and has_run(argv, ["-smp", "2"])
    assert argv[-2:] == ["-d", "int"]


def test_unpaused_command_for_booting_by_hand(config):
    """The command written to qemu.cmd (paused=False) must run the guest at once: no -S."""
    assert "-S" in config.argv("stdio", None)
    assert "-S" not in config.argv("stdio", None, paused=False)
