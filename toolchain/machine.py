"""One QEMU guest, driven from Python: the harness behind `invoke boot`, the tests and benchmarks.

QEMU starts paused (-S); it connects to the QMP socket this process listens on, and its serial
console is a pair of FIFOs this process created; only then does `cont` run the guest, so no
console byte and no QMP event is missed. QEMU also writes the console to a log file itself.

Why FIFOs and not a socket chardev: QEMU sends the serial port's output one byte per write, and a
Unix socket charges each such write about a kilobyte of buffer, so a socket fills after a few
hundred bytes whenever the reader is a little late; the guest then sees its transmitter busy and
polls longer. That lets host scheduling change guest instruction counts, which deterministic
mode must not allow. A FIFO (enlarged to 1 MiB) holds bytes as bytes, and never fills in practice. The guest's verdict arrives as QEMU's
exit status from isa-debug-exit (iobase 0xf4: a value v written by the guest makes QEMU exit with
(v << 1) | 1):

    exit 1  guest wrote 0: pass          exit 3  guest wrote 1: failures
    exit 5  guest wrote 2: kernel panic  exit 0  QEMU quit (QMP quit, Ctrl-A X)
    other   QEMU itself failed (bad option, missing file): see its stderr

A kernel panic also signals pvpanic; QEMU runs with -action panic=pause, so the GUEST_PANICKED
event reaches us with the guest's memory intact (for inspection) before we end it. A triple
fault or a reset the guest asks for would restart the machine; with -no-reboot and
-action shutdown=pause QEMU stops it instead and says SHUTDOWN (reason guest-reset), so its
last CPU state can be read; QEMU's own log (-d cpu_reset) tells a triple fault from a reset.
Every way a run ends is an Outcome, and its Verdict says it in one line (diagnose.py).

A run has one timeout (MachineConfig.timeout), counted from the start: waiting for output and
for the verdict share it, and every message quotes that one figure. When it passes, the guest
is sampled to name where it is stuck: kernel or user code, which function, which program.

Whatever happens, no QEMU outlives its Machine: the context manager quits or kills it (at once
on Ctrl-C, raising Interrupted), QEMU gets SIGKILL if this process dies (PR_SET_PDEATHSIG), and
an atexit hook kills any left over.
"""
from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import fcntl
import os
import re
import shlex
import signal
import select
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from .tools import require
from .errors import ToolchainError

F_SETPIPE_SZ = 1031        # fcntl: resize a pipe (Linux)


class Outcome(StrEnum):
    """How a run ended; a StrEnum, so it compares equal to its value ("pass")."""
    PASS = "pass"                   # the guest reported success (isa-debug-exit 0)
    FAIL = "fail"                   # the guest reported failures (isa-debug-exit 1)
    PANIC = "panic"                 # kernel panic: pvpanic, or isa-debug-exit 2
    TRIPLE_FAULT = "triple-fault"   # the CPU could not deliver a fault, nor the double fault
    RESET = "reset"                 # the guest asked for a reset (chipset or keyboard controller)
    TIMEOUT = "timeout"             # the run's timeout passed first
    QUIT = "quit"                   # QEMU was told to quit (QMP quit, Ctrl-A X)
    KILLED = "killed"               # QEMU died of a signal the harness did not send
    ERROR = "error"                 # QEMU itself failed (bad option, missing file)


DEBUG_EXIT = {1: Outcome.PASS, 3: Outcome.FAIL, 5: Outcome.PANIC, 0: Outcome.QUIT}
DETERMINISTIC_ARGS = ["-icount", "shift=0,sleep=off", "-rtc", "base=2026-01-01T00:00:00,clock=vm"]

_live: set[subprocess.Popen] = set()


@atexit.register
def _kill_leftovers() -> None:
    for proc in list(_live):
        with contextlib.suppress(OSError):
            proc.kill()


def _die_with_parent() -> None:
    """In the child before exec: get SIGKILL when the parent dies, and leave its process group
    so a terminal's Ctrl-C reaches Python, which then shuts QEMU down in order."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)          # PR_SET_PDEATHSIG
    os.setpgid(0, 0)


class MachineError(ToolchainError):
    """QEMU could not start or misbehaved; the message has the command and QEMU's output."""


