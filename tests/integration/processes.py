"""Helpers of the integration tests that watch processes: is a pid alive, which QEMU is whose."""
from __future__ import annotations

import time
from pathlib import Path


def alive(pid: int) -> bool:
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_gone(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def qemu_with(marker: str, seconds: float = 60) -> int:
    """The pid of the QEMU whose command line holds marker, once it runs."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv and argv[0].endswith(b"qemu-system-i386") and any(marker.encode() in a for a in argv):
                return int(entry.name)
        time.sleep(0.1)
    raise AssertionError(f"no QEMU with {marker!r} on its command line started within {seconds} s")
