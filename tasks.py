"""Damselfly's tasks: `invoke --list` shows them, `invoke TASK --help` explains one.

Each task is thin: the work lives in the toolchain package. Run `./go TASK` on a fresh machine;
it installs what is missing and then calls the same task.
"""
from __future__ import annotations

import subprocess
import sys

from invoke import task

from toolchain import cli


@task(help={"jobs": "parallel compile jobs (default: all cores)", "verbose": "list every step that runs"})
def build(c, jobs=0, verbose=False):
    """Build the kernel, libcr, the user programs and every image in images/ (incremental)."""
    with cli.errors():
        cli.build_all(jobs or None, verbose)


@task(help={"image": "image manifest name in images/ (default: default)",
            "cmdline": "extra words for the kernel command line",
            "keep_on_panic": "on a kernel panic, keep QEMU paused for inspection"})
def boot(c, image="default", cmdline="", keep_on_panic=False):
    """Build and boot an image with its serial console on this terminal (leave with Ctrl-A X)."""
    with cli.errors():
        sys.exit(cli.boot(image, cmdline, keep_on_panic))


@task(help={"filter": "only the test cases whose name matches this glob (e.g. 'kernel.lib.*')",
            "jobs": "run on N pytest-xdist workers (each image still boots once)",
            "unit": "only the unit tests (no QEMU)",
            "fault": "add ktest.fault to the kernel command line: the deliberately faulting test faults",
            "verbose": "one line per test case (default on)"})
def test(c, filter="", jobs=0, unit=False, fault=False, verbose=True):
    """Run the test suite: unit tests, integration tests and every guest test case."""
    args = ["-v" if verbose else "-q"]
    if filter:
        args += ["--case", filter]
    if jobs:
        args += ["-n", str(jobs), "--dist", "loadgroup"]
    if unit:
        args += ["tests/unit", "--no-guest"]
    if fault:
        args += ["--guest-cmdline", "ktest.fault"]
    sys.exit(cli.pytest(args))


@task
def clean(c):
    """Remove build/ (every build output and generated source)."""
    cli.clean()


@task(help={"program": "a user program to show instead of the kernel", "count": "how many symbols"})
def size(c, program="", count=15):
    """Print the sections and the largest symbols of the kernel (or of a user program)."""
    with cli.errors():
        cli.size(program, count)


@task(help={"command": "a QMP command (e.g. query-status), or `prompt` for an interactive prompt",
            "image": "the running image to talk to (default: default)",
            "args": "the command's arguments as JSON, e.g. '{\"command-line\": \"info registers\"}'"},
      positional=["command"])
def qmp(c, command, image="default", args=""):
    """Send a QMP command to a guest started by `invoke boot`; `invoke qmp prompt` opens a prompt."""
    if command in ("-h", "--help"):     # invoke hands a required positional the --help that follows it
        sys.exit(subprocess.call([sys.executable, "-m", "invoke", "--help", "qmp"]))
    with cli.errors():
        cli.qmp(image, "" if command == "prompt" else command, args)


@task(help={"image": "image to boot under the debugger (default: default)", "port": "gdbstub TCP port",
            "program": "also load this user program's symbols and stop in its process only (pbreak)"})
def gdb(c, image="default", port=1234, program=""):
    """Boot an image paused with a gdbstub and start gdb with the kernel's symbols (and a program's)."""
    with cli.errors():
        sys.exit(cli.gdb(image, port, program))


@task(help={"image": "image to list (default: test)"})
def list_tests(c, image="test"):
    """List the guest test cases of an image from its ELF files, without booting."""
    with cli.errors():
        cli.list_tests(image)


@task(help={"filter": "only the benchmarks whose name matches this glob (e.g. 'lwkt.*'); "
                      "replaces the image's kbench= value",
            "image": "benchmark image in images/ (default: bench; must be deterministic): bench-smp2 "
                     "(between two CPUs), bench-smp4 (scaling over 1, 2, 4 CPUs)",
            "json": "print the results as JSON (stdout) instead of a table",
            "kernel": "boot a kernel variant instead of the ordinary kernel: 'trace' (tracing compiled in)",
            "plot": "also draw cost per message against batch size as build/bench/batching.png",
            "update-baseline": "write the figures into the committed baseline images/baselines/IMAGE.toml "
                               "(./go test fails when a figure moves more than 2% from it)"})
