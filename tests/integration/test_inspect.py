"""The inspector reads what the guest says it made: the inspectee program prints its calls in
flight, its pipes and the kernel's counters, then blocks; the host pauses it and compares.

Each image boots once for this module. The guests are attachable the way `invoke boot` makes
them (a second QMP socket and a pid file in build/run), so `invoke inspect` is run too.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import time

import pytest

from toolchain import build as build_mod
from toolchain.guest import symbolize_console
from toolchain.inspect import Guest, attachable_args, inspect_dump, paused, published
from toolchain.machine import Machine

pytestmark = [pytest.mark.qemu, pytest.mark.xdist_group("inspect")]
RUN_DIR = build_mod.BUILD / "run"


@contextlib.contextmanager
def attachable(image, outputs, workdir, keep_on_panic=False):
    """Boot image as `invoke boot` would for inspection: attachable under the image's name."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    cfg = image.machine_config(outputs, extra_args=attachable_args(RUN_DIR, image.name))
    with Machine(cfg, workdir, keep_on_panic=keep_on_panic, name=image.name) as m, \
            published(RUN_DIR, image.name, m.proc.pid):
        yield m


def invoke_inspect(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "invoke", "inspect", *args], cwd=build_mod.ROOT,
                          capture_output=True, text=True, timeout=60,
                          env=os.environ | {"COLUMNS": "250"})     # wide tables: no cell cut short


@pytest.fixture(scope="module")
def inspectee(outputs, make_image, tmp_path_factory):
    """(machine, what the guest printed as a dict) with the inspectee blocked in its known state."""
    image = make_image("inspect-live", "init=inspectee", ["inspectee"])
    image.machine.cpus = 2             # as images/inspect.toml: every CPU is shown (docs/smp.md)
    with attachable(image, outputs, tmp_path_factory.mktemp("inspect")) as m:
        line = m.wait_for(r"INSPECTEE .*outstanding=\d+", 20).group(0)
        said = {k: int(v, 0) for k, v in re.findall(r"(\w+)=(\S+)", line)}
        yield m, said


@pytest.fixture(scope="module")
def snap(inspectee, outputs):
    """A snapshot once the inspectee has settled: it prints its line just before its last read,
    so on a loaded host the first snapshots can find a vCPU still on its way into the kernel.
    Waits (up to 20 s) for every vCPU thread of the process to block; if none settles, the last
    snapshot goes to the tests, which then say what they found."""
    m, said = inspectee
    guest = Guest(m.qmp, m.proc.pid, outputs.kernel)
    deadline = time.monotonic() + 20
    while True:
        shot = guest.snapshot()
        mine = [t for t in shot["threads"] if t["pid"] == said["pid"]]
        if (mine and all(t["state"] == "BLOCKED" for t in mine)) or time.monotonic() > deadline:
            return shot
        time.sleep(0.2)


def calls_of(snap, pid):
    return {m["user_addr"]: m for p in snap["procs"] if p["pid"] == pid for m in p["outstanding"]}


def test_process_vcpus_and_outstanding_calls(inspectee, snap):
    """Does the process view list the inspectee's two vCPUs and every call it has in flight,
    decoded by name and arguments, at the addresses the guest printed?"""
    _, said = inspectee
    assert snap["source"]["reader"] == "gpa2hva+/proc/pid/mem"
    (proc,) = [p for p in snap["procs"] if p["pid"] == said["pid"]]
    assert proc["comm"] == "inspectee" and proc["nvcpus"] == 2 and len(proc["vcpus"]) == 2
    # Placement (docs/smp.md): the inspect image runs 2 CPUs, so its second vCPU's ring-3 code
    # runs on CPU 1; both wait in waitport, kernel work, on the home CPU 0.
    assert sorted(v["placed"] for v in proc["placement"]) == [0, 1], proc["placement"]
    assert all(v["cpu"] == 0 for v in proc["placement"]), proc["placement"]
    calls = calls_of(snap, said["pid"])
    rd, sl = calls[said["read_msg"]], calls[said["sleep_msg"]]
    assert rd["call"] == "read" and rd["args"]["fd"] == said["read_fd"] and rd["args"]["len"] == said["read_len"]
    assert rd["tag"] == said["tag"] and "ASYNC" in rd["flags"] and rd["waits_on"].startswith("pipe ")
    assert sl["call"] == "sleep_ns" and sl["args"]["ns"] == 3600 * 10**9 and sl["waits_on"] == "timer_port"
    fds = sorted(m["args"].get("fd", -1) for m in calls.values() if m["call"] == "read")
    assert fds == sorted([0, said["read_fd"], said["vcpu_fd"]])      # the console read, both pipes
    assert proc["noutstanding"] == len(proc["outstanding"]) == said["outstanding"] + 1   # + read(0)


