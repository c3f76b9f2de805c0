"""The shell (userland/bin/sh.c, userland/bin/sh/) driven through the console, as a person
would: pipelines, redirections, lists, variables, jobs, globs, cd, and `exit N`. One guest
boots for the whole module; each test types its commands at its prompt (docs/shell.md)."""
from __future__ import annotations

import re
import time

import pytest

from toolchain.machine import Machine

pytestmark = [pytest.mark.qemu, pytest.mark.xdist_group("shell")]   # one guest for the module

PROGRAMS = ["sh", "mkdir", "rm", "ls", "cat", "wc", "grep", "head", "env", "kill", "sleep", "true", "false", "hello"]


class Shell:
    """A booted guest at the shell's prompt; run() types a command and answers its output."""

    def __init__(self, machine: Machine):
        self.m = machine

    def run(self, cmd: str, timeout: float = 10) -> str:
        """Type cmd, wait for the next prompt; answer what the command printed (no \\r)."""
        self.m.send(cmd + "\n")
        typed = self.m.wait_for(re.escape(cmd) + r"\r?\n", timeout)
        prompt = self.m.wait_for(r"^\$ ", timeout)
        return self.m.console[typed.end():prompt.start()].replace("\r", "")


@pytest.fixture(scope="module")
def shell_machine(outputs, make_image, tmp_path_factory):
    image = make_image("shell", "init=sh interactive=sh", PROGRAMS, timeout=120)
    with Machine(image.machine_config(outputs), tmp_path_factory.mktemp("shell")) as m:
        m.wait_for(r"^\$ ", 20)
        yield m


@pytest.fixture
def sh(shell_machine) -> Shell:
    return Shell(shell_machine)


def test_pipeline_of_three(sh):
    """Does `a | b | c` join three processes by pipes (3 bytes: "hi" and its newline)?"""
    assert sh.run("echo hi | cat | wc -c") == "3\n"
    assert sh.run("echo one two three | wc -w") == "3\n"


def test_redirection_to_a_file_and_back(sh):
    """> makes and truncates, >> appends, < reads: the file holds what was written."""
    assert sh.run("echo first > /r.txt") == ""
    assert sh.run("cat < /r.txt") == "first\n"
    sh.run("echo second >> /r.txt")
    assert sh.run("cat /r.txt") == "first\nsecond\n"
    sh.run("echo third > /r.txt")
    assert sh.run("wc -l < /r.txt") == "1\n"


def test_stderr_redirection(sh):
    """2> sends a program's errors to a file; 2>&1 joins them to standard output."""
    assert sh.run("cat /no/such 2> /err.txt") == ""
    assert sh.run("cat /err.txt") == "cat: /no/such: No such file or directory\n"
    assert sh.run("cat /no/such 2>&1 | wc -l") == "1\n"


def test_status_and_lists(sh):
    """$? is the last status; ; && || run or skip as it says."""
    assert sh.run("false; echo $?") == "1\n"
    assert sh.run("true; echo $?") == "0\n"
    assert sh.run("true && echo yes || echo no") == "yes\n"
    assert sh.run("false && echo yes || echo no") == "no\n"
    assert sh.run("nosuch; echo $?") == "sh: nosuch: No such file or directory\n127\n"
    assert sh.run("echo a; echo b # a comment") == "a\nb\n"


def test_variables_and_environment(sh):
    """VAR=x cmd puts VAR in cmd's environment only; export puts it in every program's; $VAR expands."""
    assert sh.run("GREETING=hello env | grep GREETING") == "GREETING=hello\n"
    assert sh.run("env | grep -c GREETING") == "0\n"
    sh.run("name=world")
    assert sh.run("echo hello $name ${name}!") == "hello world world!\n"
    assert sh.run("env | grep -c name=") == "0\n"
    sh.run("export name")
    assert sh.run("env | grep name=") == "name=world\n"