def bench(c, filter="", image="bench", json=False, kernel="", plot=False, update_baseline=False):
    """Run the in-kernel benchmarks (guest instructions per operation, deterministic) and print them
    beside their targets and the Linux 6.1 figures of BENCHMARKS.md, then against the committed
    baseline; writes build/bench/results.json. A benchmark whose line says cpu=C or cpu=max counts
    one CPU's instructions, or the busiest's (the makespan), with a QEMU plugin in the same boot;
    NAME.k1/k2/k4 figures also print their speedup (docs/smp.md)."""
    with cli.errors():
        cli.bench(image, filter, json, kernel, plot, update_baseline)


@task(help={"image": "the running image to inspect, started by `invoke boot --image NAME` (default: default)",
            "dump": "read this memory dump (from `invoke dump`) instead of a running guest",
            "json": "print JSON instead of tables",
            "views": "comma-separated views: cpus,threads,ports,procs,uthreads,memory (default: all)",
            "all": "list every port, not only those with messages or waiters",
            "kernel": "the kernel ELF whose DWARF to use (default: build/kernel/kernel.elf)"})
def inspect(c, image="default", dump="", json=False, views="", all=False, kernel=""):
    """Pause a running guest (or read a dump), show its CPUs, LWKT threads, ports and queued
    messages, processes and memory from the kernel's own structures (drgn + DWARF), then resume it."""
    with cli.errors():
        cli.inspect(image, dump, json, views, all, kernel)


@task(help={"image": "the running image, started by `invoke boot --image NAME` (default: default)",
            "out": "where to write the dump (default: build/run/IMAGE.dump)"})
def dump(c, image="default", out=""):
    """Write a running guest's memory to an ELF file (QMP dump-guest-memory) for `invoke inspect --dump`."""
    with cli.errors():
        cli.dump(image, out)


@task(help={"image": "image to trace (default: trace, a kernel message test and a pipe ping-pong)",
            "out": "where to write the JSON (default: build/trace/IMAGE.json)",
            "seconds": "read the ring of the still running guest after this many seconds "
                       "(for images that never end, like default's shell)"})
def trace(c, image="trace", out="", seconds=0.0):
    """Boot an image on the trace kernel and write its kernel events (switches, messages, system
    calls, interrupts) as Chrome/Perfetto trace JSON; open it at ui.perfetto.dev."""
    with cli.errors():
        cli.trace(image, out, seconds)


@task(help={"seed": "the PRNG's seed (default: a random one, printed)",
            "count": "how many steps (each sends at least one message; default 1,000,000)",
            "first": "start at this step (with --count, replays part of a run: the failure says how)",
            "trace": "print every step before it is sent"})
def fuzz(c, seed=-1, count=1_000_000, first=0, trace=False):
    """Fuzz the system-call message ABI: a seeded guest program sends hostile messages of every
    kind, checks each answer and the bytes around it, and compares the kernel's counters after
    every chunk (docs/reliability.md). On failure it prints the seed, the step and the replay command."""
    with cli.errors():
        sys.exit(cli.fuzz(None if seed < 0 else seed, count, first, trace))


@task(help={"runs": "boots per CPU count (default 20)",
            "cpus": "comma-separated CPU counts (default 2,4)",
            "filter": "which kernel test cases (default smp.*: docs/smp.md)",
            "programs": "user test programs to run too, comma-separated (NAME or NAME@kse), "
                        "e.g. test_vcpu_parallel,test_threads,test_kse@kse"})
def smp_stress(c, runs=20, cpus="2,4", filter="smp.*", programs=""):
    """Boot the kernel's SMP test cases many times at each CPU count, the CPUs running in
    parallel on host threads, and report every boot that did not pass: a race seen once is a bug."""
    with cli.errors():
        sys.exit(cli.smp_stress(runs, cpus, filter, programs))


@task(help={"benchmark": "the benchmark's exact name, e.g. syscall.null.sync (`invoke bench` lists them)",
            "lines": "one row per source line (file:line, from DWARF) instead of per function",
            "against": "compare with a saved profile (a JSON file from --save) or a git revision "
                       "(profiled in a temporary copy of its tree)",
            "save": "also write the profile as JSON to this file, for a later --against",
            "top": "how many rows to print (0: none)",
            "image": "benchmark image in images/ (default: bench)"},
      positional=["benchmark"])
def profile(c, benchmark, lines=False, against="", save="", top=20, image="bench"):
    """Count every guest instruction of one benchmark's timed window by function (kernel, libcr or
    program) and call stack, per operation; total = the BENCH figure's TSC difference. Writes
    build/profile/BENCH.json and a flame graph, BENCH.speedscope.json (open at speedscope.app)."""
    with cli.errors():
        cli.profile(benchmark, image, lines, against, save, top)