def test_threads_and_what_they_wait_on(inspectee, snap):
    """Is each vCPU a blocked LWKT thread of the process, idle in waitport? The program is
    threaded (two vCPUs), so its reads are asynchronous calls that park only their user thread;
    with every user thread parked, both vCPUs wait in the kernel for a completion."""
    _, said = inspectee
    mine = [t for t in snap["threads"] if t["pid"] == said["pid"]]
    assert len(mine) == 2 and all(t["state"] == "BLOCKED" and t["wmesg"] == "waitport" for t in mine)
    assert {t["name"] for t in snap["threads"]} >= {"thread0", "idle"}
    for cpu in snap["cpus"]:            # every CPU idles: the process's vCPUs all wait
        assert cpu["running"] == "idle" and cpu["stack_of"] == "idle" and cpu["eip_symbol"].startswith("lwkt_idle_loop")


def test_user_threads_from_the_process_address_space(inspectee, snap):
    """Does the uthreads view, read through the process's page tables with its program's DWARF,
    list main on vCPU 0 and the vcpu-fn thread on vCPU 1, both BLOCKED in their reads at the
    addresses the guest printed, and each vCPU's idle thread running (waiting in the kernel)?"""
    _, said = inspectee
    (u,) = [u for u in snap["uthreads"] if u["pid"] == said["pid"]]
    assert u["note"] is None and u["program"].endswith("/userland/bin/inspectee")
    tds = {t["name"]: t for t in u["threads"]}
    assert set(tds) == {"main", "vcpu-fn", "idle0", "idle1"}
    main, fn = tds["main"], tds["vcpu-fn"]
    assert (main["addr"], main["vcpu"], main["state"]) == (said["main_td"], 0, "BLOCKED")
    assert (fn["addr"], fn["vcpu"], fn["state"]) == (said["vcpu_td"], said["vcpu"], "BLOCKED")
    assert fn["bound"] and not main["bound"] and main["wmesg"] == fn["wmesg"] == "waitmsg"
    assert main["call"].startswith("read(fd=0,") and fn["call"].startswith(f"read(fd={said['vcpu_fd']},")
    assert fn["waits_on"] == "stack of vcpu-fn"
    for i in (0, 1):
        idle = tds[f"idle{i}"]
        assert idle["idle"] and idle["vcpu"] == i and idle["running"] and idle["pri"] == 0
    assert [(v["vcpu"], v["up"], v["idle"], v["cur"], v["nrunnable"]) for v in u["vcpus"]] == \
        [(0, True, True, "idle0", 0), (1, True, True, "idle1", 0)]
    assert u["vcpus"][0]["stats"]["kernel_waits"] >= 1


def test_a_program_that_cannot_be_read_gets_a_note(inspectee, outputs, tmp_path, monkeypatch):
    """A program missing from the build, another program under its name (its first page differs
    from the process's memory), or one without libcr's scheduler: a note each, not a failure."""
    m, said = inspectee
    guest = lambda programs: Guest(m.qmp, m.proc.pid, outputs.kernel, programs).snapshot()

    def note(snapshot):
        (u,) = [u for u in snapshot["uthreads"] if u["pid"] == said["pid"]]
        assert u["threads"] == [] and u["vcpus"] == []
        return u["note"]

    assert note(guest(tmp_path)).startswith("no program ")
    (tmp_path / "inspectee").write_bytes(outputs.programs["hello"].read_bytes())
    assert "is not the program in this process's memory" in note(guest(tmp_path))
    from toolchain.inspect import uthreads
    monkeypatch.setattr(uthreads, "THREAD_C", "no/such/file.c")
    assert note(guest(None)).startswith("no libcr scheduler in inspectee")


def test_ports_and_wait_queues_hold_the_messages(inspectee, snap):
    """Does each pipe's reader queue hold exactly the read filed on it, the console's readers the
    read of fd 0, and the timer's pending list the sleep's timer message (reply port sleep_port)?"""
    _, said = inspectee
    queues = {p["name"]: p for p in snap["ports"]}
    pipe_reads = [(n, m["args"]["fd"]) for n, p in queues.items() if n.startswith("pipe ") and n.endswith("readers")
                  for m in p["messages"]]
    assert sorted(fd for _, fd in pipe_reads) == sorted([said["read_fd"], said["vcpu_fd"]])
    assert [m["args"]["fd"] for m in queues["console readers"]["messages"]] == [0]
    (timer,) = queues["timer pending"]["messages"]
    assert timer["reply_port"] == "sleep_port" and timer["for"].startswith("sleep_ns(")
    assert queues["reply port of pid %d" % said["pid"]]["messages"] == []     # nothing completed yet


def test_memory_view_matches_the_guests_kstat(inspectee, snap):
    """Are the free pages, kmalloc objects, threads, processes and pipes what kstat told the guest?"""
    _, said = inspectee
    mem = snap["memory"]
    assert mem["pages_free"] == said["pages_free"]
    assert mem["kmalloc"]["in_use"] == said["kmalloc_in_use"]
    assert mem["lwkt"]["threads"] == said["threads"] == len(snap["threads"])
    assert mem["procs"] == said["procs"] and mem["pipes_alive"] == said["pipes"]


