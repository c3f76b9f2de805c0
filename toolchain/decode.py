"""Decode Damselfly system-call messages on the host: the trace's calls, the tracing shim's
CRTRACE lines, the calls the inspector finds queued.

What a message means comes from the spec (kernel/syscalls.toml: each call's number, name,
arguments, directions, and the error names), read with spec.load_spec; where each field sits
comes from the DWARF of a kernel built from that spec (struct lwkt_msg, and each call's struct
NAME_msg that sysmsg.h declares), read with toolchain/facts.py. Nothing is generated for it and
no offset is written here.
"""
from __future__ import annotations

import functools
import struct
from pathlib import Path

from .build import BUILD, ROOT
from .facts import Facts, facts
from .spec import Spec, load_spec

SPEC = ROOT / "kernel" / "syscalls.toml"


class Decoders:
    """The decoding tables of one spec as laid out in one ELF, and the functions that use them.

    HEADER       {field: (offset, struct code)} of struct lwkt_msg ("ms_cmd", "ms_flags", ...)
    HEADER_SIZE  its size
    SYSCALLS     {number: (name, message size, return type, [(arg, offset, code, dir, size)])}
    BY_NAME      {name: number}
    ERRNO        {number: (name, message)}
    """

    def __init__(self, spec: Spec, elf: Facts):
        header = elf.layout("struct lwkt_msg")
        self.HEADER = {f.name: (f.offset, f.code) for f in header.fields}
        self.HEADER_SIZE = header.size
        self.ERRNO = {e.number: (e.name, e.message) for e in spec.errnos}
        self.SYSCALLS = {}
        for c in spec.syscalls:
            msg = elf.layout(f"struct {c.name}_msg")
            args = [(a.name, msg.field(a.name).offset, msg.field(a.name).code, a.dir, a.size) for a in c.args]
            self.SYSCALLS[c.number] = (c.name, msg.size, c.ret, args)
        self.BY_NAME = {v[0]: k for k, v in self.SYSCALLS.items()}
        self.MSGF_DONE = elf.constant("MSGF_DONE")

    def decode(self, data: bytes) -> dict:
        """Decode one message: header fields, the call's name and its arguments by name.

        Raises ValueError when the bytes are too short for the header or for the call's arguments.
        An unknown number decodes with name None and no arguments (the kernel answers ENOSYS).
        """
        if len(data) < self.HEADER_SIZE:
            raise ValueError(f"message of {len(data)} bytes is shorter than the {self.HEADER_SIZE}-byte header")
        out = {name: struct.unpack_from("<" + code, data, off)[0] for name, (off, code) in self.HEADER.items()}
        call = self.SYSCALLS.get(out["ms_cmd"])
        out["name"], out["args"] = (call[0] if call else None), {}
        if call is None:
            return out
        if len(data) < call[1]:
            raise ValueError(f"{call[0]} message needs {call[1]} bytes, got {len(data)}")
        for name, off, code, _dir, _size in call[3]:
            out["args"][name] = struct.unpack_from("<" + code, data, off)[0]
        return out

    def decode_record(self, line: str) -> dict:
        """Decode a 'CRTRACE <hex>' record line from libcr's tracing shim."""
        word, _, hexbytes = line.strip().partition(" ")
        if word != "CRTRACE":
            raise ValueError(f"not a CRTRACE record: {line!r}")
        return self.decode(bytes.fromhex(hexbytes))

    def format_error(self, number: int) -> str:
        """'EFAULT' for 14; the bare number when it is not an ABI error."""
        return self.ERRNO[number][0] if number in self.ERRNO else str(number)

    def format_call(self, msg: dict) -> str:
        """One line, strace-like: 'write(fd=1, buf=0x40001000, len=5) = 5' or '= -1 EFAULT'.

        libcr's tracing shim (CR_TRACE=1) prints the very same text for the same message bytes.
        """
        if msg["name"] is None:
            head = f"syscall_{msg['ms_cmd']}(?)"
        else:
            parts = []
            for name, _off, _code, direction, _size in self.SYSCALLS[msg["ms_cmd"]][3]:
                value = msg["args"][name]
                parts.append(f"{name}=0x{value:x}" if direction else f"{name}={value}")
            head = f"{msg['name']}({', '.join(parts)})"
        if not msg["ms_flags"] & self.MSGF_DONE:
            return head + " ..."
        if msg["ms_error"]:
            return f"{head} = -1 {self.format_error(msg['ms_error'])}"
        return f"{head} = {msg['ms_result']}"


def decoders(kernel: Path | None = None, spec: Path = SPEC) -> Decoders:
    """The decoders of the spec, laid out as in kernel (default: the last build's kernel.elf)."""
    kernel = Path(kernel) if kernel else BUILD / "kernel" / "kernel.elf"
    return _decoders(facts(kernel), str(spec), Path(spec).stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _decoders(elf: Facts, spec: str, _mtime: int) -> Decoders:
    return Decoders(load_spec(spec), elf)
