"""What the invoke tasks do, with rich output; tasks.py only parses options and calls these."""
from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from invoke import Exit
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import build as build_mod
from . import elfcheck, image as image_mod
from .errors import ToolchainError
from .guest import expected_cases, symbolize_console
from .machine import Interrupted, Machine, Outcome, honour_sigint, restore_sigint
from .inspect import InspectError, attachable_args, published
from .tools import require

# soft_wrap: a long line stays one line (a terminal folds it; a pipe gets it whole, not cut at 80).
console = Console(highlight=False, soft_wrap=True)
RUN_DIR = build_mod.BUILD / "run"       # sockets and logs of guests started by `invoke boot`


@contextlib.contextmanager
def errors():
    """Turn the toolchain's errors into a clear message and exit status 1, and Ctrl-C into
    "interrupted" and status 130, without a traceback."""
    try:
        yield
    except ToolchainError as e:
        raise Exit(f"error: {e}", code=1) from None
    except KeyboardInterrupt as e:      # Ctrl-C: a guest's run says which guest it stopped
        raise Exit(str(e) if isinstance(e, Interrupted) else "interrupted", code=130) from None


def build_all(jobs: int | None = None, verbose: bool = False, variants: tuple[str, ...] = ()):
    """Build everything (and the kernel variants named) and every image; returns (outputs,
    {image name: Image})."""
    echo = (lambda label: console.print(f"  {label}", style="dim")) if verbose else None
    with console.status("building Damselfly…"):
        outputs = build_mod.build(jobs, echo, variants=variants)
        images = {}
        for name in image_mod.available():
            img = image_mod.load_image(name)
            image_mod.build_image(img, outputs)
            images[name] = img
    what = f"{len(outputs.ran)} step(s) ran" if outputs.ran else "nothing to do"
    console.print(f"[green]built[/] in {outputs.seconds:.2f} s ({what}); "
                  f"kernel {outputs.kernel.relative_to(build_mod.ROOT)}, images: {', '.join(images)}")
    return outputs, images


def boot(name: str, cmdline: str = "", keep_on_panic: bool = False) -> int:
    """Boot an image interactively; returns a shell exit status (0 when the guest passed)."""
    outputs, images = build_all()
    if name not in images:
        img = image_mod.load_image(name)       # raises ImageError naming the choices
        image_mod.build_image(img, outputs)
        images[name] = img
    img = images[name]
    img.extra_cmdline = cmdline.split()
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    cfg = img.machine_config(outputs, extra_args=attachable_args(RUN_DIR, name))
    console.print(f"[bold]Damselfly[/]: booting image [cyan]{name}[/] ({img.description}).\n"
                  f"Leave with [bold]Ctrl-A X[/]; the guest powers off by itself when it is done. "
                  f"Talk to it meanwhile with `invoke qmp --image {name}`.\n", soft_wrap=True)
    with Machine(cfg, RUN_DIR, interactive=True, keep_on_panic=keep_on_panic, name=name) as m, \
            published(RUN_DIR, name, m.proc.pid):
        verdict = m.wait_exit()         # the image's timeout; 0 (the default image): as long as you like
        if verdict.panicked or verdict.outcome == Outcome.PANIC:
            reason, trace = symbolize_console(m.log_path.read_text(errors="replace").splitlines(), outputs.kernel)
            if reason:
                console.print(f"\r\n{reason}\r", style="red", markup=False)
                console.print("\r\n".join(trace) + "\r", markup=False)
        stopped = verdict.outcome in (Outcome.PANIC, Outcome.TRIPLE_FAULT, Outcome.RESET)
        if stopped and keep_on_panic and m.proc.poll() is None:
            # QEMU still owns the terminal (its mux console): Ctrl-A X is how the user leaves.
            console.print(f"\r\n[red]{escape(verdict.reason)}[/]\r\nQEMU stays paused for inspection "
                          f"(`invoke inspect --image {name}`, `invoke qmp --image {name}`); "
                          f"leave with Ctrl-A X.\r")
            m.proc.wait()
    status = "" if verdict.exit_code is None else f" (QEMU exit status {verdict.exit_code})"
    console.print(f"\n[bold]Damselfly[/]: {escape(verdict.reason)}{status}; console log {m.log_path}")
    if verdict.details:
        console.print(verdict.details, markup=False)
    return 0 if verdict.outcome in (Outcome.PASS, Outcome.QUIT) else 1


