"""Unit tests for toolchain.image: reading and checking image manifests, and the initrd archive.

Manifests are written into tmp_path/images/ and loaded with load_image(name, root=tmp_path);
every bad manifest must raise ImageError naming the file and the problem.
"""
import io
import os
import tarfile
import textwrap
from pathlib import Path

import pytest

from toolchain.build import BUILD, Outputs
from toolchain.image import Image, ImageError, _initrd_bytes, build_image, load_image
from toolchain.machine import MachineConfig

GOOD = """\
    description = "a test image"

    [kernel]
    cmdline = "ktap ktest=lib.* init=/bin/first,second"

    [initrd]
    programs = ["first", "second", "extra"]

    [qemu]
    memory = "128M"
    cpus = 2
    deterministic = true
    timeout = 7
"""


def write_manifest(root: Path, name: str, text: str) -> Path:
    path = root / "images" / f"{name}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def load_error(root: Path, name: str, text: str) -> tuple[Path, str]:
    path = write_manifest(root, name, text)
    with pytest.raises(ImageError) as info:
        load_image(name, root=root)
    return path, str(info.value)


def test_unknown_top_level_key(tmp_path):
    """Does a misspelt top-level key raise ImageError naming the file, the key and the allowed keys?"""
    path, msg = load_error(tmp_path, "bad", 'descripton = "typo"\n')
    assert str(path) in msg
    assert "unknown key 'descripton'" in msg
    assert "description" in msg      # the allowed keys are listed


def test_bad_toml(tmp_path):
    """Does a manifest that is not TOML raise ImageError naming the file (not a TOMLDecodeError)?"""
    path, msg = load_error(tmp_path, "bad", "[kernel\ncmdline = 1\n")
    assert str(path) in msg
    assert "not valid TOML" in msg


def test_wrong_type_for_table(tmp_path):
    """Does a top-level key of the wrong type (kernel = "x" instead of a table) raise ImageError?"""
    path, msg = load_error(tmp_path, "bad", 'kernel = "init=demo"\n')
    assert str(path) in msg
    assert "bad.toml:1: [kernel]: must be a table, not 'init=demo'" in msg


def test_qemu_unknown_key(tmp_path):
    """Does an unknown key under [qemu] raise ImageError naming the file and the key?"""
    path, msg = load_error(tmp_path, "bad", """\
        [qemu]
        memory = "64M"
        speed = "fast"
    """)
    assert str(path) in msg
    assert "[qemu]" in msg and "speed" in msg


@pytest.mark.parametrize("line, words", [('deterministic = "false"', "deterministic must be true or false, not 'false'"),
                                         ('cpus = "two"', "cpus must be an integer in 1..32, not 'two'"),
                                         ("cpus = true", "cpus must be an integer in 1..32, not True"),
                                         ("cpus = 0", "cpus must be an integer in 1..32, not 0"),
                                         ('timeout = "soon"', "timeout must be a number of at least 0 (seconds"),
                                         ("timeout = -1", "timeout must be a number of at least 0 (seconds"),
                                         ("memory = 64", 'memory must be a size such as "64M", not 64'),
                                         ('memory = "lots"', 'memory must be a size such as "64M", not \'lots\''),
                                         ('firmware = "ovmf"', "firmware 'ovmf' is unknown; choose one of")])
def test_qemu_value_types(tmp_path, line, words):
    """A [qemu] value of the wrong type or form (e.g. the string "false"): an ImageError naming
    the file, the line, the table and the key, and saying what it must be?"""
    path, msg = load_error(tmp_path, "typed", f"[qemu]\n{line}\n")
    assert msg.startswith(f"{path}:2: [qemu]: ") and words in msg


@pytest.mark.parametrize("programs", ['"demo"', '[1, 2]', '["demo", 3]'])
def test_programs_not_a_list_of_names(tmp_path, programs):
    """Does [initrd] programs that is not a list of strings raise ImageError naming the file?"""
    path, msg = load_error(tmp_path, "bad", f"[initrd]\nprograms = {programs}\n")
    assert str(path) in msg
    assert "programs must be a list" in msg


def test_init_program_not_in_initrd(tmp_path):
    """Does init= naming a program that [initrd] programs lacks raise ImageError naming it?"""
    path, msg = load_error(tmp_path, "bad", """\
        [kernel]
        cmdline = "init=demo,ghost"
        [initrd]
        programs = ["demo"]
    """)
    assert str(path) in msg
    assert "ghost" in msg
    assert "'demo'" not in msg       # only the missing one is named


def test_unknown_image_lists_available(tmp_path):
    """Does asking for an image with no manifest raise ImageError listing the available images?"""
    write_manifest(tmp_path, "alpha", "")
    write_manifest(tmp_path, "beta", "")
    with pytest.raises(ImageError) as info:
        load_image("gamma", root=tmp_path)
    msg = str(info.value)
    assert "gamma.toml" in msg and "no such image" in msg
    assert "alpha, beta" in msg


def test_good_manifest_fields(tmp_path):
    """Does a good manifest give every field: name, description, programs, ktap, init, option(), [qemu]?"""
    path = write_manifest(tmp_path, "good", GOOD)
    image = load_image("good", root=tmp_path)
    assert image.name == "good"
    assert image.path == path
    assert image.description == "a test image"
    assert image.programs == ["first", "second", "extra"]
    assert image.ktap is True
    assert image.init == ["/bin/first", "second"]
    assert image.option("ktest") == "lib.*"
    assert image.option("init") == "/bin/first,second"
    assert image.option("utest") is None
    m = image.machine
    assert (m.memory, m.cpus, m.deterministic, m.timeout) == ("128M", 2, True, 7.0)
    assert isinstance(m.timeout, float)


