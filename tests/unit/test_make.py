"""Unit tests for toolchain.make, the incremental build engine.

Every step here runs a tiny Python program (sys.executable -c ...) in a temporary tree, so the
tests see exactly when the engine decides to run a step and when it decides to skip it. Each
"build" uses a new Builder, as toolchain.build.build() does: only the state directory carries
over from one run to the next.
"""
import os
import shlex
import sys
import textwrap
from pathlib import Path

import pytest

from toolchain.make import Builder, BuildError, Step, parse_depfile

COPY = "import shutil, sys; shutil.copyfile(sys.argv[1], sys.argv[2])"
# Copy argv[1] to argv[2], and write a depfile (argv[3]) naming argv[1] and the header argv[4],
# the way gcc -MMD -MP does: a continuation line, then a phony rule per header.
COPY_WITH_DEPFILE = textwrap.dedent("""\
    import shutil, sys
    src, out, dep, hdr = sys.argv[1:]
    shutil.copyfile(src, out)
    with open(dep, "w") as f:
        f.write(f"{out}: {src} \\\\\\n {hdr}\\n\\n{hdr}:\\n")
""")


@pytest.fixture
def tree(tmp_path):
    """A source tree with one input file; returns (root, build)."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "in.txt").write_text("hello\n")
    return tmp_path, tmp_path / "build"


def copy_step(root: Path, build: Path, script: str = COPY, name: str = "out.txt",
              src: str = "src/in.txt") -> Step:
    out = build / name
    return Step(f"COPY {name}", [out], [root / src], [sys.executable, "-c", script, src, str(out)])


def run_once(root: Path, build: Path, step: Step) -> list[str]:
    """One build with a fresh Builder; the labels of the steps that ran."""
    b = Builder(root, build, jobs=1)
    b.run(step)
    return b.ran


def bump_mtime(path: Path) -> None:
    """Give path a clearly newer mtime, whatever the file system's timestamp granularity."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_first_run_runs_then_second_run_skips(tree):
    """Does a step run when its output is missing, and then do nothing on an unchanged rebuild?"""
    root, build = tree
    step = copy_step(root, build)
    assert run_once(root, build, step) == ["COPY out.txt"]
    assert (build / "out.txt").read_text() == "hello\n"
    assert run_once(root, build, step) == []


def test_run_reports_whether_it_ran(tree):
    """Does Builder.run return True when it ran the step and False when it was up to date?"""
    root, build = tree
    step = copy_step(root, build)
    assert Builder(root, build).run(step) is True
    assert Builder(root, build).run(step) is False


def test_changed_input_content_reruns(tree):
    """Does changing an input's content make the step run again (and produce the new output)?"""
    root, build = tree
    step = copy_step(root, build)
    run_once(root, build, step)
    (root / "src" / "in.txt").write_text("changed\n")
    bump_mtime(root / "src" / "in.txt")
    assert run_once(root, build, step) == ["COPY out.txt"]
    assert (build / "out.txt").read_text() == "changed\n"


def test_same_size_content_change_seen_by_the_same_builder(tree):
    """Does one Builder notice a same-size content change (its hash cache keys on mtime too)?"""
    root, build = tree
    step = copy_step(root, build)
    b = Builder(root, build, jobs=1)
    assert b.run(step) is True
    (root / "src" / "in.txt").write_text("HELLO\n")      # same size as "hello\n"
    bump_mtime(root / "src" / "in.txt")
    assert b.run(step) is True
    assert (build / "out.txt").read_text() == "HELLO\n"


def test_touched_input_does_not_rerun(tree):
    """Does a new mtime with the same content leave the step alone (content hashes, not mtimes)?"""
    root, build = tree
    step = copy_step(root, build)
    run_once(root, build, step)
    bump_mtime(root / "src" / "in.txt")
    (root / "src" / "in.txt").write_text("hello\n")      # rewritten, identical
    bump_mtime(root / "src" / "in.txt")
    assert run_once(root, build, step) == []


def test_changed_command_reruns(tree):
    """Does changing the command line make the step run again?"""
    root, build = tree
    run_once(root, build, copy_step(root, build))
    other = copy_step(root, build, script=COPY + "  # a different command line")
    assert run_once(root, build, other) == ["COPY out.txt"]
    assert run_once(root, build, other) == []


