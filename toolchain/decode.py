"""Load the generated syscall decoders (build/gen/toolchain/syscall_decoders.py).

The module is generated from kernel/syscalls.toml like the kernel's table and libcr's stubs;
decoders() regenerates it when the spec changed, then imports it.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from . import gen
from .build import BUILD, ROOT


def decoders(build: Path = BUILD, root: Path = ROOT):
    """The generated module (decode, decode_record, format_call, SYSCALLS, ERRNO)."""
    gen.generate(build, root, templates=["toolchain/syscall_decoders.py.j2"])
    path = build / gen.output_for("toolchain/syscall_decoders.py.j2")
    spec = importlib.util.spec_from_file_location("damselfly_syscall_decoders", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
