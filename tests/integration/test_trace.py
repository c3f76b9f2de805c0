"""Boot the trace image (images/trace.toml) once on the trace kernel, read its event ring over
QMP and check the Chrome trace made from it: complete flows, ordered tracks, and the events of
the two known scenarios in the order they must happen. Then the other traces: a panic, a wrapped
ring, the threading models, and two CPUs (images/trace-smp2.toml) with IPI flows between them."""
from __future__ import annotations

import json

import pytest

from toolchain import build as build_mod
from toolchain import trace
from toolchain.bench import run_bench
from toolchain.decode import decoders
from toolchain.image import Image, build_image, load_image
from toolchain.machine import MachineConfig

pytestmark = pytest.mark.qemu


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    outputs = build_mod.build(variants=("trace",))
    image = load_image("trace")
    build_image(image, outputs)
    return trace.run_trace(image, outputs, tmp_path_factory.mktemp("trace"))


@pytest.fixture(scope="module")
def chrome(run):
    return trace.to_chrome(run.ring, decoders())


def _names(ring, upto: int | None = None) -> dict[int, str]:
    """td address -> the last name the ring gave it (before record upto: a freed thread's
    address may be reused by a later thread of another name)."""
    out, first = {}, {}
    for r in ring.records[:upto]:
        if r.type == "THREAD":
            first[r.args[0]] = r.args[1:]
        elif r.type == "THREAD_NAME2" and r.args[0] in first:
            raw = trace._name_bytes(first.pop(r.args[0]) + r.args[1:])
            out[r.args[0]] = raw.split(b"\0", 1)[0].decode()
    return out


def test_the_ring_is_whole_and_ordered(run):
    """Did the guest pass, with every event kept and the TSC never going back?"""
    assert run.verdict == "pass", run.console
    assert run.ring.lost == 0 and 0 < len(run.ring.records) < run.ring.nrecs
    assert trace.ring_problems(run.ring) == []
    assert {"SWITCH", "MSG_SEND", "MSG_REPLY", "SYSCALL_ENTER", "SYSCALL_EXIT", "SYSMSG",
            "SYSMSG_ANSWER", "THREAD"} <= {r.type for r in run.ring.records}
    # one CPU: every event in CPU 0's ring, no IPI (the other rings stay empty)
    assert {r.cpu for r in run.ring.records} == {0} and run.ring.per_cpu[0] == run.ring.records
    assert not [r for r in run.ring.records if r.type.startswith("IPI_")]
    assert len(run.ring.heads) == 8 and sum(run.ring.heads.values()) == run.ring.heads[0]


def test_the_trace_validates(chrome):
    """Does every flow have both ends, every track run forward, every slice nest?"""
    assert trace.validate(chrome) == []
    assert chrome["otherData"]["flows"] > 10


def test_kernel_domsg_sends_switches_then_replies(run):
    """msgport.domsg_to_a_thread_waits_for_the_reply: thread0 sends message 41 to t-worker's port,
    the CPU switches to t-worker, which replies; the reply comes after the send and the switch."""
    recs = run.ring.records
    send = next(i for i, r in enumerate(recs) if r.type == "MSG_SEND" and r.args[2] == 41)
    msg = recs[send].args[0]
    reply = next(i for i, r in enumerate(recs) if r.type == "MSG_REPLY" and r.args[0] == msg)
    names = _names(run.ring, reply + 1)
    assert names[recs[send].td] == "thread0"
    assert names[recs[reply].td] == "t-worker"
    switch = [r for r in recs[send:reply] if r.type == "SWITCH"]
    assert [names[s.args[0]] for s in switch] == ["t-worker"]
    assert recs[send].tsc < switch[0].tsc < recs[reply].tsc