def test_quoting(sh):
    """'...' keeps everything; "..." expands $ but keeps blanks and globs."""
    sh.run("v=x")
    assert sh.run("""echo '$v  *' "$v  *" \\$v""") == "$v  * x  * $v\n"


def test_grep_options(sh):
    """grep matches fixed strings; -v inverts, -c counts, -n numbers the lines."""
    sh.run("echo apple > /g.txt; echo banana >> /g.txt; echo apricot >> /g.txt")
    assert sh.run("grep ap /g.txt") == "apple\napricot\n"
    assert sh.run("grep -v ap /g.txt") == "banana\n"
    assert sh.run("grep -c a /g.txt") == "3\n"
    assert sh.run("grep -n ban /g.txt") == "2:banana\n"
    assert sh.run("head -n 2 /g.txt") == "apple\nbanana\n"
    assert sh.run("grep zzz /g.txt; echo $?") == "1\n"


def test_cd_pwd_and_glob(sh):
    """cd changes the directory pwd shows; * and ? match names in a ramfs directory, sorted."""
    sh.run("mkdir /x; cd /x")
    assert sh.run("pwd") == "/x\n"
    sh.run("echo > b.txt; echo > a.txt; echo > c.log")
    assert sh.run("echo *.txt") == "a.txt b.txt\n"
    assert sh.run("echo /x/?.log") == "/x/c.log\n"
    assert sh.run("echo *.none") == "*.none\n"
    assert sh.run("echo '*.txt'") == "*.txt\n"
    assert sh.run("ls") == "a.txt\nb.txt\nc.log\n"
    sh.run("cd /")
    assert sh.run("pwd") == "/\n"


def test_background_jobs(sh):
    """& runs a job in the background ([N] pid); jobs lists it; wait waits for it; kill %N ends one."""
    out = sh.run("sleep 1 &")
    assert re.fullmatch(r"\[1\] \d+\n", out), out
    assert re.search(r"^\[1\] Running\s+sleep 1$", sh.run("jobs"), re.M)
    assert sh.run("wait; echo waited $?") == "waited 0\n"
    assert sh.run("jobs") == ""
    sh.run("sleep 100 &")
    # 128 + the signal: SIGTERM's 143 once signals exist; until then kill always ends a process
    # as SIGKILL would (137).
    assert sh.run("kill %1; wait %1; echo $?") in ("143\n", "137\n")
    assert sh.run("jobs") == ""
    assert sh.run("false & wait $!; echo $?").endswith("1\n")
    out = sh.run("sleep 0.2 & sleep 1")
    assert re.fullmatch(r"\[1\] \d+\n\[1\] Done\s+sleep 0.2\n", out), out


def test_fg_and_kill_by_pid(sh):
    """fg waits for a job in the foreground (its status is $?); kill PID ends a process."""
    sh.run("sh -c 'sleep 0.3; exit 3' &")
    assert sh.run("fg %1; echo $?") == "sh -c 'sleep 0.3; exit 3'\n3\n"
    sh.run("sleep 50 &")
    out = sh.run("kill $!; wait $!; echo $?")
    assert out in ("143\n", "137\n"), out
    assert sh.run("a=1 && sh -c 'echo $a' && export a && sh -c 'echo $a'") == "\n1\n"


def ps_rows(text: str) -> list[tuple[str, str, str, str]]:
    """ps's rows as (pid, ppid, pgid with its + mark, name)."""
    return [(r.split()[0], r.split()[1], r.split()[2], r.split()[-1]) for r in text.splitlines()[1:]]


def test_each_job_has_its_own_group_in_the_foreground(sh):
    """A foreground pipeline is one process group of its own, not the shell's, and holds the
    terminal (ps marks the foreground group with +); afterwards the shell's group has it back."""
    rows = ps_rows(sh.run("ps | cat"))
    shell = next(r for r in rows if r[3] == "sh" and r[1] == "0")
    job = [r for r in rows if r[1] == shell[0]]          # ps (a forked shell) and cat
    assert job and all(r[2] == job[0][0] + "+" for r in job), rows    # led by the first
    assert shell[2] == shell[0], rows                    # the shell's own group, not in front
    rows = ps_rows(sh.run("ps"))
    assert [r[2] for r in rows if r[0] == shell[0]] == [shell[0] + "+"], rows