class MachineTimeout(MachineError):
    """Something did not happen in time; the message has the reason, the last console lines
    and the QEMU command."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) during a guest run: QEMU was ended at once; the message says which."""


def honour_sigint():
    """Make SIGINT raise KeyboardInterrupt while a guest runs, even in a process started with it
    ignored (a background job of a non-interactive shell would otherwise ignore Ctrl-C and
    `kill -INT` until the run's timeout). Returns what to give restore_sigint, or None when
    nothing changed (already honoured, or not the main thread, where handlers live)."""
    if threading.current_thread() is threading.main_thread() \
            and signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        return signal.signal(signal.SIGINT, signal.default_int_handler)
    return None


def restore_sigint(previous) -> None:
    if previous is not None:
        signal.signal(signal.SIGINT, previous)


FIRMWARE = {
    # name: (file, Debian package); None means QEMU's default (SeaBIOS)
    "qboot": ("/usr/share/qemu/qboot.rom", "qemu-system-data"),
    "seabios": (None, "seabios"),
}


def firmware_args(name: str) -> list[str]:
    """The -bios option for a firmware name; MachineError when unknown or not installed."""
    if name not in FIRMWARE:
        raise MachineError(f"unknown firmware {name!r}; choose one of {sorted(FIRMWARE)}")
    path, package = FIRMWARE[name]
    if path is None:
        return []
    if not Path(path).is_file():
        raise MachineError(f"firmware {name} ({path}) is missing: install it with "
                           f"`sudo apt-get install {package}` (or run ./go, which does)")
    return ["-bios", path]


@dataclass
class MachineConfig:
    """Everything that decides how QEMU runs one image; each field but timeout maps to QEMU
    options. The [qemu] table of an image manifest sets memory, cpus, deterministic, timeout and
    firmware; what it leaves out has the defaults below."""
    kernel: Path | None = None
    initrd: Path | None = None
    cmdline: str = ""
    memory: str = "64M"
    cpus: int = 1
    deterministic: bool = False      # count guest instructions: -icount, clock=vm (BENCHMARKS.md)
    panic_action: str = "pause"      # QEMU's -action panic=...
    gdb_port: int | None = None      # start a gdbstub on this TCP port
    firmware: str = "qboot"          # qboot: reaches the kernel in ~60k instructions; seabios: ~5.7M
    timeout: float = 60.0            # seconds one run may take, from start to verdict; 0: no limit
    extra_args: list[str] = field(default_factory=list)

    def argv(self, console: str, qmp: str | None, log: str | None = None,
             paused: bool = True, qemu_log: str | None = None) -> list[str]:
        """The QEMU command line. console: "stdio" (interactive) or the base path P of the FIFOs
        P.in and P.out; log: where QEMU copies the console output; paused: start with -S (the
        Machine continues the guest over QMP once it listens); qemu_log: QEMU's own log, where
        it notes a triple fault."""
        if self.kernel is None:
            raise MachineError("no kernel to boot: MachineConfig.kernel is not set")
        args = [require("qemu-system-i386")] + (["-S"] if paused else []) + [
                "-display", "none", "-no-reboot", "-nodefaults",
                "-machine", "pc", "-m", self.memory, "-smp", str(self.cpus)]
        args += firmware_args(self.firmware)
        args += ["-kernel", str(self.kernel)]
        if self.initrd:
            args += ["-initrd", str(self.initrd)]
        if self.cmdline:
            args += ["-append", self.cmdline]
        args += ["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                 "-device", "pvpanic", "-action", f"panic={self.panic_action}",
                 "-action", "shutdown=pause"]      # with -no-reboot: a reset stops, for a look
        if qemu_log:
            args += ["-d", "cpu_reset", "-D", qemu_log]
        logfile = f",logfile={log}" if log else ""
        if console == "stdio":
            # signal=off: the terminal is raw, so Ctrl-C and Ctrl-\ reach the guest (SIGINT and
            # SIGQUIT there, docs/upcalls.md); Ctrl-A X ends QEMU.
            args += ["-chardev", f"stdio,id=con0,mux=on,signal=off{logfile}", "-serial", "chardev:con0",
                     "-mon", "chardev=con0,mode=readline"]
        else:
            args += ["-chardev", f"pipe,id=con0,path={console}{logfile}", "-serial", "chardev:con0"]
        if qmp:
            args += ["-qmp", f"unix:{qmp}"]
        if self.deterministic:
            args += DETERMINISTIC_ARGS
        if self.gdb_port:
            args += ["-gdb", f"tcp:127.0.0.1:{self.gdb_port}"]
        return args + list(self.extra_args)


