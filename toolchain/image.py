"""Image manifests (images/NAME.toml) and the bootable images built from them.

A manifest names the user programs the initrd holds, the kernel command line and the QEMU
settings. Building one yields build/images/NAME/: initrd.tar (ustar, reproducible: fixed
owners, modes and times, sorted names) and qemu.cmd, the exact command to boot it by hand.
"""
from __future__ import annotations

import io
import shlex
import tarfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .build import BUILD, ROOT, Outputs
from .machine import MachineConfig


class ImageError(Exception):
    """A manifest is wrong: names the file, the key and what to do."""


_KEYS = {"description": str, "kernel": dict, "initrd": dict, "qemu": dict}


@dataclass
class Image:
    name: str
    path: Path
    description: str
    cmdline: str
    programs: list[str]
    memory: str = "64M"
    cpus: int = 1
    deterministic: bool = False
    timeout: float = 60
    firmware: str = "qboot"
    extra_cmdline: list[str] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return (self.cmdline.split() + self.extra_cmdline)

    @property
    def ktap(self) -> bool:
        """A test image: the kernel reports in KTAP."""
        return "ktap" in self.words

    def option(self, key: str) -> str | None:
        for w in self.words:
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
        kernel = outputs.kernel if outputs else BUILD / "kernel" / "kernel.elf"
        cfg = MachineConfig(kernel=kernel, initrd=self.dir / "initrd.tar",
                            cmdline=" ".join(self.words), memory=self.memory, cpus=self.cpus,
                            deterministic=self.deterministic, firmware=self.firmware)
        for k, v in overrides.items():
            setattr(cfg, k, v)
        return cfg


def manifest_path(name: str, root: Path = ROOT) -> Path:
    path = Path(name)
    if path.suffix == ".toml" and path.exists():
        return path
    return root / "images" / f"{name}.toml"


def available(root: Path = ROOT) -> list[str]:
    return sorted(p.stem for p in (root / "images").glob("*.toml"))


def load_image(name: str, root: Path = ROOT) -> Image:
    """Read and check a manifest; ImageError names the file and the problem."""
    path = manifest_path(name, root)
    if not path.exists():
        raise ImageError(f"{path}: no such image; available: {', '.join(available(root))}")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ImageError(f"{path}: not valid TOML: {e}") from None
    for key, value in data.items():
        if key not in _KEYS:
            raise ImageError(f"{path}: unknown key '{key}'; allowed: {sorted(_KEYS)}")
        if not isinstance(value, _KEYS[key]):
            raise ImageError(f"{path}: '{key}' must be a {_KEYS[key].__name__}")
    kernel, initrd, qemu = data.get("kernel", {}), data.get("initrd", {}), data.get("qemu", {})
    qemu_types = {"memory": (str,), "cpus": (int,), "deterministic": (bool,), "timeout": (int, float),
                  "firmware": (str,)}
    unknown = set(qemu) - set(qemu_types)
    if unknown:
        raise ImageError(f"{path}: [qemu] has unknown key(s) {sorted(unknown)}")
    for key, value in qemu.items():
        if not isinstance(value, qemu_types[key]) or (key != "deterministic" and isinstance(value, bool)):
            want = " or ".join(t.__name__ for t in qemu_types[key])
            raise ImageError(f"{path}: [qemu] {key} must be a {want}, not {value!r}")
    programs = initrd.get("programs", [])
    if not isinstance(programs, list) or not all(isinstance(p, str) for p in programs):
        raise ImageError(f"{path}: [initrd] programs must be a list of program names")
    image = Image(path.stem, path, data.get("description", ""), kernel.get("cmdline", ""), programs,
                  str(qemu.get("memory", "64M")), int(qemu.get("cpus", 1)),
                  bool(qemu.get("deterministic", False)), float(qemu.get("timeout", 60)),
                  qemu.get("firmware", "qboot"))
    from .machine import FIRMWARE
    if image.firmware not in FIRMWARE:
        raise ImageError(f"{path}: [qemu] firmware {image.firmware!r} is unknown; choose one of {sorted(FIRMWARE)}")
    missing = [p for p in image.init if p.removeprefix("/bin/") not in programs]
    if missing:
        raise ImageError(f"{path}: [kernel] cmdline runs {missing} but [initrd] programs does not list them")
    return image


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


def build_image(image: Image, outputs: Outputs) -> Path:
    """Write build/images/NAME/{initrd.tar,qemu.cmd}; returns the directory."""
    files = {}
    for prog in image.programs:
        if prog not in outputs.programs:
            raise ImageError(f"{image.path}: program '{prog}' is not built; programs are the .c files "
                             f"in userland/bin and userland/tests: {sorted(outputs.programs)}")
        files[f"bin/{prog}"] = outputs.programs[prog]
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