def test_a_dump_shows_the_same_views(inspectee, outputs, tmp_path):
    """Does a dump-guest-memory file, read offline, give exactly the views of the paused guest?"""
    m, _ = inspectee
    guest = Guest(m.qmp, m.proc.pid, outputs.kernel)
    with paused(m.qmp):
        live = guest.snapshot()
        path = guest.dump(tmp_path / "guest.dump")
    offline = inspect_dump(path, outputs.kernel)
    assert offline["source"]["reader"] == "dump" and live["source"]["status"] == "paused"
    for view in ("cpus", "threads", "ports", "procs", "uthreads", "memory"):   # registers too, from its notes
        assert offline[view] == live[view], view
    assert offline["cpus"][0]["eip"] is not None


def test_the_pmemsave_fallback_reads_the_same(inspectee, outputs):
    """Without QEMU's pid (no /proc/PID/mem), does the pmemsave path give the same views?"""
    m, _ = inspectee
    with paused(m.qmp):
        fast = Guest(m.qmp, m.proc.pid, outputs.kernel).snapshot()
        slow = Guest(m.qmp, None, outputs.kernel).snapshot()
    assert (fast["source"]["reader"], slow["source"]["reader"]) == ("gpa2hva+/proc/pid/mem", "pmemsave")
    assert {k: v for k, v in slow.items() if k != "source"} == {k: v for k, v in fast.items() if k != "source"}


def test_invoke_inspect_attaches_and_the_guest_runs_on(inspectee, snap):
    """Does `invoke inspect --json` attach to the running guest by image name, show the same
    process, and leave the guest running, so that it finishes when given its line?"""
    m, said = inspectee
    r = invoke_inspect("--image", "inspect-live", "--json", "--views", "procs,threads,uthreads")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out) == {"source", "procs", "threads", "uthreads"} and out["source"]["status"] == "running"
    assert [[(t["name"], t["state"], t["vcpu"]) for t in u["threads"]] for u in out["uthreads"]] == \
        [[(t["name"], t["state"], t["vcpu"]) for t in u["threads"]] for u in snap["uthreads"]]
    assert calls_of(out, said["pid"]).keys() == calls_of(snap, said["pid"]).keys()
    table = invoke_inspect("--image", "inspect-live", "--views", "ports,uthreads")
    assert table.returncode == 0 and "pipe 0 readers" in table.stdout and "vcpu-fn" in table.stdout
    assert m.qmp("query-status")["running"]
    m.send("\n")
    m.wait_for(r"inspectee: done", 10)


def test_invoke_inspect_names_what_to_run_without_a_guest():
    r = invoke_inspect("--image", "nothing-runs-this")
    assert r.returncode == 1
    assert "invoke boot --image nothing-runs-this" in r.stderr


def test_a_panicked_guest_stays_paused_and_can_be_inspected(outputs, make_image, tmp_path):
    """With keep-on-panic, does `invoke inspect` attach to the paused guest and show the thread
    that panicked running on the CPU, on its own stack, while the console's backtrace still
    symbolizes to the faulting function?"""
    image = make_image("inspect-panic", "ktap ktest=debug.fault_on_purpose ktest.fault", [])
    with attachable(image, outputs, tmp_path, keep_on_panic=True) as m:
        verdict = m.wait_exit(20)
        assert verdict.outcome == "panic"
        r = invoke_inspect("--image", "inspect-panic", "--json", "--views", "cpus,threads,uthreads")
        assert r.returncode == 0, r.stderr
        out = json.loads(r.stdout)
        assert m.qmp("query-status")["status"] == "guest-panicked"    # inspect left it paused
    assert out["source"]["status"] == "guest-panicked"
    assert out["uthreads"] == []                                      # a kernel-only guest: no processes
    (cpu,) = out["cpus"]
    (running,) = [t for t in out["threads"] if t["running"]]
    assert cpu["running"] == running["name"] == cpu["stack_of"] == "thread0"   # ktests run on thread0
    assert running["state"] == "RUNNABLE"
    reason, trace = symbolize_console(m.log_path.read_text().splitlines(), outputs.kernel)
    assert "fault_on_purpose" in reason and trace


def test_every_cpu_is_shown_with_its_ipi_queues(inspectee, snap):
    """With two CPUs, does the cpus view list both (CPU 1 idle on its own idle thread), each with
    the IPIs it took and its IPI queues' depth (docs/smp.md)?"""
    cpus = {c["cpu"]: c for c in snap["cpus"]}
    assert sorted(cpus) == [0, 1], snap["cpus"]
    assert cpus[1]["running"] == "idle" and cpus[1]["running_addr"] != cpus[0]["running_addr"]
    assert all(isinstance(c["ipis"], int) and isinstance(c["ipiq_queued"], dict) for c in cpus.values())
    assert cpus[1]["hardticks"] > 0                    # its own clock
    idles = [t for t in snap["threads"] if t["name"] == "idle"]
    assert sorted(t["cpu"] for t in idles) == [0, 1]