def test_pipe_pingpong_in_order(chrome):
    """pingpong's read of the echo waits; pipe_echo runs, writes, and only then is the read answered,
    with a flow from the call to its answer."""
    events = chrome["traceEvents"]
    tid = {e["args"]["name"]: (e["pid"], e["tid"]) for e in events if e["name"] == "thread_name"}
    ping, echo = tid["pingpong"], tid["pipe_echo"]
    calls = [e for e in events if e["ph"] == "X" and e["cat"] == "sysmsg" and (e["pid"], e["tid"]) == ping
             and not e["name"].startswith(("answer ", "complete "))]
    # (utrace: libcr asks whether the kernel records its scheduler's events: this one does)
    assert [e["name"] for e in calls[:6]] == ["tls_set", "upcall_register", "utrace", "pipe", "pipe",
                                              "spawn"]
    reads = [e for e in calls if e["name"] == "read"]
    writes = [e for e in calls if e["name"] == "write" and "fd=1," not in e["args"]["call"]]
    assert len(reads) == len(writes) == 3
    for w, r in zip(writes, reads):
        assert w["args"]["call"].endswith("len=1) = 1") and r["args"]["call"].endswith("= 1")
        start, end = r["ts"], r["ts"] + r["dur"]
        assert w["ts"] < start
        # meanwhile pipe_echo runs on the CPU and writes the byte back
        ran = [e for e in events if e["ph"] == "X" and e["cat"] == "sched" and e["name"] == "pipe_echo"
               and start < e["ts"] < end]
        echoed = [e for e in events if e["ph"] == "X" and e["cat"] == "sysmsg" and e["name"] == "write"
                  and (e["pid"], e["tid"]) == echo and start < e["ts"] < end]
        assert ran and echoed, (r, ran, echoed)
        flow = [e for e in events if e["ph"] in "sf" and e["cat"] == "sysmsg" and e["name"] == "read"
                and e["ts"] in (start, round(end, 3)) and (e["pid"], e["tid"]) == ping]
        assert sorted(e["ph"] for e in flow) == ["f", "s"]
        assert len({e["id"] for e in flow}) == 1
        # and pipe_echo's write is what completed the read: a flow from its track to the answer
        done = [e for e in events if e["ph"] in "sf" and e["cat"] == "sysmsg" and e["name"] == "complete read"
                and echoed[0]["ts"] <= e["ts"] <= round(end, 3)]
        assert sorted(((e["pid"], e["tid"]), e["ph"]) for e in done) == sorted([(echo, "s"), (ping, "f")]), done


def test_a_sleep_ends_with_a_timer_interrupt(run, chrome):
    """pingpong's usleep: the call sends a message to the timer port; a timer interrupt (irq 0)
    comes; the timer's reply to that message completes the call, which is answered after it."""
    recs = run.ring.records
    names = _names(run.ring)
    call = next(i for i, r in enumerate(recs) if r.type == "SYSMSG" and names[r.td] == "pingpong"
                and decoders().SYSCALLS[r.args[2]][0] == "sleep_ns")
    send = next(i for i in range(call, len(recs)) if recs[i].type == "MSG_SEND")
    reply = next(i for i in range(send, len(recs)) if recs[i].type == "MSG_REPLY"
                 and recs[i].args[0] == recs[send].args[0])
    answer = next(i for i in range(reply, len(recs)) if recs[i].type == "SYSMSG_ANSWER"
                  and recs[i].args[0] == recs[call].args[0])
    assert any(r.type == "INTR_ENTER" and r.args[0] == 0 for r in recs[send:reply])
    assert recs[call].tsc < recs[send].tsc < recs[reply].tsc < recs[answer].tsc
    irqs = [e for e in chrome["traceEvents"] if e.get("cat") == "irq"]
    assert irqs and all(e["name"] == "irq 0 (timer)" for e in irqs)


def test_a_panicking_guest_still_gives_its_ring(tmp_path):
    """A kernel panic pauses QEMU (pvpanic) with memory intact: is the ring read all the same,
    with the verdict panic, up to the fault?"""
    outputs = build_mod.build(variants=("trace",))
    image = Image(name="trace-panic", path=build_mod.ROOT / "images" / "trace-panic.toml",
                  description="a kernel test that faults", cmdline="ktest=debug.fault_on_purpose ktest.fault",
                  programs=[], machine=MachineConfig(deterministic=True, timeout=30))
    build_image(image, outputs)
    run = trace.run_trace(image, outputs, tmp_path)
    assert run.verdict == "panic"
    assert "panic: page fault" in run.console and "TRACE-READY" not in run.console
    assert "thread0" in _names(run.ring).values() and trace.ring_problems(run.ring) == []
    assert trace.validate(trace.to_chrome(run.ring)) == []


