"""What Damselfly is built from and how: the generated sources, the kernel, libcr and the user
programs, with pinned flags. `build()` brings everything up to date through toolchain.make.
"""
from __future__ import annotations

import fcntl
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import elfcheck, gen
from .make import Builder, BuildError, Step
from .tools import Toolchain, find_toolchain

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"

# Flags every C and assembler file gets. -fno-omit-frame-pointer keeps %ebp chains for
# backtraces; a leaf function needs no frame of its own for that (a backtrace shows it by its
# eip, then its caller's chain), so -momit-leaf-frame-pointer saves those three instructions in
# the hot leaves (system-call handlers, port operations); no unwind tables keeps .eh_frame out of the images; the prefix maps make the
# output independent of where the checkout lives (reproducible builds).
# -fno-eliminate-unused-debug-types puts every enum and struct a file sees into its DWARF, used
# or not: the host tools read the facts they need about the C side from there (toolchain/facts.py).
COMMON_FLAGS = [
    "-m32", "-std=gnu11", "-ffreestanding", "-fno-pic", "-fno-pie", "-fno-stack-protector",
    "-O2", "-g", "-fno-eliminate-unused-debug-types",
    "-Wall", "-Werror", "-fno-omit-frame-pointer", "-momit-leaf-frame-pointer",
    "-fno-asynchronous-unwind-tables",
    "-fno-common", "-fcf-protection=none", "-nostdinc",
    "-fno-toplevel-reorder",   # keeps KTESTs in .ktest in source order, so they run as written
]
# The kernel uses no SSE (-mgeneral-regs-only), so it keeps its stack 4-byte aligned: no padding
# around every call (-mpreferred-stack-boundary=2).
# Include paths, in order (include_dirs). The ABI (what user programs and the kernel agree on: the
# message layout, errno, flags, struct stat, the ring...) lives in kernel/include/uapi, its
# generated parts in build/gen/kernel/include/uapi; the headers of the code both sides compile
# (SHARED_WITH_LIBCR) in kernel/include/shared. The kernel's own headers (kernel/include, the
# arch's) are on the kernel's path only: userland never reaches them.
INCLUDE_DIRS = {
    "shared": ["kernel/include/shared", "kernel/include/uapi", "{gen}/kernel/include/uapi"],
    "kernel": ["kernel/include", "kernel/arch/i386/include", "{gen}/kernel/include", "+shared"],
    "user": ["userland/libcr/include", "{gen}/userland/libcr/include", "+shared"],
}


def include_dirs(side: str, gen_dir: str | Path = "build/gen") -> list[str]:
    """The include directories of side ("kernel", "user", or "shared": the uapi and shared
    headers alone), relative to the checkout, with generated headers under gen_dir."""
    out = []
    for d in INCLUDE_DIRS[side]:
        out += include_dirs(d[1:], gen_dir) if d.startswith("+") else [d.format(gen=gen_dir)]
    return out


KERNEL_FLAGS = (["-D_KERNEL", "-mgeneral-regs-only", "-mpreferred-stack-boundary=2"]
                + [f"-I{d}" for d in include_dirs("kernel")])
USER_FLAGS = (["-ftls-model=local-exec"]     # static programs: %gs-relative TLS, no GOT
              + [f"-I{d}" for d in include_dirs("user")])
LINK_FLAGS = ["-m32", "-nostdlib", "-static", "-no-pie", "-Wl,--build-id=none", "-Wl,-z,noexecstack"]

# Kernel variants built besides the ordinary kernel, on request (build(variants=...)): their
# extra flags. "trace" records the event ring of kernel/include/sys/trace.h (docs/trace.md);
# the ordinary kernel has every trace hook compiled out.
KERNEL_VARIANTS = {"trace": ["-DKTRACE"]}

# Files of the kernel's that libcr compiles too: one implementation for both sides.
SHARED_WITH_LIBCR = ["kernel/lib/format.c", "kernel/lib/string.c", "kernel/lib/ktest.c",
                     "kernel/kern/lwkt_msgport.c", "build/gen/kernel/lib/errno_names.c"]


@dataclass
class Outputs:
    kernel: Path
    programs: dict[str, Path] = field(default_factory=dict)   # "demo" -> build/userland/bin/demo
    test_programs: set[str] = field(default_factory=set)       # names of the KTAP test programs
    ran: list[str] = field(default_factory=list)                # labels of the steps that ran
    variants: dict[str, Path] = field(default_factory=dict)     # "trace" -> build/kernel/kernel-trace.elf
    seconds: float = 0.0


