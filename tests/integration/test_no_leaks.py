"""No QEMU process outlives its owner: not on Ctrl-C, not when the owner is killed outright."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from toolchain.build import ROOT

pytestmark = pytest.mark.qemu

OWNER = textwrap.dedent("""
    import signal, sys, time
    # A shell may start us with SIGINT ignored (a background job of a non-interactive shell):
    # Ctrl-C must reach Python here, as it does for a user at a terminal.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from pathlib import Path
    from toolchain.machine import Machine, MachineConfig
    cfg = MachineConfig(kernel=Path(sys.argv[1]))
    with Machine(cfg, Path(sys.argv[2]), start_paused=True) as m:   # paused: it would run forever
        print("QEMU", m.proc.pid, flush=True)
        time.sleep(120)
""")


def alive(pid: int) -> bool:
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def start_owner(outputs, tmp_path):
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(outputs.kernel), str(tmp_path)],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = owner.stdout.readline()
    assert line.startswith("QEMU "), f"owner did not start QEMU: {line!r}"
    qemu = int(line.split()[1])
    assert alive(qemu)
    return owner, qemu


def wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL],
                         ids=["ctrl-c", "sigterm", "sigkill"])
def test_qemu_dies_with_its_owner(outputs, tmp_path, sig):
    """Signal the Python process that owns a running QEMU: is QEMU gone soon after?"""
    owner, qemu = start_owner(outputs, tmp_path)
    try:
        owner.send_signal(sig)
        owner.wait(10)
        assert wait_gone(qemu), f"QEMU {qemu} outlived its owner after {sig.name}"
    finally:
        if alive(qemu):
            os.kill(qemu, signal.SIGKILL)
        owner.kill()