def test_a_wrapped_ring_of_a_real_run(tmp_path):
    """lwkt.switch switches 40,000 times (and its warm-up more): the ring wraps. Is the loss counted, the newest
    TRACE_NRECS events kept in order, every thread still named, the trace valid?"""
    outputs = build_mod.build(variants=("trace",))
    image = Image(name="trace-wrap", path=build_mod.ROOT / "images" / "trace-wrap.toml",
                  description="many switches", cmdline="kbench=lwkt.switch", programs=[],
                  machine=MachineConfig(deterministic=True, timeout=30))
    build_image(image, outputs)
    run = trace.run_trace(image, outputs, tmp_path)
    assert run.verdict == "pass"
    assert len(run.ring.records) == run.ring.nrecs and run.ring.lost == run.ring.head - run.ring.nrecs > 20_000
    assert trace.ring_problems(run.ring) == []
    chrome = trace.to_chrome(run.ring)
    assert trace.validate(chrome) == []
    assert chrome["otherData"]["lost"] == run.ring.lost
    names = [e["args"]["name"] for e in chrome["traceEvents"] if e["name"] == "thread_name"]
    assert not [n for n in names if n.startswith("thread 0x")], names


def test_invoke_trace_writes_a_valid_json(tmp_path, capsys):
    """The task's path end to end: the JSON lands where --out says, valid, and the summary says
    where it is and how to open it."""
    from toolchain import cli
    out = tmp_path / "t.json"
    assert cli.trace("trace", str(out)) == out
    data = json.loads(out.read_text())
    assert trace.validate(data) == [] and data["otherData"]["verdict"] == "pass"
    assert data["otherData"]["image"] == "trace" and data["otherData"]["lost"] == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "guest verdict pass" in text and "none lost" in text and "ui.perfetto.dev" in text
    assert "trace problem" not in text


def test_the_trace_kernel_costs_more_per_switch(tmp_path):
    """invoke bench --kernel trace: the same benchmark on the trace kernel records an event per
    switch, so it must cost more than on the ordinary kernel, which has the hooks compiled out."""
    outputs = build_mod.build(variants=("trace",))
    image = load_image("bench")
    build_image(image, outputs)
    plain, traced = (run_bench(image, outputs, tmp_path / name, "lwkt.switch", kernel)
                     for name, kernel in (("plain", None), ("traced", outputs.variants["trace"])))
    assert plain[0]["name"] == traced[0]["name"] == "lwkt.switch"
    assert traced[0]["insns_per_op"] > plain[0]["insns_per_op"] + 20


def test_the_models_trace_shows_libcrs_events_on_the_vcpus_tracks(tmp_path):
    """images/trace-models.toml: the same two-thread ping-pong in each model. Both processes show
    libcr's switches, parks and wakes; only the KSE one its UPC_BLOCKED and UPC_UNBLOCKED upcalls,
    each UNBLOCKED after the BLOCKED of the same call."""
    outputs = build_mod.build(variants=("trace",))
    image = load_image("trace-models")
    build_image(image, outputs)
    run = trace.run_trace(image, outputs, tmp_path)
    assert run.ring.lost == 0
    user = [r for r in run.ring.records if r.type == "USER"]
    by_pid: dict[int, list] = {}
    for r in user:
        by_pid.setdefault(r.pid, []).append(r.args[:3])
    assert len(by_pid) == 2, by_pid.keys()
    dillon, kse = (by_pid[p] for p in sorted(by_pid))
    for events in (dillon, kse):
        kinds = {e[0] for e in events}
        assert {1, 2, 3} <= kinds                       # switch, park, wake
    assert not [e for e in dillon if e[0] == 4]         # no upcall in Dillon's model
    blocked = [e[2] for e in kse if e[0] == 4 and e[1] == 3]
    unblocked = [e[2] for e in kse if e[0] == 4 and e[1] == 4]
    assert len(blocked) == len(unblocked) >= 4          # most of the 6 reads block (once each)
    order = [(e[1], e[2]) for e in kse if e[0] == 4]
    for i, (typ, msg) in enumerate(order):
        if typ == 4:
            assert (3, msg) in order[:i]
    chrome = trace.to_chrome(run.ring, decoders())
    assert not trace.validate(chrome)
    assert chrome["otherData"]["user events"] == len(user)