def test_manifest_defaults(tmp_path):
    """Does an empty manifest load with the documented defaults (not ktap, no init, 64M, 1 cpu)?"""
    write_manifest(tmp_path, "empty", "")
    image = load_image("empty", root=tmp_path)
    assert image.description == "" and image.cmdline == "" and image.programs == []
    assert image.ktap is False and image.init == []
    m = image.machine
    assert (m.memory, m.cpus, m.deterministic, m.timeout, m.firmware) == ("64M", 1, False, 60.0, "qboot")
    assert image.machine == MachineConfig()      # the defaults are MachineConfig's, not copies


def test_load_by_path(tmp_path):
    """Does load_image accept the path of a .toml file as well as a name?"""
    path = write_manifest(tmp_path, "bypath", GOOD)
    assert load_image(str(path), root=tmp_path / "elsewhere").name == "bypath"


def test_extra_cmdline_words():
    """Do extra_cmdline words (--guest-cmdline) count for ktap, option() and the machine's cmdline?"""
    image = Image(name="t", path=Path("t.toml"), description="", cmdline="init=demo", programs=["demo"])
    assert not image.ktap
    image.extra_cmdline = ["ktap", "ktest=vm.*", "ktest.fault"]
    assert image.ktap
    assert image.option("ktest") == "vm.*"       # the word "ktest.fault" is not "ktest=..."
    cfg = image.machine_config(memory="32M")
    assert cfg.cmdline == "init=demo ktap ktest=vm.* ktest.fault"
    assert cfg.initrd == BUILD / "images" / "t" / "initrd.tar"
    assert cfg.kernel == BUILD / "kernel" / "kernel.elf"
    assert cfg.memory == "32M"                   # overrides win


def test_real_default_image_loads():
    """Does the checked-in images/default.toml load, as a non-test image that runs the demo, the
    user-threads demo and then the shell, with no time limit (it is interactive)?"""
    image = load_image("default")
    assert image.name == "default"
    assert not image.ktap
    assert image.init == ["demo", "threads", "sh"]
    assert {"demo", "threads", "sh"} <= set(image.programs)
    assert image.machine.timeout == 0


def test_real_test_image_loads():
    """Does the checked-in images/test.toml load, as a KTAP image running every kernel test
    and the test programs it lists?"""
    image = load_image("test")
    assert image.ktap
    assert image.option("ktest") == "*"
    assert image.init
    assert all(p.removeprefix("/bin/").removesuffix("@kse") in image.programs for p in image.init)
    assert "test_threads@kse" in image.init     # the threaded tests run in the KSE model too


@pytest.fixture
def two_programs(tmp_path) -> dict[str, Path]:
    a = tmp_path / "a.elf"
    b = tmp_path / "b.elf"
    a.write_bytes(b"\x7fELF program a" * 50)
    b.write_bytes(b"program b\n")
    return {"bin/zeta": a, "bin/alpha": b}


def test_initrd_is_reproducible(two_programs):
    """Are the initrd bytes the same on every call, whatever the files' mtimes and dict order?"""
    first = _initrd_bytes(two_programs)
    for p in two_programs.values():
        os.utime(p, (1_000_000, 1_000_000))
    reordered = dict(reversed(list(two_programs.items())))
    assert _initrd_bytes(reordered) == first
    assert _initrd_bytes(two_programs) == first


def test_initrd_reads_back_as_ustar(two_programs):
    """Does tarfile read the initrd back as a ustar archive of bin/NAME entries, sorted, with mode
    0755, mtime 0, uid/gid 0, no owner names and the files' exact contents?"""
    data = _initrd_bytes(two_programs)
    assert len(data) % 512 == 0
    assert data[257:265] == b"ustar\x0000"       # POSIX ustar magic and version, not GNU or pax
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = tar.getmembers()
        assert [m.name for m in members] == ["bin/alpha", "bin/zeta"]
        for m in members:
            assert m.isfile()
            assert m.mode == 0o755
            assert m.mtime == 0
            assert (m.uid, m.gid, m.uname, m.gname) == (0, 0, "", "")
            assert tar.extractfile(m).read() == two_programs[m.name].read_bytes()


def test_build_image_names_an_unbuilt_program():
    """Does build_image refuse a program that was not built, naming the manifest and the program?"""
    image = Image(name="t", path=Path("images/t.toml"), description="", cmdline="", programs=["nosuch"])
    outputs = Outputs(kernel=Path("kernel.elf"), programs={"demo": Path("demo")})
    with pytest.raises(ImageError) as info:
        build_image(image, outputs)
    msg = str(info.value)
    assert "images/t.toml" in msg and "'nosuch'" in msg and "demo" in msg


def test_like_takes_what_a_manifest_leaves_out_from_the_other(tmp_path):
    """A variant names only what differs: its cmdline, programs and the other [qemu] keys are
    the base image's, and its own keys win."""
    write_manifest(tmp_path, "base", GOOD)
    write_manifest(tmp_path, "variant", 'like = "base"\n[qemu]\ncpus = 4\n')
    image = load_image("variant", root=tmp_path)
    assert image.programs == ["first", "second", "extra"]
    assert image.cmdline == "ktap ktest=lib.* init=/bin/first,second"
    assert (image.machine.cpus, image.machine.memory, image.machine.timeout) == (4, "128M", 7)


def test_like_names_a_missing_image_or_a_circle(tmp_path):
    path, msg = load_error(tmp_path, "a", 'like = "nope"\n')
    assert str(path) in msg and "no image 'nope'" in msg
    write_manifest(tmp_path, "b", 'like = "a"\n')
    path, msg = load_error(tmp_path, "a", 'like = "b"\n')
    assert "a -> b -> a" in msg and "circle" in msg
