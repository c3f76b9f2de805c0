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

from processes import alive, wait_gone

pytestmark = pytest.mark.qemu

OWNER = textwrap.dedent("""
    import sys, time
    # Started with SIGINT ignored when this test runs as a background job of a non-interactive
    # shell: the Machine takes SIGINT back while its guest runs, as for a user at a terminal.
    from pathlib import Path
    from toolchain.machine import Machine, MachineConfig
    cfg = MachineConfig(kernel=Path(sys.argv[1]))
    with Machine(cfg, Path(sys.argv[2]), start_paused=True) as m:   # paused: it would run forever
        print("QEMU", m.proc.pid, flush=True)
        time.sleep(120)
""")


def start_owner(outputs, tmp_path):
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(outputs.kernel), str(tmp_path)],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = owner.stdout.readline()
    assert line.startswith("QEMU "), f"owner did not start QEMU: {line!r}"
    qemu = int(line.split()[1])
    assert alive(qemu)
    return owner, qemu


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
