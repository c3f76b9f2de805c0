"""Unit tests for toolchain.spec: loading and validating the system-call spec (kernel/syscalls.toml).

Fixtures live in tests/unit/fixtures/spec/: tiny.toml is a small valid spec, and each bad_*.toml
has exactly one problem that load_spec must report with the file, the entry and what is wrong.
"""
from pathlib import Path

import pytest

from toolchain import spec as spec_mod
from toolchain.spec import HEADER_SIZE, SpecError, load_spec

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "spec"
TINY = FIXTURES / "tiny.toml"

# (fixture, the entry the error must name, words the problem must contain, text of the line it names)
BAD_SPECS = [
    ("bad_duplicate_number.toml", "syscall 'second'", ["duplicate number 1", "'first'"], "number = 1"),
    ("bad_duplicate_name.toml", "syscall 'twice'", ["duplicate name"], 'name = "twice"'),
    ("bad_reserved_arg_name.toml", "syscall 'poke'", ["'msg'", "reserved"], 'name = "msg"'),
    ("bad_too_many_args.toml", "syscall 'wide'", ["7 items", "at most 6", "tracing table"], "args = ["),
    ("bad_string_with_size.toml", "syscall 'unlink'", ["string argument 'path'", "max (no size)"], "size = 4"),
    ("bad_string_not_in.toml", "syscall 'unlink'", ["string argument 'path'", 'dir = "in"'], 'dir = "out"'),
    ("bad_string_max_too_big.toml", "syscall 'unlink'", ["argument 'path': max", "2..4096"], "max = 100000"),
    ("bad_string_on_void_pointer.toml", "syscall 'unlink'", ["string argument 'path'", "'const char *'"],
     'type = "const void *"'),
    ("bad_duplicate_stub.toml", "syscall 'two'", ["duplicate stub name 'same'"], 'stub = "same"'),
    ("bad_doc_breaks_comment.toml", "syscall 'oops'", ["doc must not contain", "*/"], "doc = "),
    ("bad_noreturn_with_result.toml", "syscall 'leave'", ["noreturn", 'ret = "void"'], 'ret = "int"'),
    ("bad_noreturn_in_batch.toml", "syscall 'leave'", ["noreturn", "batch = false"], "noreturn = true"),
    ("bad_anycpu_blocking.toml", "syscall 'read'", ["anycpu", "blocking = false"], "anycpu = true"),
    ("bad_unknown_type.toml", "syscall 'sleep'", ["argument 'seconds': type 'float' is unknown", "choose one of"],
     'type = "float"'),
    ("bad_pointer_without_size.toml", "syscall 'write'", ["'buf'", "no size"], 'name = "buf"'),
    ("bad_pointer_without_dir.toml", "syscall 'write'", ["pointer argument 'buf'", "needs dir"], 'name = "buf"'),
    ("bad_size_names_missing_arg.toml", "syscall 'write'", ["size of 'buf'", "'count'", "not an argument"],
     'size = "count"'),
    ("bad_missing_doc.toml", "syscall 'getpid'", ["missing key 'doc'"], "[[syscall]]"),
    ("bad_unknown_field.toml", "syscall 'getpid'", ["unknown key 'flavour'", "allowed"], "flavour ="),
    ("bad_number_out_of_range.toml", "syscall 'toobig'", ["0..1023", "1024"], "number = 1024"),
    ("bad_toml_syntax.toml", "file", ["not valid TOML", "line 11"], 'name = "broken'),
    ("bad_missing_required_errno.toml", "[errno]", ["EASYNC", "required by the kernel"], "[errno]"),
    ("bad_duplicate_errno_number.toml", "[errno]", ["EBADADDR", "duplicate number 14", "EFAULT"], "EBADADDR ="),
    ("bad_dir_on_non_pointer.toml", "syscall 'close'", ["argument 'fd'", "not a pointer"], 'dir = "in"'),
]


@pytest.mark.parametrize("fixture, entry, words, line", BAD_SPECS, ids=[b[0] for b in BAD_SPECS])
def test_bad_spec_is_rejected_naming_file_line_entry_and_problem(fixture, entry, words, line):
    """Does each bad spec fail with a SpecError saying which file, which line (the one that holds
    the problem), which entry and what is wrong?"""
    path = FIXTURES / fixture
    with pytest.raises(SpecError) as info:
        load_spec(path)
    err = info.value
    assert err.path == str(path)
    assert err.entry == entry
    for word in words:
        assert word in err.problem, f"{word!r} not in problem {err.problem!r}"
    assert err.line is not None, "the error names no line"
    assert line in path.read_text().splitlines()[err.line - 1], f"line {err.line} is not the one with {line!r}"
    assert str(err) == f"{path}:{err.line}: {entry}: {err.problem}"


