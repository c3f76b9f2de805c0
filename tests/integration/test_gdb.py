"""`invoke gdb --program NAME`: the program's symbols, and breakpoints that stop in its process only."""
from __future__ import annotations

import re
import socket

import pytest

from toolchain import cli
from toolchain.image import ImageError

pytestmark = pytest.mark.qemu


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gdb_program_stops_in_that_process_only(capfd):
    """The default image runs demo, then threads: every program's _start is at the same address.
    With --program threads, does `pbreak _start` pass demo by and stop in threads, with its
    symbols loaded?"""
    status = cli.gdb("default", free_port(), "threads",
                     batch=["pbreak _start", "continue", "p cpu0_globaldata.gd_curthread->td_proc->p_comm",
                            "info symbol $pc"])
    out = capfd.readouterr().out
    assert status == 0, out
    assert re.search(r"Hardware assisted breakpoint \d+ at 0x[0-9a-f]+: file userland/bin/threads\.c", out)  # pbreak main
    assert '$1 = "threads"' in out, out
    assert re.search(r"_start in section \.text of \S+/userland/bin/threads\n", out), out


def test_gdb_program_not_in_the_image_is_refused():
    with pytest.raises(ImageError, match=r"program 'test_libcr' is not in image default \(its programs: "):
        cli.gdb("default", free_port(), "test_libcr")
