"""A small incremental build engine: steps, content signatures, dependency files, parallel runs.

A step turns inputs into outputs with a command (or a Python function). It reruns only when its
signature changed: the command line, the content of every declared input, and the content of
every file the compiler's dependency file (-MMD) listed last time. Content hashes, not mtimes,
so a touched-but-unchanged file costs nothing and a no-op rebuild does no work.
"""
from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .errors import ToolchainError


class BuildError(ToolchainError):
    """A step failed: the message holds the command and the tool's output."""


@dataclass
class Step:
    label: str                      # e.g. "CC kernel/kern/init_main.c"
    outputs: list[Path]
    inputs: list[Path]
    command: list[str] | None = None
    action: Callable[[], None] | None = None
    depfile: Path | None = None     # a Makefile-style dependency file the command writes
    extra: list[str] = field(default_factory=list)  # anything else that decides the output


class Builder:
    """Runs steps against a state directory; counts what ran for tests and progress."""

    def __init__(self, root: Path, build: Path, jobs: int | None = None, echo=None):
        self.root, self.build = root, build
        self.state_dir = build / ".state"
        self.jobs = jobs or os.cpu_count() or 1
        self.echo = echo or (lambda label: None)
        self.ran: list[str] = []
        self._hashes: dict[Path, str] = {}
        self._lock = threading.Lock()

    # -- signatures -------------------------------------------------------------------------
    def file_hash(self, path: Path) -> str:
        path = Path(path)
        st = path.stat()
        key = (path, st.st_mtime_ns, st.st_size)
        with self._lock:
            cached = self._hashes.get(path)
        if cached and cached[0] == key:
            return cached[1]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        with self._lock:
            self._hashes[path] = (key, digest)
        return digest

    def _state_path(self, step: Step) -> Path:
        name = hashlib.sha256(str(step.outputs[0]).encode()).hexdigest()[:24]
        return self.state_dir / f"{name}.json"

    def _base_signature(self, step: Step) -> str:
        h = hashlib.sha256()
        h.update(json.dumps([step.command or step.label, step.extra, [str(o) for o in step.outputs]]).encode())
        for p in step.inputs:
            h.update(str(p).encode() + b"\0" + self.file_hash(p).encode())
        return h.hexdigest()

    def _up_to_date(self, step: Step, base: str) -> bool:
        if not all(o.exists() for o in step.outputs):
            return False
        try:
            state = json.loads(self._state_path(step).read_text())
        except (OSError, ValueError):
            return False
        if state.get("base") != base:
            return False
        for dep, digest in state.get("deps", {}).items():
            try:
                if self.file_hash(Path(dep)) != digest:
                    return False
            except OSError:
                return False
        return True

    def _record(self, step: Step, base: str) -> None:
        deps = {}
        if step.depfile and step.depfile.exists():
            for dep in parse_depfile(step.depfile, self.root):
                if dep.exists():
                    deps[str(dep)] = self.file_hash(dep)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._state_path(step).write_text(json.dumps({"base": base, "deps": deps}))

    # -- running ----------------------------------------------------------------------------
    def run(self, step: Step) -> bool:
        """Bring one step up to date; True when it had to run."""
        for p in step.inputs:
            if not Path(p).exists():
                raise BuildError(f"{step.label}: input {p} does not exist")
        base = self._base_signature(step)
        if self._up_to_date(step, base):
            return False
        self.echo(step.label)
        for o in step.outputs:
            o.parent.mkdir(parents=True, exist_ok=True)
        if step.command:
            proc = subprocess.run(step.command, cwd=self.root, capture_output=True, text=True)
            if proc.returncode != 0:
                for o in step.outputs:      # never leave a half-made output looking current
                    o.unlink(missing_ok=True)
                raise BuildError(f"{step.label} failed (exit {proc.returncode})\n"
                                 f"$ {shlex.join(step.command)}\n{proc.stdout}{proc.stderr}".rstrip())
        if step.action:
            try:
                step.action()
            except Exception:
                for o in step.outputs:
                    if step.command:        # a check on a made output failed: remake it next time
                        o.unlink(missing_ok=True)
                raise
        self._record(step, base)
        with self._lock:
            self.ran.append(step.label)
        return True

    def run_all(self, steps: list[Step]) -> None:
        """Run independent steps in parallel; the first failure is raised after the rest finish."""
        errors: list[BaseException] = []
        if len(steps) <= 1 or self.jobs == 1:
            for s in steps:
                try:
                    self.run(s)
                except Exception as e:      # finish the others, then report the first
                    errors.append(e)
        else:
            with ThreadPoolExecutor(self.jobs) as pool:
                futures = [pool.submit(self.run, s) for s in steps]
                errors = [f.exception() for f in futures if f.exception()]
        if errors:
            raise errors[0]


def parse_depfile(path: Path, root: Path) -> list[Path]:
    """The prerequisites listed in a gcc -MMD/-MP dependency file (targets and phony rules skipped)."""
    text = path.read_text().replace("\\\n", " ")
    deps: list[Path] = []
    for line in text.splitlines():
        if ":" not in line:
            continue
        target, _, rest = line.partition(":")
        for word in rest.split():
            p = Path(word)
            deps.append(p if p.is_absolute() else root / p)
        # -MP adds "header.h:" rules with nothing after the colon; they add no words.
    seen, out = set(), []
    for d in deps:
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out
