"""Unit tests for toolchain.tools: finding host tools, and naming the Debian package of a missing one."""
import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from toolchain import tools
from toolchain.tools import ToolError, find_toolchain, require


@pytest.fixture
def nothing_on_path(monkeypatch):
    """shutil.which finds nothing."""
    monkeypatch.setattr(tools.shutil, "which", lambda command: None)


@pytest.fixture
def fresh_toolchain():
    """find_toolchain() is cached: clear it before and after, so no fake leaks to other tests."""
    find_toolchain.cache_clear()
    yield
    find_toolchain.cache_clear()


@pytest.mark.parametrize("command, package", [
    ("qemu-system-i386", "qemu-system-x86"),
    ("gcc", "gcc"),
    ("ar", "binutils"),
    ("gdb", "gdb"),
])
def test_require_names_the_debian_package(nothing_on_path, command, package):
    """Does a missing tool raise ToolError naming the command and the apt-get line for its package?"""
    with pytest.raises(ToolError) as info:
        require(command)
    msg = str(info.value)
    assert f"'{command}' not found" in msg
    assert f"apt-get install --no-install-recommends {package}`" in msg


def test_require_unknown_tool_names_itself(nothing_on_path):
    """Does a tool with no known package fall back to suggesting a package of its own name?"""
    with pytest.raises(ToolError, match="install --no-install-recommends frobnicate`"):
        require("frobnicate")


def test_require_returns_the_full_path():
    """Does require return the absolute path shutil.which finds (here: the host's sh)?"""
    path = require("sh")
    assert Path(path).is_absolute() and Path(path).name == "sh"


def fake_gcc(tmp_path: Path, libgcc: str, monkeypatch) -> Path:
    """A gcc on PATH that answers -print-libgcc-file-name with libgcc (ar stays the real one)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    gcc = bindir / "gcc"
    gcc.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        for arg in "$@"; do
            case "$arg" in
            -print-libgcc-file-name) echo '{libgcc}'; exit 0 ;;
            -print-file-name=include) echo '{tmp_path}/include'; exit 0 ;;
            --version) echo 'gcc (Fake) 1.0'; exit 0 ;;
            esac
        done
        exit 1
    """))
    gcc.chmod(0o755)
    (tmp_path / "include").mkdir()
    (tmp_path / "include" / "stddef.h").write_text("")
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    assert shutil.which("gcc") == str(gcc)
    return gcc


def host_libgcc64() -> str:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("no host gcc")
    path = subprocess.run([gcc, "-print-libgcc-file-name"], capture_output=True, text=True).stdout.strip()
    if not Path(path).is_file() or "32" in path:
        pytest.skip(f"the host's 64-bit libgcc path is unusable here: {path!r}")
    return path


def test_find_toolchain_rejects_a_64_bit_libgcc(tmp_path, monkeypatch, fresh_toolchain):
    """With a gcc whose -m32 libgcc is the 64-bit one (no gcc-multilib), does find_toolchain raise
    ToolError telling to install gcc-multilib?"""
    fake_gcc(tmp_path, host_libgcc64(), monkeypatch)
    with pytest.raises(ToolError, match="gcc-multilib"):
        find_toolchain()


def test_find_toolchain_rejects_a_missing_libgcc(tmp_path, monkeypatch, fresh_toolchain):
    """With a gcc that cannot find a 32-bit libgcc at all (it then prints the bare name), does
    find_toolchain raise ToolError telling to install gcc-multilib?"""
    fake_gcc(tmp_path, "libgcc.a", monkeypatch)
    with pytest.raises(ToolError, match="gcc-multilib"):
        find_toolchain()


def test_find_toolchain_without_gcc(nothing_on_path, fresh_toolchain):
    """With no gcc at all, does find_toolchain raise the ToolError naming the gcc package?"""
    with pytest.raises(ToolError, match="install --no-install-recommends gcc`"):
        find_toolchain()


def test_find_toolchain_on_this_host(fresh_toolchain):
    """On this host (gcc-multilib installed) does find_toolchain find a 32-bit libgcc.a and gcc's
    own freestanding headers?"""
    tc = find_toolchain()
    assert tc.libgcc.is_file() and tc.libgcc.name == "libgcc.a"
    assert (tc.cc_include / "stddef.h").is_file()
    assert Path(tc.cc).name == "gcc" and Path(tc.ar).name == "ar"
    desc = tc.describe()
    assert desc[:3] == [tc.cc, str(tc.cc_include), str(tc.libgcc)] and desc[3]