def _rel(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_absolute() else str(path)


def _sources(root: Path, *dirs: str, exclude: tuple[str, ...] = ()) -> list[Path]:
    out = []
    for d in dirs:
        base = root / d
        for pattern in ("*.c", "*.S"):
            out += [p for p in base.rglob(pattern) if not any(x in p.parts for x in exclude)]
    return sorted(out)


class Project:
    """The build rules, bound to a checkout (root) and an output directory (build)."""

    def __init__(self, root: Path = ROOT, build: Path = BUILD, tc: Toolchain | None = None):
        self.root, self.build_dir = root, build
        self.tc = tc or find_toolchain()
        base = COMMON_FLAGS + ["-isystem", str(self.tc.cc_include),
                               f"-ffile-prefix-map={root}/=", f"-fdebug-prefix-map={root}=."]
        self.kernel_flags = base + KERNEL_FLAGS
        self.user_flags = base + USER_FLAGS
        # Where kernel.ld and user.ld place the kernel and the programs: vm/layout.toml's addresses.
        self.layout = layout = gen.load_layout(root)
        self.kernel_link = LINK_FLAGS + [f"-Wl,--defsym=KERNEL_BASE={layout['kernel_base']:#x}"]
        self.user_link = LINK_FLAGS + [f"-Wl,--defsym=USER_BASE={layout['user_base']:#x}"]

    def obj(self, src: Path, flavor: str) -> Path:
        return self.build_dir / "obj" / flavor / (_rel(src, self.root) + ".o")

    def compile_step(self, src: Path, flavor: str) -> Step:
        obj = self.obj(src, flavor)
        dep = obj.with_suffix(".d")
        variant = flavor.split("-", 1)[1] if flavor.startswith("kernel-") else None
        flags = (self.kernel_flags + (KERNEL_VARIANTS[variant] if variant else [])
                 if flavor.startswith("kernel") else self.user_flags)
        rel = _rel(src, self.root)
        label = "" if flavor == "kernel" else f" ({variant})" if variant else " (user)"
        return Step(f"CC   {rel}{label}", [obj], [src],
                    [self.tc.cc, *flags, "-MMD", "-MP", "-MF", str(dep), "-c", rel, "-o", str(obj)],
                    depfile=dep, extra=self.tc.describe())

    def generate_step(self) -> Step:
        outputs = [self.build_dir / gen.output_for(t) for t in gen.TEMPLATES]
        return Step("GEN  build/gen (syscalls.toml, traps.toml, layout.toml)", outputs, gen.inputs(self.root),
                    action=lambda: gen.generate(self.build_dir, self.root))

    # -- the parts ----------------------------------------------------------------------------
    def kernel_sources(self) -> list[Path]:
        return _sources(self.root, "kernel") + _sources(self.build_dir, "gen/kernel")

    def libcr_sources(self) -> list[Path]:
        return (_sources(self.root, "userland/libcr", exclude=("csu",))
                + [self.root / s if not s.startswith("build/") else self.build_dir / s[6:] for s in SHARED_WITH_LIBCR]
                + _sources(self.build_dir, "gen/userland/libcr"))

    def program_sources(self) -> dict[str, tuple[Path, bool]]:
        """name -> (source, is_test): userland/bin/*.c, userland/bench/*.c, userland/tests/*.c."""
        out = {}
        for p in sorted((self.root / "userland/bin").glob("*.c")) + sorted((self.root / "userland/bench").glob("*.c")):
            if p.stem in out:
                raise BuildError(f"{p}: a program named {p.stem!r} exists twice (userland/bin and userland/bench "
                                 "share one namespace); rename one")
            out[p.stem] = (p, False)
        for p in sorted((self.root / "userland/tests").glob("*.c")):
            if p.stem in out:
                raise BuildError(f"{p}: a program named {p.stem!r} exists in userland/bin too; rename one")
            out[p.stem] = (p, True)
        return out

    def program_parts(self, name: str) -> list[Path]:
        """The other sources of program NAME of userland/bin: userland/bin/NAME/*.c, linked with
        userland/bin/NAME.c (a program that grew past one file, like sh)."""
        return sorted((self.root / "userland/bin" / name).glob("*.c"))

    def build(self, jobs: int | None = None, echo=None, variants: tuple[str, ...] = ()) -> Outputs:
        started = time.monotonic()
        b = Builder(self.root, self.build_dir, jobs, echo)
        b.run(self.generate_step())

        ksrc, lsrc = self.kernel_sources(), self.libcr_sources()
        progs = self.program_sources()
        csu = {n: self.root / "userland/libcr/csu" / n for n in ("crt0.S", "ktest_main.c")}
        compiles = ([self.compile_step(s, "kernel") for s in ksrc]
                    + [self.compile_step(s, "user") for s in lsrc + list(csu.values())]
                    + [self.compile_step(src, "user") for src, _ in progs.values()]
                    + [self.compile_step(s, "user") for name in progs for s in self.program_parts(name)]
                    + [self.compile_step(s, f"kernel-{v}") for v in variants for s in ksrc])
        b.run_all(compiles)

        libcr = self.build_dir / "userland" / "libcr.a"
        lobjs = [self.obj(s, "user") for s in lsrc]
        b.run(self._archive_step(libcr, lobjs))
        links = [self._kernel_link_step(ksrc)] + [self._kernel_link_step(ksrc, v) for v in variants]
        out = Outputs(links[0].outputs[0], variants={v: s.outputs[0] for v, s in zip(variants, links[1:])})
        for name, (src, is_test) in progs.items():
            dest = self.build_dir / "userland" / ("tests" if is_test else "bin") / name
            start = [self.obj(csu["crt0.S"], "user")] + ([self.obj(csu["ktest_main.c"], "user")] if is_test else [])
            objs = start + [self.obj(src, "user")] + [self.obj(s, "user") for s in self.program_parts(name)]
            links.append(Step(f"LD   {name}", [dest], objs + [libcr, self.root / "userland/libcr/user.ld"],
                              [self.tc.cc, *self.user_link, "-T", "userland/libcr/user.ld", "-o", str(dest),
                               *map(str, objs), str(libcr), str(self.tc.libgcc)],
                              action=(lambda d=dest: elfcheck.check_program(d, self.layout)), extra=self.tc.describe()))
            out.programs[name] = dest
            if is_test:
                out.test_programs.add(name)
        b.run_all(links)
        out.ran, out.seconds = b.ran, time.monotonic() - started
        return out

    def _kernel_link_step(self, ksrc: list[Path], variant: str | None = None) -> Step:
        """The link of the kernel (build/kernel/kernel.elf), or of a variant of KERNEL_VARIANTS
        (build/kernel/kernel-VARIANT.elf, from objects compiled with its flags)."""
        if variant is not None and variant not in KERNEL_VARIANTS:
            raise BuildError(f"unknown kernel variant {variant!r}; choose one of {sorted(KERNEL_VARIANTS)}")
        suffix = f"-{variant}" if variant else ""
        elf = self.build_dir / "kernel" / f"kernel{suffix}.elf"
        objs = [self.obj(s, f"kernel{suffix}") for s in ksrc]
        return Step(f"LD   kernel{suffix}.elf", [elf], objs + [self.root / "kernel/arch/i386/kernel.ld"],
                    [self.tc.cc, *self.kernel_link, "-T", "kernel/arch/i386/kernel.ld", "-o", str(elf),
                     *map(str, objs), str(self.tc.libgcc)],
                    action=lambda: elfcheck.check_kernel(elf, self.layout), extra=self.tc.describe())

    def _archive_step(self, libcr: Path, lobjs: list[Path]) -> Step:
        # ar appends to an existing archive: start from nothing so removed files leave it too.
        def archive():
            libcr.unlink(missing_ok=True)
            subprocess.run([self.tc.ar, "rcsD", str(libcr), *map(str, lobjs)], check=True, cwd=self.root)
        return Step("AR   libcr.a", [libcr], lobjs, action=archive, extra=[self.tc.ar])


def build(jobs: int | None = None, echo=None, root: Path = ROOT, build_dir: Path = BUILD,
          variants: tuple[str, ...] = ()) -> Outputs:
    """Bring the whole tree up to date, and the kernel variants named (KERNEL_VARIANTS); raises
    BuildError, SpecError or ToolError with the reason.

    Holds build/.lock meanwhile, so parallel callers (pytest-xdist workers) take turns."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return Project(root, build_dir).build(jobs, echo, variants)
