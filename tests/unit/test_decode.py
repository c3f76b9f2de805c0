"""The host's syscall decoders (toolchain/decode.py): the spec's meaning, the ELF's layout.

A tiny ELF is built here from tests/unit/fixtures/spec/tiny.toml's generated sysmsg.h, so the
decoders are checked against offsets the compiler chose, not against numbers written here.
"""
from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from toolchain import gen
from toolchain.build import build as build_tree, include_dirs
from toolchain.decode import Decoders, decoders
from toolchain.facts import facts
from toolchain.spec import HEADER_SIZE, load_spec

ROOT = Path(__file__).resolve().parents[2]
TINY = Path("tests/unit/fixtures/spec/tiny.toml")


@pytest.fixture(scope="module")
def tiny_elf(tmp_path_factory) -> Path:
    """An i386 ELF with DWARF whose struct lwkt_msg and NAME_msg structs are tiny.toml's."""
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not found (install gcc and gcc-multilib)")
    out = tmp_path_factory.mktemp("tiny-elf")
    gen.generate(out, root=ROOT, spec_path=TINY, templates=["kernel/include/uapi/sys/sysmsg.h.j2",
                                                            "kernel/include/uapi/sys/errno.h.j2"])
    src = out / "tiny.c"
    src.write_text("#include <sys/sysmsg.h>\nvoid _start(void) { for (;;) continue; }\n")
    elf = out / "tiny.elf"
    subprocess.run([gcc, "-m32", "-std=gnu11", "-ffreestanding", "-nostdlib", "-static", "-no-pie", "-g",
                    "-fno-eliminate-unused-debug-types", "-D_KERNEL",
                    *[f"-I{d}" for d in include_dirs("kernel", out / "gen")], str(src), "-o", str(elf)],
                   cwd=ROOT, check=True, capture_output=True)
    return elf


@pytest.fixture(scope="module")
def dec(tiny_elf) -> Decoders:
    return Decoders(load_spec(ROOT / TINY), facts(tiny_elf))


def message(elf: Path, cmd: int, args: bytes = b"", *, flags: int | None = None, error: int = 0,
            result: int = 0, tag: int = 0) -> bytes:
    """The bytes of a syscall message: struct lwkt_msg as the ELF lays it out, then the arguments."""
    f = facts(elf)
    done = f.constant("MSGF_DONE") if flags is None else flags
    return f.layout("struct lwkt_msg").pack(ms_flags=done, ms_cmd=cmd, ms_error=error, ms_result=result,
                                            ms_tag=tag) + args


def test_decoder_decodes_a_call_with_a_64bit_argument(dec, tiny_elf):
    """Does the decoder find the call by number and read each argument where i386 put it?"""
    # seek(fd, off_t offset, whence): offset sits at 52 (4-aligned), whence at 60.
    data = message(tiny_elf, 1, struct.pack("<iqi", -3, 1 << 40 | 7, 2), result=123, tag=0xDEADBEEF12345678)
    msg = dec.decode(data)
    assert msg["name"] == "seek"
    assert msg["args"] == {"fd": -3, "offset": (1 << 40) | 7, "whence": 2}
    assert (msg["ms_cmd"], msg["ms_result"], msg["ms_tag"]) == (1, 123, 0xDEADBEEF12345678)


def test_decoder_tables_match_the_spec_and_the_compiler(dec):
    """Do the tables carry the spec's numbers, names and errnos, with the sizes and offsets the
    compiler gave (which are the generator's: sysmsg.h asserts them)?"""
    spec = load_spec(ROOT / TINY)
    assert dec.HEADER_SIZE == HEADER_SIZE
    assert {n: (v[0], v[1]) for n, v in dec.SYSCALLS.items()} == {c.number: (c.name, c.msgsize) for c in spec.syscalls}
    assert {n: [(a[0], a[1]) for a in v[3]] for n, v in dec.SYSCALLS.items()} == \
        {c.number: [(a.name, a.offset) for a in c.args] for c in spec.syscalls}
    assert dec.BY_NAME == {"halt": 0, "seek": 1, "read": 3}
    assert dec.ERRNO[14] == ("EFAULT", "Bad address")
    assert dec.SYSCALLS[3][3][1] == ("buf", 52, "I", "out", "len")
    assert dec.SYSCALLS[1][3][1][2] == "q"          # off_t: a signed 64-bit integer


def test_format_call_success_error_and_in_flight(dec, tiny_elf):
    """Does format_call give strace-like lines: the result, '-1 ENAME' on error, '...' while in flight?"""
    args = struct.pack("<iII", 0, 0x40001000, 5)
    ok = dec.decode(message(tiny_elf, 3, args, result=5))
    assert dec.format_call(ok) == "read(fd=0, buf=0x40001000, len=5) = 5"
    failed = dec.decode(message(tiny_elf, 3, args, error=14))
    assert dec.format_call(failed) == "read(fd=0, buf=0x40001000, len=5) = -1 EFAULT"
    pending = dec.decode(message(tiny_elf, 3, args, flags=0))
    assert dec.format_call(pending) == "read(fd=0, buf=0x40001000, len=5) ..."
    assert dec.format_error(22) == "EINVAL" and dec.format_error(99) == "99"


def test_decoder_unknown_number_and_short_message(dec, tiny_elf):
    """Is an unknown call number decoded without arguments, and a too-short message refused?"""
    unknown = dec.decode(message(tiny_elf, 2, error=38))
    assert unknown["name"] is None and unknown["args"] == {}
    assert dec.format_call(unknown) == "syscall_2(?) = -1 ENOSYS"
    with pytest.raises(ValueError, match="header"):
        dec.decode(message(tiny_elf, 1)[:47])
    with pytest.raises(ValueError, match="seek message needs 64 bytes"):
        dec.decode(message(tiny_elf, 1, struct.pack("<iq", 0, 0)))


def test_the_real_decoders_follow_the_real_kernel():
    """decoders() reads kernel/syscalls.toml and the built kernel: every call of the spec, at the
    size the kernel's struct NAME_msg has."""
    outputs = build_tree()
    dec = decoders(outputs.kernel)
    spec = load_spec(ROOT / "kernel" / "syscalls.toml")
    assert {n: v[1] for n, v in dec.SYSCALLS.items()} == {c.number: c.msgsize for c in spec.syscalls}
    assert dec.BY_NAME["write"] == next(c.number for c in spec.syscalls if c.name == "write")
