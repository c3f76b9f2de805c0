"""The console's Ctrl-C and Ctrl-\\: SIGINT and SIGQUIT to the foreground process group
(docs/upcalls.md). A program the kernel starts leads its own session and group and has the
console, so a key typed while it blocks in a read ends it as the signal's default action says."""
from __future__ import annotations

import pytest

from toolchain.machine import Machine

pytestmark = pytest.mark.qemu


@pytest.mark.parametrize("key, sig, echo", [("\x03", 2, r"\^C"), ("\x1c", 3, r"\^\\")])
def test_a_key_signals_the_foreground_group(outputs, make_image, tmp_path, key, sig, echo):
    """leaker blocks in a read of an empty pipe (only a signal ends it): does the key echo, end it
    with its signal (SIGQUIT with the report of a core-class default), and let init go on?"""
    image = make_image("ctrlc", "init=leaker,hello args=block", ["leaker", "hello"])
    with Machine(image.machine_config(outputs), tmp_path) as m:
        m.wait_for(r"leaker: blocking", 10)
        m.send("half a line" + key)
        m.wait_for(echo, 10)
        if sig == 3:
            m.wait_for(r"proc \d+ \(leaker\): SIGQUIT: terminated \(core dump: Damselfly writes none\)", 10)
        m.wait_for(rf"init: leaker: killed by signal {sig}", 10)
        m.wait_for(r"hello from pid \d+", 10)       # the next program runs: the kernel is fine
        m.wait_exit(10)