def type_then_key(m: Machine, cmd: str, key: str, echo: str, then: str) -> None:
    """Type cmd (a job that lasts) at the prompt, then key once it runs; wait for the key's
    echo, then for what follows (then), then for the next prompt."""
    m.send(cmd + "\n")
    m.wait_for(re.escape(cmd) + r"\r?\n", 10)
    time.sleep(0.5)         # the console echoes at once: let the shell put the job in front
    m.send(key)
    m.wait_for(echo, 10)
    m.wait_for(then, 10)
    m.wait_for(r"^\$ ", 10)


STOPPED = r"^\[1\] Stopped\s+sleep 100\r?$"


def test_ctrl_z_stops_a_job_bg_and_fg_continue_it_and_ctrl_c_ends_it(sh):
    """Ctrl-Z stops the foreground `sleep 100` (the shell reports it and prompts again; `jobs`
    says Stopped; $? is 128 + SIGTSTP); `bg` continues it in the background (Running); `fg`
    brings it back to the foreground; Ctrl-C then ends the job, not the shell, which answers."""
    m = sh.m
    type_then_key(m, "sleep 100", "\x1a", r"\^Z", STOPPED)
    assert re.search(r"^\[1\] Stopped\s+sleep 100$", sh.run("jobs"), re.M)
    assert sh.run("echo $?") == "0\n"          # jobs's own status
    assert re.fullmatch(r"\[1\] sleep 100 &\n", sh.run("bg")), "bg"
    assert re.search(r"^\[1\] Running\s+sleep 100$", sh.run("jobs"), re.M)
    type_then_key(m, "fg", "\x03", r"sleep 100\r?\n\^C", r"\r?\n")
    assert sh.run("echo alive $?") == "alive 130\n"   # 128 + SIGINT: the job's, not the shell's end
    assert sh.run("jobs") == ""


def test_ctrl_z_in_fg_stops_again_and_sigstop_from_kill_is_reported(sh):
    """A job stopped, brought back with fg, stopped again with Ctrl-Z; `kill -STOP` on a
    background job is reported before the next prompt; `kill %1` (SIGTERM) after `kill -CONT`
    ends it. Ctrl-C at the prompt gives a fresh prompt and the shell stays."""
    m = sh.m
    type_then_key(m, "sleep 100", "\x1a", r"\^Z", STOPPED)
    type_then_key(m, "fg %1", "\x1a", r"sleep 100\r?\n\^Z", STOPPED)
    assert sh.run("echo $?") == "148\n"           # 128 + SIGTSTP
    assert sh.run("kill -9 %1; wait %1; echo $?") == "137\n"
    sh.run("sleep 100 &")
    out = sh.run("kill -STOP %1; sleep 0.2")
    assert re.fullmatch(r"\[1\] Stopped\s+sleep 100\n", out), out     # told before the prompt
    assert re.fullmatch(r"\[1\] Stopped\s+sleep 100\n", sh.run("jobs"))
    assert sh.run("kill -CONT %1; kill %1; wait %1; echo $?") == "143\n"
    m.send("half a line\x03")
    m.wait_for(r"\^C", 10)
    m.wait_for(r"^\$ ", 10)
    assert sh.run("echo still here") == "still here\n"


def test_exit_status_is_the_shells_not_a_failure(shell_machine):
    """`exit 5` ends the shell with status 5: init reports it, and the run still passes (the
    image names sh in interactive=). Last in the module: it ends the guest."""
    shell_machine.send("exit 5\n")
    shell_machine.wait_for(r"^init: sh: exit status 5 \(interactive: not a failure\)", 10)
    verdict = shell_machine.wait_exit(10)
    assert verdict.outcome == "pass", verdict