def test_a_two_cpu_trace_has_both_cpus_and_ipi_flows_between_them(tmp_path):
    """images/trace-smp2.toml at 2 CPUs: a thread created for CPU 1 sleeps on CPU 0's timer and a
    thread moves to CPU 1 and back. Both CPUs' rings have events; every IPI request the CPUs sent
    each other is a flow from the sender's IPIs track to the target's; the moving thread ran on
    both CPUs' tracks; each CPU stopped its own ring at the end; a second boot gives the same."""
    outputs = build_mod.build(variants=("trace",))
    image = load_image("trace-smp2")
    assert image.machine.cpus == 2
    build_image(image, outputs)
    run = trace.run_trace(image, outputs, tmp_path)
    assert run.verdict == "pass", run.console
    assert "did not stop its ring" not in run.console
    ring = run.ring
    assert ring.lost == 0 and trace.ring_problems(ring) == []
    for cpu in (0, 1):
        kinds = {r.type for r in ring.per_cpu[cpu]}
        assert {"SWITCH", "IPI_SEND", "IPI_RUN", "IPI_DONE"} <= kinds, (cpu, kinds)
    # CPU 1's ring ends with its stop: the request from CPU 0, then the names of its threads
    last_run = [r for r in ring.per_cpu[1] if r.type == "IPI_RUN"][-1]
    assert ring.fmt.function(last_run.args[1]) == "trace_stop_cpu"
    assert {r.type for r in ring.per_cpu[1][ring.per_cpu[1].index(last_run) + 1:]} == {"THREAD", "THREAD_NAME2"}

    chrome = trace.to_chrome(ring, decoders())
    assert trace.validate(chrome) == []
    ev = chrome["traceEvents"]
    track = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev if e["name"] == "thread_name"}
    ends: dict[int, dict] = {}
    for e in ev:
        if e["ph"] in "sf" and e["cat"] == "ipi":
            ends.setdefault(e["id"], {})[e["ph"]] = track[(e["pid"], e["tid"])]
    assert ends and all(set(f) == {"s", "f"} for f in ends.values())
    crossings = {(f["s"], f["f"]) for f in ends.values()}
    assert crossings == {("CPU 0 IPIs", "CPU 1 IPIs"), ("CPU 1 IPIs", "CPU 0 IPIs")}
    assert chrome["otherData"]["ipi flows"] == len(ends) == chrome["otherData"]["ipis"]
    # what crossed, in which direction
    runs = {(e["args"]["from"], track[(e["pid"], e["tid"])], e["name"]) for e in ev
            if e["ph"] == "X" and e["cat"] == "ipi" and "from" in e["args"]}
    assert {(0, "CPU 1 IPIs", "thread_attach_there"), (1, "CPU 0 IPIs", "put_there"),
            (0, "CPU 1 IPIs", "reply_there"), (0, "CPU 1 IPIs", "migrate_there"),
            (1, "CPU 0 IPIs", "migrate_there"), (0, "CPU 1 IPIs", "trace_stop_cpu")} <= runs, runs
    ran_on: dict[str, set] = {}
    for e in ev:
        if e["ph"] == "X" and e["cat"] == "sched":
            ran_on.setdefault(e["name"], set()).add(track[(e["pid"], e["tid"])])
    assert ran_on["traveller"] == {"CPU 0 threads", "CPU 1 threads"}
    assert ran_on["sleeper"] == {"CPU 1 threads"} and ran_on["thread0"] == {"CPU 0 threads"}
    # deterministic at two CPUs too: the same build gives the same events, stamp for stamp
    again = trace.run_trace(image, outputs, tmp_path / "again")
    assert again.ring.records == ring.records