def pytest(args: list[str]) -> int:
    """Run pytest; returns its exit status. On Ctrl-C pytest ends its own run (the harness stops
    any guest and says "interrupted"): wait for that instead of killing it mid-report, and pass
    the SIGINT on if only this process got it (a `kill -INT` of invoke rather than a terminal's)."""
    previous = honour_sigint()
    proc = subprocess.Popen([sys.executable, "-m", "pytest", *args], cwd=build_mod.ROOT)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        try:
            return proc.wait(2)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGINT)
            try:
                return proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                return proc.wait()
    finally:
        restore_sigint(previous)


def clean() -> None:
    shutil.rmtree(build_mod.BUILD, ignore_errors=True)
    console.print(f"removed {build_mod.BUILD}")


def size(program: str, count: int) -> None:
    outputs = build_mod.build()
    path = outputs.programs.get(program) if program else outputs.kernel
    if path is None:
        raise Exit(f"error: no program {program!r}; programs: {', '.join(sorted(outputs.programs))}", code=1)
    table = Table(title=f"sections of {path.relative_to(build_mod.ROOT)}")
    for col in ("section", "address", "bytes"):
        table.add_column(col, justify="right" if col != "section" else "left")
    total = 0
    for name, addr, sz in elfcheck.section_sizes(path):
        table.add_row(name, f"{addr:#010x}", f"{sz:,}")
        total += sz
    table.add_row("[bold]total[/]", "", f"[bold]{total:,}[/]")
    console.print(table)
    syms = Table(title=f"largest {count} symbols")
    for col in ("symbol", "kind", "bytes"):
        syms.add_column(col, justify="right" if col == "bytes" else "left")
    for name, kind, sz in elfcheck.largest_symbols(path, count):
        syms.add_row(name, kind, f"{sz:,}")
    console.print(syms)


def list_tests(name: str) -> None:
    outputs, images = build_all()
    img = images.get(name) or image_mod.load_image(name)
    cases = expected_cases(img, outputs)
    for case in cases:
        where = f"  [dim]{case.file}:{case.line}[/]" if case.file else "  [dim](program exit status)[/]"
        console.print(f"{case.name}{where}")
    console.print(f"{len(cases)} case(s) in image {name}")


def _show(result) -> None:
    """Text (human-monitor-command output) as it is; anything else as indented JSON."""
    print(result.replace("\r\n", "\n").rstrip() if isinstance(result, str) else json.dumps(result, indent=2))


class QmpError(ToolchainError):
    """A QMP command that cannot be sent or that QEMU refused: says which, why and what to try."""


async def _execute(client, command: str, args: str):
    """Run one QMP command; QmpError for arguments that are not a JSON object or a command QEMU
    refuses (an unknown one, a missing argument), with QEMU's own reason."""
    from qemu.qmp import ExecuteError
    try:
        arguments = json.loads(args) if args else None
    except json.JSONDecodeError as e:
        raise QmpError(f"the arguments of {command} are not JSON ({e}): give an object, e.g. "
                       "'{\"command-line\": \"info registers\"}'") from None
    if arguments is not None and not isinstance(arguments, dict):
        raise QmpError(f"the arguments of {command} must be a JSON object, not {args}")
    try:
        return await client.execute(command, arguments)
    except ExecuteError as e:
        hint = "; `invoke qmp query-commands` lists the commands" if e.error_class == "CommandNotFound" else ""
        raise QmpError(f"QEMU refused {command}: {e}{hint}") from None


async def _qmp_session(path: Path, command: str, args: str) -> None:
    from qemu.qmp import QMPClient
    client = QMPClient("invoke-qmp")
    try:
        await client.connect(str(path))
    except Exception as e:
        raise QmpError(f"cannot reach QMP at {path} ({e}); is `invoke boot` running?") from None
    try:
        if command:
            _show(await _execute(client, command, args))
            return
        print("QMP prompt: COMMAND [JSON arguments], e.g. query-status or "
              "human-monitor-command {\"command-line\": \"info registers\"}; Ctrl-D ends.")
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, lambda: input("(qmp) "))
            cmd, _, rest = line.strip().partition(" ")
            if not cmd:
                continue
            try:
                _show(await _execute(client, cmd, rest))
            except QmpError as e:       # report and keep the prompt
                print(f"error: {e}")
    except EOFError:
        print()
    finally:
        with contextlib.suppress(EOFError):     # after `quit`, QEMU closes the socket first
            await client.disconnect()


