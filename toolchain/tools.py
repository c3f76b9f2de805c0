"""Find the host tools the build needs, and say which Debian package provides a missing one."""
from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import ToolchainError


class ToolError(ToolchainError):
    """A host tool is missing or unusable; the message names the Debian package to install."""


# command: the Debian package that provides it
PACKAGES = {
    "gcc": "gcc",
    "ar": "binutils",
    "ld": "binutils",
    "objcopy": "binutils",
    "qemu-system-i386": "qemu-system-x86",
    "gdb": "gdb",
}


def require(command: str) -> str:
    """The full path of command, or a ToolError naming its Debian package."""
    path = shutil.which(command)
    if path is None:
        pkg = PACKAGES.get(command, command)
        raise ToolError(f"'{command}' not found on PATH: install it with "
                        f"`sudo apt-get install --no-install-recommends {pkg}` (or run ./go, which does)")
    return path


@dataclass(frozen=True)
class Toolchain:
    cc: str             # gcc, used with -m32 for compiling, assembling and linking
    ar: str
    cc_include: Path    # gcc's own freestanding headers (stddef.h, stdint.h, stdarg.h)
    libgcc: Path        # the 32-bit libgcc.a (64-bit division helpers)

    def describe(self) -> list[str]:
        """What identifies this toolchain's output: part of every compile step's signature."""
        return [self.cc, str(self.cc_include), str(self.libgcc), compiler_version(self.cc)]


@functools.cache
def compiler_version(cc: str) -> str:
    return subprocess.run([cc, "--version"], capture_output=True, text=True).stdout.splitlines()[0]


def _is_elf32_archive(path: Path) -> bool:
    """True when the archive's first member is a 32-bit ELF object (byte 4 of ELF: class 1)."""
    data = path.read_bytes()[:1 << 20]
    at = data.find(b"\x7fELF")
    return at >= 0 and data[at + 4] == 1


@functools.cache
def find_toolchain() -> Toolchain:
    """Locate gcc with working -m32 support (gcc-multilib) and ar."""
    cc = require("gcc")
    ar = require("ar")
    libgcc = Path(subprocess.run([cc, "-m32", "-print-libgcc-file-name"], capture_output=True,
                                 text=True).stdout.strip())
    if not libgcc.is_file() or not _is_elf32_archive(libgcc):
        raise ToolError("gcc cannot build 32-bit code (no 32-bit libgcc.a): install it with "
                        "`sudo apt-get install gcc-multilib` (or run ./go, which does)")
    include = Path(subprocess.run([cc, "-m32", "-print-file-name=include"], capture_output=True,
                                  text=True).stdout.strip())
    if not (include / "stddef.h").is_file():
        raise ToolError(f"gcc's own headers are missing under {include}: reinstall the Debian package gcc")
    return Toolchain(cc, ar, include, libgcc)