@dataclass
class Verdict:
    """How a run ended: the outcome, and one line that says it (with the place, for a fault or
    a hang)."""
    outcome: Outcome
    exit_code: int | None
    panicked: bool = False  # GUEST_PANICKED was seen
    reason: str = ""

    details: str = ""       # more lines: the last CPU state of a reset, the samples of a hang

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.PASS


class Machine:
    """One QEMU process. Use as a context manager; see the module docstring."""

    def __init__(self, config: MachineConfig, workdir: Path | None = None, interactive: bool = False,
                 keep_on_panic: bool = False, name: str = "guest", start_paused: bool = False):
        self.config, self.interactive, self.keep_on_panic, self.name = config, interactive, keep_on_panic, name
        self.start_paused = start_paused    # leave the guest stopped (a debugger will continue it)
        self.timeout = config.timeout       # the run's one timeout (0: none), quoted in every message
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="damselfly-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / f"{name}.console.log"
        self.stderr_path = self.workdir / f"{name}.qemu.stderr"
        self.qemu_log_path = self.workdir / f"{name}.qemu.log"     # QEMU's -D log: resets, triple faults
        self.command: list[str] = []
        self.events: list[dict] = []
        self.proc: subprocess.Popen | None = None
        self._deadline = float("inf")
        self._text = ""                     # the whole console so far, \r removed
        self._lines: list[str] = []         # complete lines
        self._cursor = 0                    # wait_for searches from here
        self._cond = threading.Condition()
        self._console_closed = False
        self._sockdir = Path(tempfile.mkdtemp(prefix="dfly-sock-"))  # short: unix paths max 107 bytes
        self._loop = asyncio.new_event_loop()
        self._loop_thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._qmp = None
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._ended_by_us = False           # shutdown() or an interrupt ended QEMU, not a signal from elsewhere
        self._sigint = None                 # the SIGINT disposition to restore, when start() changed it
        self._stopped_at: float | None = None     # when the guest stopped itself (panic, reset)

    # -- life cycle ---------------------------------------------------------------------------
    def __enter__(self) -> "Machine":
        try:
            self.start()
        except KeyboardInterrupt:
            self.interrupt()
        except BaseException:
            self.shutdown()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt) and not issubclass(exc_type, Interrupted):
            self.interrupt()
        self.shutdown()

    def _async(self, coro, timeout: float | None = 10):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def start(self) -> None:
        """Launch QEMU paused, connect console and QMP, then let the guest run."""
        from qemu.qmp import QMPClient
        self._sigint = honour_sigint()
        self._loop_thread.start()
        qmp_path = str(self._sockdir / "qmp.sock")
        con_base = str(self._sockdir / "console")
        self._qmp = QMPClient(self.name)
        self._async(self._qmp.start_server(qmp_path))
        con_fd = None
        if not self.interactive:
            os.mkfifo(con_base + ".in")
            os.mkfifo(con_base + ".out")
            # O_RDWR: opening never blocks, and we see EOF only when we decide to (QEMU's exit).
            con_fd = os.open(con_base + ".out", os.O_RDWR | os.O_NONBLOCK)
            with contextlib.suppress(OSError):
                fcntl.fcntl(con_fd, F_SETPIPE_SZ, 1 << 20)
            self._input_fd = os.open(con_base + ".in", os.O_RDWR | os.O_NONBLOCK)
        self.log_path.unlink(missing_ok=True)
        self.qemu_log_path.unlink(missing_ok=True)
        self.command = self.config.argv("stdio" if self.interactive else con_base, qmp_path,
                                        str(self.log_path), qemu_log=str(self.qemu_log_path))
        (self.workdir / f"{self.name}.qemu.cmd").write_text(shlex.join(self.command) + "\n")
        stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            self.command, stdin=None if self.interactive else subprocess.DEVNULL,
            stdout=None if self.interactive else subprocess.DEVNULL, stderr=stderr,
            preexec_fn=None if self.interactive else _die_with_parent)
        stderr.close()
        _live.add(self.proc)
        if self.timeout:
            self._deadline = time.monotonic() + self.timeout
        if con_fd is not None:
            self._start_thread(self._read_console, con_fd)
        self._async(self._accept_qmp(), timeout=20)
        if not self.start_paused:
            self._async(self._qmp.execute("cont"))


    async def _accept_qmp(self) -> None:
        from qemu.qmp import EventListener
        accept = asyncio.ensure_future(self._qmp.accept())
        while not accept.done():
            await asyncio.wait([accept], timeout=0.05)
            if self.proc.poll() is not None and not accept.done():
                accept.cancel()
                raise MachineError(self._failure_text(f"QEMU exited with status {self.proc.returncode} "
                                                      "before it connected to QMP"))
        accept.result()
        listener = EventListener()
        self._qmp.register_listener(listener)
        self._event_task = asyncio.ensure_future(self._collect_events(listener))

    @staticmethod
    async def _cancel(task) -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def _collect_events(self, listener) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            async for event in listener:
                with self._cond:
                    self.events.append(dict(event))
                    self._cond.notify_all()

    def _start_thread(self, fn, *args) -> None:
        t = threading.Thread(target=fn, args=args, daemon=True)
        t.start()
        self._threads.append(t)

    def _read_console(self, fd: int) -> None:
        """Collect console output until QEMU has exited and the FIFO is drained."""
        partial = b""
        try:
            while True:
                exited = self.proc.poll() is not None     # checked before the read: no byte lost
                ready, _, _ = select.select([fd], [], [], 0.05)
                data = b""
                if ready:
                    with contextlib.suppress(BlockingIOError):
                        data = os.read(fd, 65536)
                if data:
                    partial += data
                    *complete, partial = partial.split(b"\n")
                    with self._cond:
                        self._text += data.decode("utf-8", "replace").replace("\r", "")
                        self._lines += [c.decode("utf-8", "replace").rstrip("\r") for c in complete]
                        self._cond.notify_all()
                elif exited or self._stopping:
                    break
        finally:
            os.close(fd)
            with self._cond:
                if partial:
                    self._lines.append(partial.decode("utf-8", "replace").rstrip("\r"))
                self._console_closed = True
                self._cond.notify_all()

    def interrupt(self) -> None:
        """Ctrl-C: end QEMU now (SIGTERM, which lets it give the terminal back, then SIGKILL) and
        raise Interrupted naming the run. shutdown() still tidies up afterwards."""
        proc = self.proc
        self._ended_by_us = True
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(1)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        pid = f" (pid {proc.pid})" if proc is not None else ""
        self.shutdown()
        raise Interrupted(f"interrupted: stopped the guest {self.name} and ended its QEMU{pid} at once; "
                          f"console log {self.log_path}") from None

    def shutdown(self, timeout: float = 5) -> None:
        """End QEMU: QMP quit first, then SIGTERM, then SIGKILL. Safe to call twice."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            self._ended_by_us = True
            with contextlib.suppress(Exception):
                self._async(self._qmp.execute("quit"), timeout=2)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.terminate()
                try:
                    proc.wait(2)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if proc is not None:
            _live.discard(proc)
        if getattr(self, "_input_fd", None) is not None:
            os.close(self._input_fd)
            self._input_fd = None
        self._stopping = True           # the console reader drains what is left and ends
        if self._qmp is not None and self._loop.is_running():
            with contextlib.suppress(Exception):
                self._async(self._qmp.disconnect(), timeout=2)
        if self._loop.is_running():
            task = getattr(self, "_event_task", None)
            if task is not None:
                with contextlib.suppress(Exception):
                    self._async(self._cancel(task), timeout=2)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._loop_thread.join(2)
            if not self._loop.is_running():
                self._loop.close()
        for t in self._threads:
            t.join(2)
        with contextlib.suppress(OSError):
            for p in self._sockdir.iterdir():
                p.unlink()
            self._sockdir.rmdir()
        if self._sigint is not None:
            restore_sigint(self._sigint)
            self._sigint = None

    # -- talking to it --------------------------------------------------------------------------
    def send(self, text: str) -> None:
        """Type text on the guest's console (its serial port's input)."""
        if getattr(self, "_input_fd", None) is None:
            raise MachineError("this machine's console takes no input (interactive mode has the terminal)")
        data = text.encode()
        while data:
            try:
                n = os.write(self._input_fd, data)
            except BlockingIOError:
                time.sleep(0.01)
                continue
            data = data[n:]

    def qmp(self, command: str, **arguments):
        """Run one QMP command and return its result."""
        return self._async(self._qmp.execute(command, arguments or None))

    @property
    def console(self) -> str:
        with self._cond:
            return self._text

    def tail(self, n: int = 40) -> list[str]:
        with self._cond:
            lines = self._lines[-n:]
            rest = self._text.rsplit("\n", 1)[-1] if self._text and not self._text.endswith("\n") else ""
        return lines + ([rest] if rest and (not lines or lines[-1] != rest) else [])

    def _failure_text(self, reason: str) -> str:
        stderr = ""
        with contextlib.suppress(OSError):
            stderr = self.stderr_path.read_text(errors="replace").strip()
        tail = "\n".join("  | " + line for line in self.tail(40)) or "  | (no console output)"
        return (f"{reason}\nQEMU command: {shlex.join(self.command)}\n"
                f"QEMU stderr: {stderr or '(empty)'}\nconsole log: {self.log_path}\n"
                f"last console lines:\n{tail}")

    # -- how it ended ---------------------------------------------------------------------------
    def _event(self, name: str, guest: bool | None = None) -> dict | None:
        with self._cond:
            for e in self.events:
                if e.get("event") == name and (guest is None or e.get("data", {}).get("guest") == guest):
                    return e
        return None

    @property
    def panicked(self) -> bool:
        return self._event("GUEST_PANICKED") is not None

    @property
    def guest_stopped(self) -> dict | None:
        """The SHUTDOWN event of a guest that reset itself or powered off (QEMU paused it: see
        -action shutdown=pause), or None."""
        return self._event("SHUTDOWN", guest=True)

    def _finished(self) -> bool:
        """QEMU exited, or the guest stopped itself (a panic, a reset): QEMU then stays paused."""
        return self.proc.poll() is not None or self.panicked or self.guest_stopped is not None

    def _quiet_since_stop(self) -> bool:
        """After the guest stopped itself QEMU is paused: the console has all it will get shortly after."""
        if self._stopped_at is None:
            self._stopped_at = time.monotonic()
        return time.monotonic() - self._stopped_at > 0.2

    def _left(self, timeout: float | None) -> tuple[float, float]:
        """(deadline, figure to quote) of a wait: its own timeout, or the rest of the run's."""
        if timeout is None:
            return self._deadline, self.timeout
        return time.monotonic() + timeout, timeout

    def wait_for(self, pattern: str, timeout: float | None = None) -> re.Match:
        """Wait until the console (after the previous match) matches pattern, for timeout seconds
        or until the run's timeout; raise MachineTimeout with the reason, the last 40 console
        lines and the command when it does not."""
        regex = re.compile(pattern, re.MULTILINE)
        deadline, figure = self._left(timeout)
        with self._cond:
            while True:
                m = regex.search(self._text, self._cursor)
                if m:
                    self._cursor = m.end()
                    return m
                exited = self.proc.poll() is not None and self._console_closed
                stopped = self.proc.poll() is None and (self.panicked or self.guest_stopped is not None)
                if exited or (stopped and self._quiet_since_stop()):
                    why = self._end_words()
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    why = f"timed out after {figure:g} s"
                    break
                self._cond.wait(min(left, 0.1))
        raise MachineTimeout(self._failure_text(f"waiting for /{pattern}/: {why}"))

    def _end_words(self) -> str:
        if self.panicked:
            return "the guest panicked"
        if self.guest_stopped is not None:
            return f"the guest stopped itself ({self.guest_stopped['data'].get('reason')})"
        return f"QEMU exited with status {self.proc.returncode}"

    def lines(self, timeout: float | None = None):
        """Yield console lines as they arrive until the console closes or the guest stops itself
        (panic, reset); raise MachineTimeout when the run's timeout (or timeout seconds) passes first."""
        deadline, figure = self._left(timeout)
        i = 0
        while True:
            with self._cond:
                while i >= len(self._lines):
                    stopped = self.panicked or self.guest_stopped is not None
                    if self._console_closed or (stopped and self._quiet_since_stop()):
                        return
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise MachineTimeout(self._failure_text(f"no end of output after {figure:g} s"))
                    self._cond.wait(min(left, 0.1))
                line = self._lines[i]
            i += 1
            yield line

    def run_to_end(self, on_line=None) -> Verdict:
        """Give each console line to on_line until the guest ends, then return the verdict; when
        the run's timeout passes first, the verdict says where the guest is stuck."""
        try:
            for line in self.lines():
                if on_line is not None:
                    on_line(line)
        except MachineTimeout:
            pass
        return self.wait_exit()

    def wait_exit(self, timeout: float | None = None) -> Verdict:
        """Wait for the guest's verdict: QEMU's exit, a panic, a reset or triple fault, or the
        end of the run's timeout (or of timeout seconds); see Outcome."""
        from .diagnose import name_hang, name_stop
        deadline, figure = self._left(timeout)
        while time.monotonic() < deadline:
            if self.panicked:
                if not self.keep_on_panic:
                    self.shutdown()
                return Verdict(Outcome.PANIC, self.proc.returncode, True, "kernel panic (pvpanic)")
            stop = self.guest_stopped
            if stop is not None and self.proc.poll() is None:
                outcome, reason, details = name_stop(self, stop)
                if not self.keep_on_panic:
                    self.shutdown()
                return Verdict(outcome, self.proc.returncode, False, reason, details)
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        code = self.proc.poll()
        if code is None:
            hang, details = name_hang(self)
            return Verdict(Outcome.TIMEOUT, None, False, f"timeout after {figure:g} s: {hang}", details)
        for t in self._threads:
            t.join(2)
        return self._exit_verdict(code)

    def _exit_verdict(self, code: int) -> Verdict:
        """The verdict of QEMU's exit status (and of the SHUTDOWN event that came before it)."""
        shutdown = self._event("SHUTDOWN")
        why = shutdown.get("data", {}).get("reason") if shutdown else None
        if code < 0 and self._ended_by_us:
            return Verdict(Outcome.QUIT, code, self.panicked, "QEMU was ended by the harness")
        if code < 0 or why == "host-signal":
            if code < 0:
                name = signal.Signals(-code).name
            else:
                stderr = self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""
                m = re.search(r"terminating on signal (\d+)(?: from pid (\d+))?", stderr)
                name = (signal.Signals(int(m[1])).name + (f" from pid {m[2]}" if m[2] else "")) if m else "a signal"
            return Verdict(Outcome.KILLED, code, self.panicked,
                           f"QEMU was killed by {name}, not by the harness (the OOM killer, or a kill by hand?)")
        outcome = DEBUG_EXIT.get(code, Outcome.ERROR)
        reason = {Outcome.PASS: "guest reported success", Outcome.FAIL: "guest reported failures",
                  Outcome.PANIC: "kernel panic", Outcome.QUIT: "QEMU quit (QMP quit or Ctrl-A X)",
                  Outcome.ERROR: f"QEMU failed with status {code}: see {self.stderr_path}"}[outcome]
        return Verdict(outcome, code, self.panicked, reason)