def qmp(name: str, command: str, args: str) -> None:
    asyncio.run(_qmp_session(RUN_DIR / f"{name}.qmp", command, args))


def gdb_script(kernel: Path, port: int, program: Path | None = None) -> str:
    """gdb commands: attach to the gdbstub and, with a program, load its symbols and stop in it only.

    Every program is linked at the same addresses (USER_BASE), so a plain breakpoint in user code
    stops whichever process runs that address, and a software one would be written into the
    memory of whichever process is current. `pbreak LOCATION` sets a hardware breakpoint with the
    condition that the process on the CPU runs this program."""
    lines = ["set pagination off", f"target remote 127.0.0.1:{port}"]
    if program is not None:
        name = program.name
        lines[1:1] = [f"add-symbol-file {program}"]
        lines += ["define pbreak",
                  "  hbreak $arg0 if cpu0_globaldata.gd_curthread != 0 && "
                  "cpu0_globaldata.gd_curthread->td_proc != 0 && "
                  f'$_streq(cpu0_globaldata.gd_curthread->td_proc->p_comm, "{name}")',
                  "end",
                  "document pbreak",
                  f"pbreak LOCATION: stop at LOCATION only in a process running {name} "
                  "(a hardware breakpoint: all programs share their addresses).",
                  "end",
                  "pbreak main"]
    return "\n".join(lines) + "\n"


def gdb(name: str, port: int, program: str = "", batch: list[str] | None = None) -> int:
    """Boot an image paused under gdb (kernel symbols; with program, also that program's, and a
    first stop at its main in its own process). batch: run these gdb commands and quit instead
    of an interactive gdb (tests)."""
    gdb_path = require("gdb")
    outputs, images = build_all()
    img = images.get(name) or image_mod.load_image(name)
    elf = None
    if program:
        if program not in img.programs:
            raise image_mod.ImageError(img.path, "[initrd]", f"program {program!r} is not in image {name} (its "
                                   f"programs: {', '.join(img.programs) or 'none'}); pick one, or another --image")
        elf = outputs.programs[program]
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    script = RUN_DIR / f"{name}-gdb.gdb"
    script.write_text(gdb_script(outputs.kernel, port, elf))
    cfg = img.machine_config(outputs, gdb_port=port)
    with Machine(cfg, RUN_DIR, name=f"{name}-gdb", start_paused=True) as m:
        first = f"`continue` runs to {program}'s main (`pbreak LOCATION` stops in {program} only); " if program \
            else "`continue` to run, "
        console.print(f"QEMU is paused with a gdbstub on port {port}; the guest console goes to {m.log_path}.\n"
                      f"In gdb: {first}Ctrl-C to stop, `quit` ends gdb and QEMU.")
        extra = ["-batch"] + [a for c in batch for a in ("-ex", c)] if batch is not None else []
        return subprocess.call([gdb_path, "-q", str(outputs.kernel), "-x", str(script), *extra])


