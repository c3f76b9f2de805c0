"""The ABI headers user programs may include (kernel/include/uapi) and the headers of the code the
kernel and libcr both compile (kernel/include/shared) stand on their own: each compiles with
userland's include path alone, which never reaches the kernel's private headers."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from toolchain import gen
from toolchain.build import include_dirs

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = sorted(p.relative_to(ROOT) for d in ("kernel/include/uapi", "kernel/include/shared")
                for p in (ROOT / d).rglob("*.h"))


@pytest.fixture(scope="module")
def gen_dir(tmp_path_factory) -> Path:
    """The generated headers (errno.h, sysmsg.h, libcr's syscalls.h) of the real spec."""
    build = tmp_path_factory.mktemp("uapi-build")
    gen.generate(build, root=ROOT, templates=[t for t, s in gen.TEMPLATES.items() if gen.SPEC in s])
    return build / "gen"


def _compile(text: str, gen_dir: Path, side: str = "user") -> subprocess.CompletedProcess:
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc not found (install gcc and gcc-multilib)")
    includes = [f"-I{d}" for d in include_dirs(side, gen_dir)]
    return subprocess.run([gcc, "-m32", "-std=gnu11", "-ffreestanding", "-nostdinc", "-isystem",
                           subprocess.run([gcc, "-m32", "-print-file-name=include"], capture_output=True,
                                          text=True).stdout.strip(),
                           "-Wall", "-Werror", "-fsyntax-only", "-x", "c", *includes, "-"],
                          input=text, cwd=ROOT, capture_output=True, text=True)


def test_the_user_path_holds_no_private_kernel_directory():
    """Is every directory on userland's include path libcr's own, the ABI's or the shared code's?"""
    for d in include_dirs("user"):
        assert not d.startswith("kernel/") or d.startswith(("kernel/include/uapi", "kernel/include/shared")), d
        assert "gen/kernel/" not in d or d.endswith("/kernel/include/uapi"), d


# Shared headers whose inline code compiles against the including side's own types: what each
# side includes first (sys/runq.h works on whichever struct thread is in scope; libcr's comes
# from cr/thread.h, as cr/sched.h includes them).
PRELUDE = {"sys/runq.h": "#include <cr/thread.h>\n"}


@pytest.mark.parametrize("header", PUBLIC, ids=str)
def test_public_header_compiles_with_the_user_path_alone(header, gen_dir):
    """Does this uapi or shared header compile on its own (after its side's types, for the few
    that PRELUDE names), for a user program?"""
    name = str(header).split("/", 3)[3]        # kernel/include/uapi/sys/x.h -> sys/x.h
    r = _compile(PRELUDE.get(name, "") + f"#include <{name}>\n", gen_dir)
    assert r.returncode == 0, f"{header} does not stand on its own for userland:\n{r.stderr}"


def test_a_private_kernel_header_is_out_of_userland_reach(gen_dir):
    """Would a user program that includes a kernel-private header fail to compile (the check bites)?"""
    r = _compile("#include <sys/proc.h>\n", gen_dir)
    assert r.returncode != 0 and "sys/proc.h" in r.stderr
