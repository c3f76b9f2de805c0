"""The one schema check of the toolchain's TOML files (toolchain/schema.py), on the files it serves
that test_spec.py and test_image.py do not: traps.toml and vm/layout.toml, and the line finder."""
from __future__ import annotations

from pathlib import Path

import pytest

from toolchain import gen
from toolchain.schema import SchemaError, locate
from toolchain.spec import SpecError

ROOT = Path(__file__).resolve().parents[2]


def test_locate_follows_headers_keys_and_inline_tables():
    text = """# a comment
top = 1

[qemu]
memory = "64M"
timeout = 5

[[syscall]]
name = "a"

[[syscall]]
name = "b"
args = [
    { name = "fd", type = "int" },
    { name = "buf", type = "void *", size = "len" },
]
"""
    assert locate(text, ("top",)) == 2
    assert locate(text, ("qemu", "timeout")) == 6
    assert locate(text, ("qemu",)) == 4
    assert locate(text, ("syscall", 1, "name")) == 12
    assert locate(text, ("syscall", 1, "args", 1, "size")) == 15
    assert locate(text, ("syscall", 0, "missing")) == 8      # the entry's header, when the key is absent
    assert locate(text, ("nowhere",)) is None


def copy_with(tmp_path: Path, rel: Path, old: str, new: str) -> Path:
    """A copy of the tree's file rel at the same place under tmp_path, with old replaced by new."""
    dest = tmp_path / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    text = (ROOT / rel).read_text()
    assert old in text
    dest.write_text(text.replace(old, new, 1))
    return dest


def test_a_vector_out_of_order_names_its_line(tmp_path):
    path = copy_with(tmp_path, gen.TRAPS, "{ vector = 5,  name = \"BR\"", "{ vector = 6,  name = \"BR\"")
    with pytest.raises(SpecError) as e:
        gen.load_traps(path)
    assert e.value.where == "exception #6" and "vector must be 5" in e.value.problem
    assert 'name = "BR"' in path.read_text().splitlines()[e.value.line - 1]


def test_an_unknown_key_in_traps_is_refused(tmp_path):
    path = copy_with(tmp_path, gen.TRAPS, "irq_count = 16", "irq_count = 16\nirq_cont = 3")
    with pytest.raises(SchemaError, match=r"traps\.toml:\d+: file: unknown key 'irq_cont'; allowed: "):
        gen.load_traps(path)


def test_irq_names_are_read_and_checked(tmp_path):
    assert gen.load_traps(ROOT / gen.TRAPS).irq_names[0] == "timer"
    path = copy_with(tmp_path, gen.TRAPS, '4 = "serial"', '44 = "serial"')
    with pytest.raises(SchemaError, match=r"44: an IRQ line must be a number in 0\.\.15"):
        gen.load_traps(path)


@pytest.mark.parametrize("old, new, words, line", [
    ("user_base = 0x40000000", "user_base = 0x40000100", "user_base = 0x40000100 is not a multiple of the page size",
     "user_base ="),
    ("user_stack_pages = 16", "user_stack_pages = \"16\"", "user_stack_pages must be an integer", "user_stack_pages ="),
    ("user_top = 0xc0000000", "user_top = 0x30000000", "kernel_base < kernel_top <= user_base < user_top", None),
    ("user_stack_pages = 16\n", "", "missing key 'user_stack_pages'", None),     # the whole file's problems
])
def test_a_bad_layout_is_refused_with_file_and_line(tmp_path, old, new, words, line):
    path = copy_with(tmp_path, gen.LAYOUT, old, new)
    with pytest.raises(SpecError) as e:
        gen.load_layout(tmp_path)
    assert words in str(e.value) and str(path) in str(e.value)
    if line is None:
        assert e.value.line is None
    else:
        assert path.read_text().splitlines()[e.value.line - 1].startswith(line)


def test_the_real_layout_is_what_the_build_links_at():
    from toolchain.build import build
    from elftools.elf.elffile import ELFFile
    layout = gen.load_layout()
    out = build()
    with open(out.programs["hello"], "rb") as f:
        first = next(s for s in ELFFile(f).iter_segments() if s["p_type"] == "PT_LOAD")
    assert first["p_vaddr"] == layout["user_base"]
    gen_h = (ROOT / "build" / "gen" / "kernel" / "include" / "vm" / "layout.h").read_text()
    assert f"#define USER_TOP\t{layout['user_top']:#010x}u" in gen_h