def bench(name: str = "bench", filter: str = "", as_json: bool = False, kernel: str = "",
          plot: bool = False, update_baseline: bool = False) -> None:
    """Build, run an image's benchmarks once, write build/bench/results.json and print the figures
    (a table beside the targets and Linux 6.1, or with as_json the JSON alone on stdout), then how
    they stand against the committed baseline (images/baselines/IMAGE.toml). kernel: a kernel
    variant to boot instead (build.KERNEL_VARIANTS, e.g. trace); plot: also draw
    build/bench/batching.png; update_baseline: write the figures into the baseline (with a
    filter, only the rows measured)."""
    from . import bench as bench_mod
    if kernel and kernel not in build_mod.KERNEL_VARIANTS:
        raise Exit(f"error: unknown kernel variant {kernel!r}; choose one of "
                   f"{', '.join(sorted(build_mod.KERNEL_VARIANTS))}", code=1)
    if kernel and update_baseline:
        raise Exit(f"error: --update-baseline records the ordinary kernel's figures, not kernel-{kernel}'s; "
                   "drop --kernel", code=1)
    out = Console(stderr=True, highlight=False, soft_wrap=True) if as_json else console
    with contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext():
        outputs, images = build_all(variants=(kernel,) if kernel else ())   # with --json, stdout carries the JSON only
    img = images.get(name)
    if img is None:
        img = image_mod.load_image(name)   # raises ImageError naming the choices
        image_mod.build_image(img, outputs)
    what = f"kbench={filter}" if filter else "its kbench= glob"
    with out.status(f"running the benchmarks of image {name} ({what})…"):
        records = bench_mod.run_bench(img, outputs, bench_mod.RESULTS.parent, filter or None,
                                      outputs.variants.get(kernel))
    # Figures of another kernel never replace the ordinary kernel's results.json; a filtered run
    # replaces only the rows it measured, a whole run only its own image's rows (bench-smp2's
    # run keeps bench's figures).
    path = bench_mod.RESULTS.with_name(f"results-{kernel}.json") if kernel else bench_mod.RESULTS
    path = bench_mod.write_results(bench_mod.merge_results(
        bench_mod.read_results(path), records, None if filter else name), path)
    if as_json:
        sys.stdout.write(bench_mod.to_json(records))
    else:
        # Piped or logged output has no width of its own (rich assumes 80): give the table room.
        wide = console if console.is_terminal else Console(highlight=False, width=max(console.width, 120))
        wide.print(bench_mod.table(records))
    for s in bench_mod.scaling(records):
        colour = "green" if s.ok else "bold red" if s.enforced else "yellow"
        out.print(f"[{colour}]scaling[/] {s}")
    on = f" on kernel-{kernel}.elf ({'tracing compiled in' if kernel == 'trace' else kernel})" if kernel else ""
    kept = " (the other rows kept from earlier runs)"
    out.print(f"{len(records)} benchmark(s){on}; results written to {path.relative_to(build_mod.ROOT)}{kept}")
    if not kernel:
        _bench_against_baseline(out, name, records, filter, update_baseline)
    if plot:
        from . import plot as plot_mod
        png = plot_mod.plot_batching(records, bench_mod.RESULTS.parent /
                                     (f"batching-{kernel}.png" if kernel else "batching.png"))
        out.print(f"chart written to {png.relative_to(build_mod.ROOT)}")




def _bench_against_baseline(out, image: str, records: list[dict], filter: str, update: bool) -> None:
    """Print how the measured figures stand against the image's committed baseline, or with
    update write them into it (a filtered run replaces only its rows)."""
    from . import baseline as baseline_mod
    path = baseline_mod.path_for(image)
    rel = path.relative_to(build_mod.ROOT)
    figures = {r["name"]: r["insns_per_op"] for r in records}
    old = baseline_mod.load_baseline(path) if path.is_file() else {}
    if update:
        new = ({**old, **figures} if filter else figures)
        baseline_mod.write_baseline(path, image, new)
        out.print(f"baseline {rel} written: {len(new)} figure(s); commit it with the change that moved them")
        if image == "bench":
            from . import modelsize
            if modelsize.write_doc():
                out.print(f"{modelsize.DOC.relative_to(build_mod.ROOT)}: the models' figures table follows it")
        return
    if not old:
        out.print(f"no baseline for image {image} ({rel}); `{baseline_mod.UPDATE}` writes one")
        return
    diffs = baseline_mod.compare(figures, {k: v for k, v in old.items() if k in figures} if filter else old)
    if not diffs:
        out.print(f"every figure is within {baseline_mod.TOLERANCE:.0%} of the baseline ({rel})")
    for d in diffs:
        out.print(f"[bold red]baseline[/] ({rel}): {d}")


def _kernel_elf(kernel: str) -> Path:
    """The kernel ELF to read types from: the one the last build wrote, unless told otherwise."""
    path = Path(kernel) if kernel else build_mod.BUILD / "kernel" / "kernel.elf"
    if not path.exists():
        raise InspectError(f"no kernel ELF at {path}: run `invoke build` (or pass --kernel)")
    return path


