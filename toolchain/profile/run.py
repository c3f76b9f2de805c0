"""Make a profile: boot the benchmark image with only the benchmark asked for and the plugin
loaded, then attribute what it counted. And make one of another git revision, to compare with:
its tree (git archive) profiled by its own tooling in a temporary directory.
"""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import bench
from ..build import BUILD, ROOT, Outputs, Project
from ..image import Image
from . import data
from .attribute import Attributor
from .model import Profile, load, build_profile
from .plugin import ProfileError, build_plugin, plugin_args, write_addrs

PROFILE_DIR = BUILD / "profile"
# Benchmarks whose figure is one TSC reading since reset, not a difference of two
# (kernel/kern/kern_bench.c: boot.first_result): their window opens at the first instruction.
SINCE_RESET = {"boot.first_result"}


def check_name(name: str) -> None:
    """ProfileError unless name can be one benchmark's exact name (no glob, no option)."""
    if not re.fullmatch(bench.BENCH_NAME, name) or any(c in name for c in "*?"):
        raise ProfileError(f"profile one benchmark by its exact name (e.g. syscall.null.sync), not "
                           f"{name!r}: `invoke bench` lists them; `invoke --help profile` shows the options")


def profile_benchmark(image: Image, outputs: Outputs, name: str, workdir: Path = PROFILE_DIR) -> Profile:
    """Boot image with kbench=NAME and the plugin; the profile of benchmark name.
    ProfileError (or bench.BenchError) when it cannot be made."""
    check_name(name)
    plugin = build_plugin()
    programs = {p: outputs.programs[p] for p in image.programs}
    workdir.mkdir(parents=True, exist_ok=True)
    addrs, counts = workdir / f"{name}.addrs", workdir / f"{name}.counts"
    write_addrs(addrs, outputs.kernel, list(programs.values()))
    counts.unlink(missing_ok=True)
    args = plugin_args(plugin, counts, addrs, name in SINCE_RESET)
    lines = bench.boot_bench(image, outputs, workdir, name, extra_args=args)
    mine = [line for line in lines if line.name == name]
    if len(mine) != 1:
        raise ProfileError(f"kbench={name} ran {', '.join(line.name for line in lines)}, not {name}")
    raw = data.load(counts)
    project = Project()
    objects = {n: project.obj(src, "user") for n, (src, _) in project.program_sources().items() if n in programs}
    return build_profile(raw, Attributor(outputs.kernel, programs, objects), mine[0], image.name,
                         bench.revision(), name in SINCE_RESET)


def profile_revision(rev: str, name: str, image: str, root: Path = ROOT) -> Profile:
    """The profile of benchmark name at git revision rev: its tree is exported to a temporary
    directory and profiled there by its own `invoke profile --save`; the directory is removed.
    ProfileError when rev is no revision, or has no profiler, or its run fails."""
    git = shutil.which("git")
    if git is None:
        raise ProfileError("--against REV needs git (`sudo apt-get install git`), or pass a saved profile")
    found = subprocess.run([git, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], cwd=root,
                           capture_output=True, text=True)
    if found.returncode != 0:
        raise ProfileError(f"--against {rev!r}: neither a saved profile (no such file) nor a git revision")
    commit = found.stdout.strip()
    with tempfile.TemporaryDirectory(prefix="damselfly-against-") as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        archive = subprocess.run(f"{shlex.quote(git)} archive --format=tar {commit} | tar -x -C {shlex.quote(str(tree))}", shell=True,
                                 cwd=root, capture_output=True, text=True)
        if archive.returncode != 0:
            raise ProfileError(f"git archive {rev} failed: {archive.stderr}")
        if "def profile(" not in (tree / "tasks.py").read_text():
            raise ProfileError(f"revision {rev} ({commit[:12]}) predates `invoke profile` (no markers, no "
                               "plugin): compare with a later revision or a saved profile")
        saved = Path(tmp) / "profile.json"
        cmd = [sys.executable, "-m", "invoke", "profile", name, "--image", image, "--save", str(saved),
               "--top", "0"]
        run = subprocess.run(cmd, cwd=tree, capture_output=True, text=True)
        if run.returncode != 0 or not saved.is_file():
            raise ProfileError(f"profiling {name} at {rev} ({commit[:12]}) failed (exit {run.returncode}):\n"
                               f"{(run.stdout + run.stderr).strip()[-3000:]}")
        prof = load(saved)
    prof.revision = f"{rev} ({commit[:12]})" if not commit.startswith(rev) else commit[:12]
    return prof


def against(spec: str, name: str, image: str) -> Profile:
    """--against: a saved profile's file, else a git revision to profile."""
    path = Path(spec)
    return load(path) if path.is_file() else profile_revision(spec, name, image)
