"""Image manifests (images/NAME.toml) and the bootable images built from them.

A manifest names the user programs the initrd holds, the kernel command line and the QEMU
settings. Building one yields build/images/NAME/: initrd.tar (ustar, reproducible: fixed
owners, modes and times, sorted names) and qemu.cmd, the exact command to boot it by hand.
"""
from __future__ import annotations

import dataclasses
import io
import shlex
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from . import schema
from .build import BUILD, ROOT, Outputs
from .machine import FIRMWARE, MachineConfig
from .schema import SchemaError
from .tools import require


class ImageError(SchemaError):
    """A manifest is wrong: names the file, the line, the key and what to do."""


@dataclass
class Image:
    name: str
    path: Path
    description: str = ""
    cmdline: str = ""
    programs: list[str] = field(default_factory=list)
    machine: MachineConfig = field(default_factory=MachineConfig)     # [qemu], and MachineConfig's defaults
    extra_cmdline: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return (self.cmdline.split() + self.extra_cmdline)

    @property
    def ktap(self) -> bool:
        """A test image: the kernel reports in KTAP."""
        return "ktap" in self.words

    def option(self, key: str) -> str | None:
        """The value of key=VALUE on the command line; the last such word counts, as in the kernel."""
        for w in reversed(self.words):
            if w.startswith(key + "="):
                return w.split("=", 1)[1]
        return None

    @property
    def init(self) -> list[str]:
        value = self.option("init")
        return [p for p in value.split(",") if p] if value else []

    @property
    def dir(self) -> Path:
        return BUILD / "images" / self.name

    def machine_config(self, outputs: Outputs | None = None, **overrides) -> MachineConfig:
        """The image's MachineConfig with the build's kernel, its initrd and its command line."""
        built = {"kernel": outputs.kernel if outputs else BUILD / "kernel" / "kernel.elf",
                 "initrd": self.dir / "initrd.tar", "cmdline": " ".join(self.words)}
        return dataclasses.replace(self.machine, **(built | overrides))


def manifest_path(name: str, root: Path = ROOT) -> Path:
    path = Path(name)
    if path.suffix == ".toml" and path.exists():
        return path
    return root / "images" / f"{name}.toml"


def available(root: Path = ROOT) -> list[str]:
    return sorted(p.stem for p in (root / "images").glob("*.toml"))


# images/NAME.toml (docs/harness.md has the table of keys). [qemu] keys are MachineConfig's
# fields; a key left out takes MachineConfig's default.
MANIFEST = schema.Table({
    "description": schema.Key(schema.Str(forbid=("\n",), what="a one-line string"), default=""),
    # like = "NAME": what this manifest leaves out ([kernel] cmdline, [initrd] programs, each
    # [qemu] key) is images/NAME.toml's, so a variant (the test suite at 1 or 4 CPUs) names only
    # what differs and the lists have one home.
    "like": schema.Key(schema.Str(identifier=True, what="the name of another image"), default=None),
    "kernel": schema.Key(schema.Table({"cmdline": schema.Key(schema.Str(what="a string of words"))}), default=dict),
    "initrd": schema.Key(schema.Table({
        "programs": schema.Key(schema.List(schema.Str(identifier=True, what="a list of program names"),
                                           what="a list of program names")),
    }), default=dict),
    "qemu": schema.Key(schema.Table({
        "memory": schema.Key(schema.Str(pattern=r"\d+[KMG]?", what='a size such as "64M"')),
        "cpus": schema.Key(schema.Int(1, 32)),
        "deterministic": schema.Key(schema.Bool()),
        "timeout": schema.Key(schema.Number(min=0, what=" (seconds; 0: no limit)")),
        "firmware": schema.Key(schema.Str(choices=lambda: FIRMWARE)),
    }), default=dict),
})


def load_image(name: str, root: Path = ROOT) -> Image:
    """Read and check a manifest; ImageError names the file, the line and the problem."""
    path = manifest_path(name, root)
    if not path.exists():
        raise ImageError(path, "file", f"no such image; available: {', '.join(available(root))}")
    doc = schema.load(path, MANIFEST, ImageError)
    data = _with_base(doc, root, [path.stem])
    image = Image(path.stem, path, data["description"], data["kernel"].get("cmdline", ""),
                  data["initrd"].get("programs", []), MachineConfig(**data["qemu"]))
    # NAME@kse runs NAME in the KSE model (the kernel's init gives it CR_SCHED=kse)
    missing = [p for p in image.init
               if p.removeprefix("/bin/").removesuffix("@kse") not in image.programs]
    if missing:
        doc.fail(("kernel", "cmdline"), "[kernel]",
                 f"cmdline runs {missing} but [initrd] programs does not list them; add them there")
    return image


def _with_base(doc, root: Path, chain: list[str]) -> dict:
    """doc's data with what it leaves out taken from the image it is `like` (and so on)."""
    data = doc.data
    base_name = data.get("like")
    if base_name is None:
        return data
    if base_name in chain:
        doc.fail(("like",), "like", f"images {' -> '.join(chain + [base_name])} are like each other in a "
                 "circle; one of them must say everything itself")
    base_path = manifest_path(base_name, root)
    if not base_path.exists():
        doc.fail(("like",), "like", f"no image '{base_name}'; available: {', '.join(available(root))}")
    base = _with_base(schema.load(base_path, MANIFEST, ImageError), root, chain + [base_name])
    return data | {
        "kernel": base["kernel"] | data["kernel"],
        "initrd": base["initrd"] | data["initrd"],
        "qemu": base["qemu"] | data["qemu"],
    }


def _initrd_bytes(files: dict[str, Path]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(files):
            data = files[name].read_bytes()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o755, 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


STRIPPED = BUILD / "initrd-programs"


def _without_debug_info(program: Path) -> Path:
    """program's copy without DWARF (build/initrd-programs/NAME), remade when program changes.
    The guest needs only the loadable segments; the host tools (inspect, profile, gdb, elfcheck)
    read the full ELF in build/userland. Debug info is four fifths of a program's file, so an
    initrd of thirty programs would otherwise take 15 MB of a 64 MB guest's memory."""
    out = STRIPPED / program.name
    if not out.exists() or out.stat().st_mtime_ns < program.stat().st_mtime_ns:
        STRIPPED.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        subprocess.run([require("objcopy"), "--strip-debug", str(program), str(tmp)], check=True)
        tmp.replace(out)
    return out


def build_image(image: Image, outputs: Outputs) -> Path:
    """Write build/images/NAME/{initrd.tar,qemu.cmd}; returns the directory."""
    files = {}
    for prog in image.programs:
        if prog not in outputs.programs:
            raise ImageError(image.path, "[initrd]", f"program '{prog}' is not built; programs are the .c "
                             f"files in userland/bin, userland/bench and userland/tests: {sorted(outputs.programs)}")
        files[f"bin/{prog}"] = _without_debug_info(outputs.programs[prog])
    image.dir.mkdir(parents=True, exist_ok=True)
    data = _initrd_bytes(files)
    initrd = image.dir / "initrd.tar"
    if not initrd.exists() or initrd.read_bytes() != data:
        initrd.write_bytes(data)
    cmd = image.machine_config(outputs).argv("stdio", None, paused=False)
    (image.dir / "qemu.cmd").write_text(
        "# Boot this image by hand (leave with Ctrl-A X); generated by toolchain/image.py\n"
        + shlex.join(cmd) + "\n")
    return image.dir