def inspect(name: str, dump_file: str, as_json: bool, views: str, all_ports: bool, kernel: str) -> None:
    """Print the views of a running guest (started by `invoke boot`) or of a memory dump."""
    from . import inspect as insp
    from .inspect import render
    chosen = tuple(v.strip() for v in views.split(",") if v.strip()) if views else render.VIEWS
    unknown = [v for v in chosen if v not in render.VIEWS]
    if unknown:
        raise InspectError(f"unknown view(s) {', '.join(unknown)}; choose from {', '.join(render.VIEWS)}")
    elf = _kernel_elf(kernel)
    if dump_file:
        snap = insp.inspect_dump(Path(dump_file), elf)
    else:
        with insp.attach_running(RUN_DIR, name, elf) as guest:
            snap = guest.snapshot()
    if as_json:
        print(json.dumps({k: v for k, v in snap.items() if k == "source" or k in chosen}, indent=2))
    else:
        render.render(snap, chosen, console, all_ports)


def dump(name: str, out: str) -> None:
    """Write the memory of a running guest (started by `invoke boot`) to an ELF file."""
    from . import inspect as insp
    path = Path(out) if out else RUN_DIR / f"{name}.dump"
    with insp.attach_running(RUN_DIR, name, _kernel_elf("")) as guest:
        with insp.paused(guest.qmp):
            guest.dump(path)
    console.print(f"wrote {path} ({path.stat().st_size // 1024} KiB); read it with "
                  f"`invoke inspect --dump {path}`")


def trace(name: str = "trace", out: str = "", seconds: float = 0) -> Path:
    """Boot an image on the trace kernel, read its event ring and write Chrome/Perfetto trace
    JSON (build/trace/NAME.json unless out says otherwise); returns the JSON's path."""
    from . import trace as trace_mod
    from .decode import decoders
    outputs, images = build_all(variants=("trace",))
    img = images.get(name) or image_mod.load_image(name)     # raises ImageError naming the choices
    with console.status(f"booting image {name} on the trace kernel…"):
        run = trace_mod.run_trace(img, outputs, trace_mod.TRACE_DIR, seconds or None)
    data = trace_mod.to_chrome(run.ring, decoders(outputs.variants["trace"]), info={"image": name, "verdict": run.verdict,
                                                           "deterministic": img.machine.deterministic})
    path = trace_mod.write_trace(data, Path(out) if out else trace_mod.TRACE_DIR / f"{name}.json")
    info = data["otherData"]
    lost = f"[red]{run.ring.lost:,} lost[/] (a ring wrapped; the newest {run.ring.nrecs:,} of each CPU kept)" \
        if run.ring.lost else "none lost"
    cpus = info["cpus"]
    ipis = f", {info['ipi flows']} IPI flows" if info.get("ipi flows") else ""
    console.print(f"image {name}: guest verdict [bold]{run.verdict}[/]; {info['events']:,} events on "
                  f"{len(cpus)} CPU{'s' if len(cpus) != 1 else ''}, {lost}; "
                  f"{info.get('switches', 0)} switches, {info.get('syscalls', 0)} system calls, "
                  f"{info.get('flows', 0) - info.get('ipi flows', 0)} message flows{ipis}; console log {run.log}")
    for problem in trace_mod.ring_problems(run.ring) + trace_mod.validate(data):
        console.print(f"[yellow]trace problem[/]: {problem}")
    console.print(f"trace written to [cyan]{path}[/]: open it at https://ui.perfetto.dev "
                  "(Open trace file) or in chrome://tracing (Load)")
    return path


def fuzz(seed: int | None, count: int, first: int = 0, trace: bool = False) -> int:
    """Run the message fuzzer (images/fuzz.toml) with seed (a random one when None, printed first)
    for count steps from step first; stream its progress. On failure print the seed, the step and
    the command that replays it; returns a shell exit status."""
    import os
    from . import fuzz as fuzz_mod
    if seed is None:
        seed = int.from_bytes(os.urandom(4), "little")
    outputs, images = build_all()
    img = images["fuzz"]
    console.print(f"[bold]fuzz[/]: seed [cyan]{seed}[/], {count:,} steps from step {first:,} "
                  f"(image {img.name}; replay any run with --seed {seed})")

    def show(line: str) -> None:
        if line.startswith("FUZZ progress") or line.startswith("FUZZ FAIL") or (trace and line.startswith("FUZZ step")):
            console.print(f"  {line}", markup=False, highlight=False)

    run = fuzz_mod.run_fuzz(img, outputs, build_mod.BUILD / "fuzz", seed, count, first, trace, show)
    console.print(f"{run.done:,} steps, {run.messages:,} messages in {run.seconds:.1f} s "
                  f"({run.rate:,.0f} messages/s); console log {run.console_log}")
    if run.passed:
        console.print(f"[green]pass[/]: seed {seed}, every answer right, every kstat counter back")
        return 0
    console.print(f"[red]FAIL[/] seed {seed} step {run.fail_step}: {run.failure}", markup=False)
    console.print(f"replay: {run.replay_command()}", markup=False)
    return 1