def test_changed_extra_reruns(tree):
    """Does changing Step.extra (e.g. the compiler's version) make the step run again?"""
    root, build = tree
    step = copy_step(root, build)
    run_once(root, build, step)
    step.extra = ["gcc 99"]
    assert run_once(root, build, step) == ["COPY out.txt"]


def test_deleted_output_reruns(tree):
    """Does deleting the output make the step run again, even though its state says up to date?"""
    root, build = tree
    step = copy_step(root, build)
    run_once(root, build, step)
    (build / "out.txt").unlink()
    assert run_once(root, build, step) == ["COPY out.txt"]
    assert (build / "out.txt").read_text() == "hello\n"


def test_missing_input_is_a_build_error(tree):
    """Does a step whose declared input does not exist fail with a BuildError naming the input?"""
    root, build = tree
    step = copy_step(root, build, src="src/absent.txt")
    with pytest.raises(BuildError, match="absent.txt"):
        run_once(root, build, step)


@pytest.fixture
def dep_step(tree):
    """A step whose command writes a depfile that lists an extra header, src/extra.h."""
    root, build = tree
    (root / "src" / "extra.h").write_text("#define X 1\n")
    out, dep = build / "out.txt", build / "out.d"
    step = Step("CC out.txt", [out], [root / "src" / "in.txt"],
                [sys.executable, "-c", COPY_WITH_DEPFILE, "src/in.txt", str(out), str(dep), "src/extra.h"],
                depfile=dep)
    return root, build, step


def test_depfile_header_change_reruns(dep_step):
    """Does changing a header that only the depfile lists (not Step.inputs) make the step rerun?"""
    root, build, step = dep_step
    assert run_once(root, build, step) == ["CC out.txt"]
    assert run_once(root, build, step) == []
    (root / "src" / "extra.h").write_text("#define X 2\n")
    bump_mtime(root / "src" / "extra.h")
    assert run_once(root, build, step) == ["CC out.txt"]
    assert run_once(root, build, step) == []


def test_depfile_header_touch_does_not_rerun(dep_step):
    """Does touching a depfile-listed header without changing it leave the step alone?"""
    root, build, step = dep_step
    run_once(root, build, step)
    bump_mtime(root / "src" / "extra.h")
    assert run_once(root, build, step) == []


def test_depfile_header_deleted_reruns(dep_step):
    """Does deleting a header the depfile listed make the step run again (not crash)?"""
    root, build, step = dep_step
    run_once(root, build, step)
    (root / "src" / "extra.h").unlink()
    assert run_once(root, build, step) == ["CC out.txt"]


FAIL = ("import sys; open(sys.argv[1], 'w').write('half-made');"
        " sys.stderr.write('boom: the tool is unhappy\\n'); sys.exit(3)")


def test_failing_command_raises_with_command_and_stderr(tree):
    """Does a failing command raise BuildError holding the label, exit status, command and stderr?"""
    root, build = tree
    out = build / "out.txt"
    command = [sys.executable, "-c", FAIL, str(out)]
    step = Step("CC broken.c", [out], [root / "src" / "in.txt"], command)
    with pytest.raises(BuildError) as info:
        run_once(root, build, step)
    text = str(info.value)
    assert "CC broken.c" in text
    assert "exit 3" in text
    assert shlex.join(command) in text
    assert "boom: the tool is unhappy" in text


def test_failing_command_leaves_no_output(tree):
    """Does a failing command leave no (half-made) output behind, so the next build retries it?"""
    root, build = tree
    out = build / "out.txt"
    step = Step("CC broken.c", [out], [root / "src" / "in.txt"], [sys.executable, "-c", FAIL, str(out)])
    with pytest.raises(BuildError):
        run_once(root, build, step)
    assert not out.exists()
    b = Builder(root, build, jobs=1)
    with pytest.raises(BuildError):
        b.run(step)                 # not recorded as done: it runs (and fails) again
    assert b.ran == []


def test_failing_action_after_command_removes_output(tree):
    """When a step's action (a check on the made output) raises, is the output removed and the
    exception passed on, so the next build remakes it?"""
    root, build = tree
    step = copy_step(root, build)
    calls = []

    def check():
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("the check did not like it")

    step.action = check
    with pytest.raises(ValueError, match="did not like it"):
        run_once(root, build, step)
    assert not (build / "out.txt").exists()
    assert run_once(root, build, step) == ["COPY out.txt"]
    assert (build / "out.txt").exists()