def test_every_bad_fixture_has_a_case():
    """Is every bad_*.toml fixture checked by the table above (and does every row name a real file)?"""
    on_disk = {p.name for p in FIXTURES.glob("bad_*.toml")}
    in_table = {b[0] for b in BAD_SPECS}
    assert on_disk == in_table


def test_missing_file_is_a_spec_error(tmp_path):
    """Does a spec path that does not exist give a SpecError naming the path, not a bare OSError?"""
    missing = tmp_path / "nope.toml"
    with pytest.raises(SpecError) as info:
        load_spec(missing)
    assert str(info.value) == f"{missing}: file: not found"


def test_tiny_spec_syscalls_are_sorted_by_number():
    """Are the tiny spec's calls loaded, sorted by number although the file lists them out of order?"""
    spec = load_spec(TINY)
    assert [(c.number, c.name) for c in spec.syscalls] == [(0, "halt"), (1, "seek"), (3, "read")]
    assert spec.max_number == 3
    assert sorted(spec.by_number) == [0, 1, 3]


def test_tiny_spec_entry_fields():
    """Are ret, noreturn, blocking, stub and doc read as written, with the documented defaults?"""
    halt, seek, read = load_spec(TINY).syscalls
    assert (halt.ret, halt.noreturn, halt.blocking, halt.stub) == ("void", True, False, "_halt")
    assert (seek.ret, seek.noreturn, seek.blocking, seek.stub) == ("off_t", False, False, "seek")
    assert (read.ret, read.noreturn, read.blocking, read.stub) == ("ssize_t", False, True, "read")
    assert read.doc == "Read up to len bytes from descriptor fd into buf."


def test_tiny_spec_buffer_argument():
    """Does the buffer argument keep its direction and the argument that sizes it?"""
    read = load_spec(TINY).by_number[3]
    assert [a.name for a in read.pointer_args] == ["buf"]
    buf = read.pointer_args[0]
    assert (buf.type, buf.dir, buf.size) == ("void *", "out", "len")
    assert buf.decl == "void *buf"
    assert read.args[0].decl == "int fd"


def test_tiny_spec_argument_offsets_follow_i386_layout():
    """Are arguments laid out after the 48-byte header as i386 does, 64-bit integers 4-aligned?"""
    assert HEADER_SIZE == 48
    spec = load_spec(TINY)
    offsets = {c.name: [(a.name, a.offset) for a in c.args] for c in spec.syscalls}
    assert offsets == {
        "halt": [("code", 48)],
        # off_t is 8 bytes but only 4-aligned on i386: at 52, not 56.
        "seek": [("fd", 48), ("offset", 52), ("whence", 60)],
        "read": [("fd", 48), ("buf", 52), ("len", 56)],
    }


def test_tiny_spec_message_sizes():
    """Is each call's message size the header plus its arguments, as the i386 sizeof gives it?"""
    spec = load_spec(TINY)
    assert {c.name: c.msgsize for c in spec.syscalls} == {"halt": 52, "seek": 64, "read": 60}


def test_call_without_arguments_is_just_the_header(tmp_path):
    """Is a call with no arguments exactly one header long?"""
    path = tmp_path / "noargs.toml"
    path.write_text(TINY.read_text() + '\n[[syscall]]\nnumber = 7\nname = "nop"\ndoc = "Nothing."\nargs = []\n')
    nop = load_spec(path).by_number[7]
    assert nop.args == [] and nop.msgsize == HEADER_SIZE


def test_tiny_spec_errnos_sorted_by_number():
    """Is the [errno] table loaded with numbers and messages, sorted by number?"""
    errnos = load_spec(TINY).errnos
    assert [(e.name, e.number) for e in errnos] == [
        ("EBADF", 9), ("EFAULT", 14), ("EINVAL", 22), ("ENOSYS", 38), ("EASYNC", 512)]
    assert errnos[1].message == "Bad address"


def test_real_spec_loads_with_the_basic_calls():
    """Does the project's own kernel/syscalls.toml load, with exit, write, getpid and null?"""
    spec = load_spec(ROOT / "kernel" / "syscalls.toml")
    by_name = {c.name: c for c in spec.syscalls}
    assert {"exit", "write", "getpid", "null"} <= set(by_name)
    assert by_name["exit"].noreturn
    assert [a.name for a in by_name["write"].pointer_args] == ["buf"]
    assert by_name["write"].pointer_args[0].size == "len"
    numbers = [c.number for c in spec.syscalls]
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert {"EFAULT", "EINVAL", "ENOSYS", "EASYNC"} <= {e.name for e in spec.errnos}