def profile(name: str, image: str = "bench", lines: bool = False, against: str = "", save: str = "",
            top: int = 20) -> None:
    """Profile one benchmark: print its table (per function, or per source line), how its total
    relates to the BENCH figure, and, with against, the comparison with a saved profile or a git
    revision; write build/profile/NAME.json and NAME.speedscope.json (and save, if given)."""
    from .bench import BenchError
    from .profile import ProfileError, model, report, run
    try:
        run.check_name(name)
    except ProfileError as e:
        raise Exit(f"error: {e}", code=1) from None
    outputs, images = build_all()
    img = images.get(image)
    if img is None:
        img = image_mod.load_image(image)      # raises ImageError naming the choices
        image_mod.build_image(img, outputs)
    try:
        with console.status(f"profiling {name} (image {image})…"):
            prof = run.profile_benchmark(img, outputs, name)
        other = None
        if against:
            with console.status(f"profiling {name} at {against} for the comparison…"
                                if not Path(against).is_file() else f"reading {against}…"):
                other = run.against(against, name, image)
    except (ProfileError, BenchError) as e:
        raise Exit(f"error: {e}", code=1) from None
    json_path = model.save(prof, run.PROFILE_DIR / f"{name}.json")
    flame = report.write_speedscope(prof, run.PROFILE_DIR / f"{name}.speedscope.json")
    if save:
        model.save(prof, Path(save))
    wide = console if console.is_terminal else Console(highlight=False, width=max(console.width, 120))
    if top > 0:
        wide.print(report.line_table(prof, top) if lines else report.function_table(prof, top))
    for sentence in report.summary(prof):
        console.print(sentence)
    if other is not None:
        table, sentences = report.compare(prof, other, top or 20)
        if table is None:
            console.print(f"no function's instructions per op changed from {other.revision}")
        else:
            wide.print(table)
        for sentence in sentences:
            console.print(sentence)
    rel = lambda p: p.relative_to(build_mod.ROOT) if p.is_relative_to(build_mod.ROOT) else p
    console.print(f"profile written to {rel(json_path)}{f' and {save}' if save else ''}; flame graph: "
                  f"{rel(flame)} (open it at https://www.speedscope.app)")


def smp_stress(runs: int, cpus: str, glob: str, programs: str = "") -> int:
    """`invoke smp-stress`: toolchain/stress.py; prints each failure with its console log.
    Returns a shell exit status (0: every boot passed)."""
    from . import stress as stress_mod
    counts = [int(w) for w in cpus.split(",") if w.strip()]
    if not counts or any(n < 2 or n > 8 for n in counts):
        raise ToolchainError(f"--cpus {cpus!r}: a comma-separated list of CPU counts from 2 to 8")
    outputs = build_mod.build()
    workdir = build_mod.BUILD / "smp-stress"
    shutil.rmtree(workdir, ignore_errors=True)

    def progress(n: int, i: int, ok: bool) -> None:
        console.print(f"  -smp {n} run {i + 1}/{runs}: {'pass' if ok else '[red]FAIL[/]'}")

    names = tuple(w.strip() for w in programs.split(",") if w.strip())
    known = {p.stem for p in (build_mod.ROOT / "userland" / "tests").glob("*.c")}
    for n in names:
        if n.split("@")[0] not in known:
            raise ToolchainError(f"--programs: no test program {n.split('@')[0]!r} in userland/tests/ "
                                 f"(NAME or NAME@kse, e.g. test_vcpu_parallel,test_threads@kse)")
    boots, failures = stress_mod.stress(outputs, runs, counts, workdir, glob, progress, names)
    for f in failures:
        console.print(f"[red]-smp {f.cpus} run {f.run + 1}[/]: {escape(f.reason)} (console log {f.log})",
                      soft_wrap=True)
    what = f"kernel {glob}" + (f" and {', '.join(names)}" if names else "")
    console.print(f"{boots} boot(s) of {what} at -smp {cpus}: "
                  + ("every one passed" if not failures else f"[red]{len(failures)} failed[/]"))
    return 1 if failures else 0