def test_action_only_step_runs_and_failure_is_not_recorded(tree):
    """Does an action-only step run its function, skip when up to date, and run again after it raised?"""
    root, build = tree
    out = build / "gen.txt"
    src = root / "src" / "in.txt"
    state = {"fail": True}

    def generate():
        if state["fail"]:
            raise RuntimeError("generator broke")
        out.write_text(src.read_text().upper())

    step = Step("GEN gen.txt", [out], [src], action=generate)
    with pytest.raises(RuntimeError):
        run_once(root, build, step)
    state["fail"] = False
    assert run_once(root, build, step) == ["GEN gen.txt"]
    assert out.read_text() == "HELLO\n"
    assert run_once(root, build, step) == []


def test_run_all_runs_independent_steps_in_parallel(tree):
    """Does run_all run every out-of-date step (with several jobs) and skip them all next time?"""
    root, build = tree
    for i in range(6):
        (root / "src" / f"in{i}.txt").write_text(f"file {i}\n")
    steps = [copy_step(root, build, name=f"out{i}.txt", src=f"src/in{i}.txt") for i in range(6)]
    b = Builder(root, build, jobs=4)
    b.run_all(steps)
    assert sorted(b.ran) == sorted(s.label for s in steps)
    for i in range(6):
        assert (build / f"out{i}.txt").read_text() == f"file {i}\n"
    b2 = Builder(root, build, jobs=4)
    b2.run_all(steps)
    assert b2.ran == []


def test_run_all_raises_first_error_after_the_rest_finish(tree):
    """With several jobs, does run_all raise the first failing step's error (in list order) and
    still finish the good steps?"""
    root, build = tree
    good = copy_step(root, build, name="good.txt")
    bad1 = Step("BAD one", [build / "bad1"], [], [sys.executable, "-c", "import sys; sys.exit('first failure')"])
    bad2 = Step("BAD two", [build / "bad2"], [], [sys.executable, "-c", "import sys; sys.exit('second failure')"])
    b = Builder(root, build, jobs=3)
    with pytest.raises(BuildError) as info:
        b.run_all([bad1, good, bad2])
    assert "BAD one" in str(info.value) and "first failure" in str(info.value)
    assert b.ran == ["COPY good.txt"]
    assert (build / "good.txt").exists()


def test_run_all_single_job_raises_the_error(tree):
    """With one job, does run_all still raise a failing step's BuildError?"""
    root, build = tree
    bad = Step("BAD one", [build / "bad1"], [], [sys.executable, "-c", "import sys; sys.exit('nope')"])
    with pytest.raises(BuildError, match="BAD one"):
        Builder(root, build, jobs=1).run_all([copy_step(root, build), bad])


def test_parse_depfile_continuations_and_phony_targets(tmp_path):
    """Does parse_depfile return every prerequisite across backslash continuations, relative ones
    under root, absolute ones as they are, once each, and ignore -MP's empty phony rules?"""
    dep = tmp_path / "x.d"
    dep.write_text(
        "build/obj/kernel/a.c.o: kernel/a.c kernel/include/sys/a.h \\\n"
        "  kernel/include/sys/b.h \\\n"
        "  /usr/include/abs.h kernel/include/sys/a.h\n"
        "\n"
        "kernel/include/sys/a.h:\n"
        "\n"
        "kernel/include/sys/b.h:\n"
        "/usr/include/abs.h:\n")
    root = Path("/repo")
    assert parse_depfile(dep, root) == [
        root / "kernel/a.c", root / "kernel/include/sys/a.h", root / "kernel/include/sys/b.h",
        Path("/usr/include/abs.h")]


def test_parse_depfile_from_real_gcc(tmp_path):
    """Does parse_depfile read what gcc -MMD -MP really writes (the source and its local headers)?"""
    import shutil
    import subprocess
    gcc = shutil.which("gcc")
    if gcc is None:
        pytest.skip("gcc is not installed")
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "one.h").write_text("#include \"two.h\"\n")
    (tmp_path / "inc" / "two.h").write_text("int two;\n")
    (tmp_path / "a.c").write_text("#include \"one.h\"\nint a;\n")
    subprocess.run([gcc, "-Iinc", "-MMD", "-MP", "-MF", "a.d", "-c", "a.c", "-o", "a.o"],
                   cwd=tmp_path, check=True)
    assert parse_depfile(tmp_path / "a.d", tmp_path) == [
        tmp_path / "a.c", tmp_path / "inc/one.h", tmp_path / "inc/two.h"]
