"""The trace converter (toolchain/trace.py) on rings made here, byte for byte as the trace kernel
lays them out (its DWARF says how: the trace kernel is built, not booted): no QEMU."""
from __future__ import annotations

import functools
import struct
from collections import defaultdict

import pytest

from toolchain import trace
from toolchain.build import build
from toolchain.decode import decoders

A, B = 0x3ff000, 0x3fe000          # two struct thread addresses


@functools.cache
def kernel():
    return build(variants=("trace",)).variants["trace"]


def fmt() -> trace.TraceFormat:
    return trace.TraceFormat.of(kernel())


def sys_number(name: str) -> int:
    """A call's number, from kernel/syscalls.toml."""
    return decoders(kernel()).BY_NAME[name]


def one_ring(recs, nrecs, head=None) -> bytes:
    """A struct trace_ring of nrecs slots holding recs (tsc, type, cpu, pid, td, args) as written
    in order: record i sits in slot i % nrecs, head counts them all."""
    f = fmt()
    types = {name: num for num, name in f.types.items()}
    head = len(recs) if head is None else head
    slots = [bytes(f.record.size)] * nrecs
    for i, (tsc, typ, cpu, pid, td, args) in enumerate(recs):
        slots[i % nrecs] = f.record.pack(tr_tsc=tsc, tr_type=types[typ], tr_cpu=cpu, tr_pid=pid, tr_td=td,
                                         tr_arg=tuple(args) + (0,) * (4 - len(args)))
    header = f.header.pack(tr_magic=f.magic, tr_version=f.version, tr_recsize=f.record.size, tr_nrecs=nrecs,
                           tr_head=head)
    return header + b"".join(slots)


def ring_bytes(recs, nrecs=8, head=None, cpus=1) -> bytes:
    """trace_rings as the trace kernel lays them out: cpus rings back to back, ring c holding
    the records of CPU c (their cpu field) in the order given; head: CPU 0's count (default:
    as many as it holds)."""
    return b"".join(one_ring([r for r in recs if r[2] == c], nrecs, head if c == 0 else None)
                    for c in range(cpus))


def func(name: str) -> int:
    """The address of a function of the trace kernel (an IPI request's)."""
    return fmt().symbols.address(name)


def name_recs(tsc, td, name):
    raw = name.encode().ljust(24, b"\0")
    w = struct.unpack("<6I", raw)
    return [(tsc, "THREAD", 0, 0, A, (td, *w[:3])), (tsc, "THREAD_NAME2", 0, 0, A, (td, *w[3:]))]


def scenario():
    """A (pid 1, 'client') writes 5 bytes, sends message 7 to B ('server'), switches to B, which
    replies; a timer interrupt lands in B; B switches back to A."""
    return (name_recs(1000, A, "client") + name_recs(1001, B, "server") + [
        (2000, "SYSCALL_ENTER", 0, 1, A, (0x40001000,)),
        (2010, "SYSMSG", 0, 1, A, (0x9000, 0x40001000, sys_number("write"), fmt().kmf_sync)),
        (2011, "SYSMSG_ARGS", 0, 1, A, (0x9000, 1, 0x40002000, 5)),
        (2012, "SYSMSG_ARGS", 0, 1, A, (0x9000, 0, 0, 0)),
        (2100, "SYSMSG_ANSWER", 0, 1, A, (0x9000, 0, 5, 0)),
        (2200, "SYSCALL_EXIT", 0, 1, A, (0,)),
        (3000, "MSG_SEND", 0, 1, A, (0x5000, 0x6000, 7, 8)),
        (3100, "SWITCH", 0, 1, A, (B, 1)),
        (3200, "INTR_ENTER", 0, 0, B, (0,)),
        (3300, "INTR_EXIT", 0, 0, B, (0,)),
        (3400, "MSG_REPLY", 0, 0, B, (0x5000, 0x7000, 0, 7)),
        (3500, "SWITCH", 0, 0, B, (A, 0)),
        (3600, "MSG_ABORT", 0, 1, A, (0x5100, 0x6000, 0x40)),
    ])


@pytest.fixture(scope="module")
def dec():
    return decoders(kernel())


def test_every_event_type_of_the_kernel_is_converted():
    """Does the converter handle each event type of enum trace_type (as the trace kernel has it)?"""
    assert len(fmt().types) >= 14
    for name in fmt().types.values():
        assert hasattr(trace._Converter, "on_" + name.lower()), name


def test_parse_keeps_order_and_counts_nothing_lost():
    recs = scenario()
    ring = trace.parse_ring(ring_bytes(recs, nrecs=32), fmt())
    assert ring.lost == 0 and len(ring.records) == len(recs)
    assert [r.tsc for r in ring.records] == [r[0] for r in recs]
    assert ring.records[8].type == "SYSMSG_ANSWER" and ring.records[8].args == (0x9000, 0, 5, 0)


def test_a_wrapped_ring_keeps_the_newest_oldest_first_and_says_how_many_were_lost():
    recs = [(100 + i, "SWITCH", 0, 0, A if i % 2 else B, (B if i % 2 else A, 0)) for i in range(21)]
    ring = trace.parse_ring(ring_bytes(recs, nrecs=8), fmt())
    assert ring.head == 21 and ring.lost == 13
    assert [r.tsc for r in ring.records] == list(range(113, 121))
    chrome = trace.to_chrome(ring)
    assert chrome["otherData"]["lost"] == 13
    assert any(e["ph"] == "i" and e["name"].startswith("13 older events lost") for e in chrome["traceEvents"])
    assert trace.validate(chrome) == []


@pytest.mark.parametrize("mutate, message", [
    (lambda b: b"\0\0\0\0" + b[4:], "not a trace ring"),
    (lambda b: b[:4] + struct.pack("<H", 99) + b[6:], "read it with the kernel that wrote it"),
    (lambda b: b[:200], "does not fit"),
    (lambda b: b[:10], "shorter than its"),
])
def test_a_bad_dump_is_a_clear_error(mutate, message):
    with pytest.raises(trace.TraceError, match=message):
        trace.parse_ring(mutate(ring_bytes(scenario(), nrecs=32)), fmt())


def test_an_unknown_event_type_is_an_error():
    data = bytearray(ring_bytes(scenario(), nrecs=32))
    data[fmt().header.size + fmt().record.field("tr_type").offset] = 200      # the first record's type
    with pytest.raises(trace.TraceError, match="unknown type 200"):
        trace.parse_ring(bytes(data), fmt())


def test_tsc_going_back_on_a_cpu_is_reported():
    recs = scenario()
    recs[5] = (1500,) + recs[5][1:]
    problems = trace.ring_problems(trace.parse_ring(ring_bytes(recs, nrecs=32), fmt()))
    assert len(problems) == 1 and "tsc 1500" in problems[0]


def test_scenario_tracks_slices_and_flows(dec):
    chrome = trace.to_chrome(trace.parse_ring(ring_bytes(scenario(), nrecs=32), fmt()), dec)
    ev = chrome["traceEvents"]
    assert trace.validate(chrome) == []
    tid = {e["args"]["name"]: (e["pid"], e["tid"]) for e in ev if e["name"] == "thread_name"}
    assert tid["client"][0] == 1 and tid["server"][0] == 0
    assert {"CPU 0 threads", "CPU 0 interrupts"} <= set(tid)
    procs = {e["pid"]: e["args"]["name"] for e in ev if e["name"] == "process_name"}
    assert procs[1] == "pid 1 client" and procs[0] == "kernel"
    # the CPU track: client until 3100, server until 3500, client to the end
    sched = [(e["name"], e["ts"], e["dur"]) for e in ev if e.get("cat") == "sched"]
    assert sched == [("client", 2.0, 1.1), ("server", 3.1, 0.4), ("client", 3.5, 0.1)]
    irq = [e for e in ev if e.get("cat") == "irq"]
    assert [(e["name"], e["ts"], e["dur"], (e["pid"], e["tid"])) for e in irq] == \
        [("irq 0 (timer)", 3.2, 0.1, tid["CPU 0 interrupts"])]
    # the system call: a trap slice with the decoded call nested in it, and its flow
    (sc,) = [e for e in ev if e.get("cat") == "syscall"]
    assert (sc["name"], sc["ts"], sc["dur"], (sc["pid"], sc["tid"])) == ("write", 2.0, 0.2, tid["client"])
    call, answer = [e for e in ev if e.get("cat") == "sysmsg" and e["ph"] == "X"]
    assert call["args"]["call"] == "write(fd=1, buf=0x40002000, len=5) = 5"
    assert (call["ts"], call["dur"]) == (2.01, 0.09)
    assert (answer["name"], answer["ts"], answer["dur"]) == ("answer write", 2.1, 0.0)
    # the message: send on the client, reply on the server, one flow between them
    flows = {e["cat"]: [] for e in ev if e["ph"] in "sf"}
    for e in ev:
        if e["ph"] in "sf":
            flows[e["cat"]].append(e)
    s, f = flows["msg"]
    assert (s["ph"], s["ts"], (s["pid"], s["tid"])) == ("s", 3.0, tid["client"])
    assert (f["ph"], f["ts"], (f["pid"], f["tid"]), f["bp"]) == ("f", 3.4, tid["server"], "e")
    assert s["id"] == f["id"] != flows["sysmsg"][0]["id"]
    assert any(e["name"] == "abort" and e["args"]["msg"] == "0x5100" for e in ev)
    assert chrome["otherData"]["flows"] == 2 and chrome["otherData"]["switches"] == 2


def test_an_async_call_answered_on_another_thread_draws_a_flow_across(dec):
    """B's read goes async (no KMF_SYNC) and returns; A's write later answers it on A's track."""
    recs = name_recs(1, A, "writer") + name_recs(2, B, "reader") + [
        (10, "SYSCALL_ENTER", 0, 2, B, (0x40000100,)),
        (11, "SYSMSG", 0, 2, B, (0x8000, 0x40000100, sys_number("read"), 0)),
        (12, "SYSMSG_ARGS", 0, 2, B, (0x8000, 3, 0x40003000, 1)),
        (13, "SYSMSG_ARGS", 0, 2, B, (0x8000, 0, 0, 0)),
        (14, "SYSCALL_EXIT", 0, 2, B, (512,)),
        (15, "SWITCH", 0, 2, B, (A, 1)),
        (19, "MSG_REPLY", 0, 1, A, (0x8000, 0x7000, 0, sys_number("read"))),   # the pipe completes the read
        (20, "SYSMSG_ANSWER", 0, 1, A, (0x8000, 0, 1, 1)),
    ]
    chrome = trace.to_chrome(trace.parse_ring(ring_bytes(recs, nrecs=16), fmt()), dec)
    assert trace.validate(chrome) == []
    ev = chrome["traceEvents"]
    tid = {e["args"]["name"]: (e["pid"], e["tid"]) for e in ev if e["name"] == "thread_name"}
    (sc,) = [e for e in ev if e.get("cat") == "syscall"]
    assert sc["args"]["eax"] == "EASYNC"
    answer = [e for e in ev if e["ph"] == "X" and e.get("cat") == "sysmsg" and (e["pid"], e["tid"]) == tid["writer"]]
    assert [e["name"] for e in answer] == ["complete read", "answer read"]
    assert answer[1]["args"]["queued"] is True
    s, f = [e for e in ev if e["ph"] in "sf" and e["name"] == "read"]
    assert (s["pid"], s["tid"]) == tid["reader"] and (f["pid"], f["tid"]) == tid["writer"]
    # the reply to the call's kernel message is its completion: a slice and a flow to the answer
    assert [e["name"] for e in ev if e["ph"] == "X" and e["ts"] == 0.019] == ["complete read"]
    cs, cf = [e for e in ev if e["ph"] in "sf" and e["name"] == "complete read"]
    assert (cs["ts"], cf["ts"], cs["id"]) == (0.019, 0.02, cf["id"])


def test_a_thread_address_reused_after_exit_is_a_new_track():
    recs = name_recs(1, A, "first") + [(5, "THREAD_EXIT", 0, 0, B, (A,))] + name_recs(9, A, "second")
    chrome = trace.to_chrome(trace.parse_ring(ring_bytes(recs, nrecs=16), fmt()))
    names = {e["args"]["name"]: e["tid"] for e in chrome["traceEvents"] if e["name"] == "thread_name"}
    assert names["first"] != names["second"]


@pytest.mark.parametrize("events, problem", [
    ([{"ph": "s", "id": 1, "name": "m", "ts": 1, "pid": 0, "tid": 1}], "flow 1 has only ['s']"),
    ([{"ph": "s", "id": 1, "name": "m", "ts": 5, "pid": 0, "tid": 1},
      {"ph": "f", "id": 1, "name": "m", "ts": 4, "pid": 0, "tid": 2}], "flow 1 ends at 4 before it starts at 5"),
    ([{"ph": "X", "name": "a", "cat": "msg", "ts": 1, "dur": 0, "pid": 0, "tid": 1},
      {"ph": "s", "id": 1, "name": "m", "cat": "msg", "ts": 1, "pid": 0, "tid": 1},
      {"ph": "f", "id": 1, "name": "m", "cat": "msg", "ts": 2, "pid": 0, "tid": 1}],
     "flow 1 'f' at 2 on track (0, 1) has no 'msg' slice"),
    ([{"ph": "X", "name": "a", "ts": 5, "dur": 1, "pid": 0, "tid": 1},
      {"ph": "X", "name": "b", "ts": 4, "dur": 1, "pid": 0, "tid": 1}], "after 5"),
    ([{"ph": "X", "name": "a", "ts": 1, "dur": 5, "pid": 0, "tid": 1},
      {"ph": "X", "name": "b", "ts": 2, "dur": 5, "pid": 0, "tid": 1}], "overlaps its parent"),
])
def test_validate_finds_broken_traces(events, problem):
    assert any(problem in p for p in trace.validate({"traceEvents": events})), trace.validate({"traceEvents": events})


def test_every_flow_end_has_a_slice_of_its_category_at_its_place(dec):
    """Chrome binds a flow end to the event with the same cat, pid, tid and ts; Perfetto to the
    slice enclosing it: give each end a slice that satisfies both."""
    recs = scenario()
    recs.insert(6, (2050, "MSG_REPLY", 0, 0, B, (0x9000, 0x7000, 0, sys_number("write"))))
    chrome = trace.to_chrome(trace.parse_ring(ring_bytes(recs, nrecs=32), fmt()), dec)
    ev = chrome["traceEvents"]
    flows = [e for e in ev if e["ph"] in "sf"]
    assert len(flows) == 6          # msg, sysmsg, and the completion of the write
    for f in flows:
        assert any(e["ph"] == "X" and (e["cat"], e["pid"], e["tid"], e["ts"]) ==
                   (f["cat"], f["pid"], f["tid"], f["ts"]) for e in ev), f


def test_a_thread_keeps_one_pid_even_when_its_process_is_learned_late():
    """B's first events carry no pid (not yet attached to its process); later ones pid 3: all of
    B's events must be on one track, in process 3."""
    recs = name_recs(1, B, "late") + [
        (5, "MSG_SEND", 0, 0, B, (0x5000, 0x6000, 1, 0)),
        (6, "SWITCH", 0, 0, B, (A, 0)),
        (7, "MSG_REPLY", 0, 0, A, (0x5000, 0x7000, 0, 1)),
        (8, "SWITCH", 0, 0, A, (B, 0)),
        (9, "MSG_ABORT", 0, 3, B, (0x5100, 0x6000, 0x40)),
    ]
    chrome = trace.to_chrome(trace.parse_ring(ring_bytes(recs, nrecs=16), fmt()))
    late = [e for e in chrome["traceEvents"] if e["ph"] != "M" and e.get("tid") == 1]
    assert {e["pid"] for e in late} == {3} and len(late) >= 3
    assert trace.validate(chrome) == []


def test_libcr_scheduler_events_are_slices_on_the_vcpus_track():
    """utrace's records (TR_USER: a switch, a park, a wake, a KSE upcall) become zero-length
    slices of category uthread on the track of the thread that recorded them (the vCPU)."""
    recs = name_recs(1000, A, "vcpu") + [
        (2000, "USER", 0, 1, A, (4, 3, 0x40001000)),        # UTR_UPCALL: UPC_BLOCKED, its message
        (2100, "USER", 0, 1, A, (2, 0x40010000, 0x40001000)),   # UTR_PARK
        (2200, "USER", 0, 1, A, (1, 0x40010000, 0x40020000)),   # UTR_SWITCH
        (2300, "USER", 0, 1, A, (3, 0x40010000)),            # UTR_WAKE
        (2400, "USER", 0, 1, A, (4, 1, 2)),                  # UTR_UPCALL: UPC_SIGNAL, SIGINT
    ]
    chrome = trace.to_chrome(trace.parse_ring(ring_bytes(recs, nrecs=16), fmt()))
    user = [e for e in chrome["traceEvents"] if e.get("cat") == "uthread"]
    assert [e["name"] for e in user] == [
        "upcall BLOCKED 0x40001000", "park 0x40010000", "uthread 0x40010000 → 0x40020000",
        "wake 0x40010000", "upcall SIGNAL 2"]
    assert all(e["dur"] == 0 and e["pid"] == 1 for e in user)
    assert len({e["tid"] for e in user}) == 1
    assert chrome["otherData"]["user events"] == 5
    assert not trace.validate(chrome)


# -- several CPUs --------------------------------------------------------------------------------

def two_cpus():
    """A on CPU 0 queues put_there for CPU 1 (seq 5), where the idle thread B runs it; B queues
    reply_there back (also seq 5: each direction's ring counts on its own), which CPU 0 runs on
    C, to which A had switched. C queues another put_there (seq 6) that CPU 1 never runs; CPU 1
    switches to A (which moved there meanwhile)."""
    C = 0x3fd000
    return name_recs(10, A, "sender") + name_recs(11, B, "idle") + name_recs(12, C, "other") + [
        (100, "IPI_SEND", 0, 0, A, (1, func("put_there"), 0x5000, 5)),
        (110, "IPI_RUN", 1, 0, B, (0, func("put_there"), 0x5000, 5)),
        (115, "IPI_SEND", 1, 0, B, (0, func("reply_there"), 0x5000, 5)),
        (120, "IPI_DONE", 1, 0, B, (0, 5)),
        (118, "SWITCH", 0, 0, A, (C, 1)),
        (130, "IPI_RUN", 0, 0, C, (1, func("reply_there"), 0x5000, 5)),
        (135, "IPI_DONE", 0, 0, C, (1, 5)),
        (140, "IPI_SEND", 0, 0, C, (1, func("put_there"), 0x5100, 6)),
        (150, "SWITCH", 1, 0, B, (A, 1)),                 # A moved to CPU 1 meanwhile
    ]


def test_the_rings_of_two_cpus_merge_by_tsc_each_in_its_own_order():
    ring = trace.parse_ring(ring_bytes(two_cpus(), nrecs=16, cpus=2), fmt())
    assert ring.heads == {0: 11, 1: 4} and ring.head == 15 and ring.lost == 0
    assert [r.tsc for r in ring.per_cpu[1]] == [110, 115, 120, 150]
    assert [r.tsc for r in ring.records] == sorted(r[0] for r in two_cpus())
    assert trace.ring_problems(ring) == []


def test_a_record_in_another_cpus_ring_and_a_tsc_going_back_are_reported():
    recs = two_cpus()
    data = bytearray(ring_bytes(recs, nrecs=16, cpus=2))
    stride = fmt().header.size + 16 * fmt().record.size
    data[stride + fmt().header.size + fmt().record.field("tr_cpu").offset] = 3     # CPU 1's first record
    recs_back = [r if r[0] != 120 else (101,) + r[1:] for r in recs]
    problems = trace.ring_problems(trace.parse_ring(bytes(data), fmt())) + \
        trace.ring_problems(trace.parse_ring(ring_bytes(recs_back, nrecs=16, cpus=2), fmt()))
    assert problems == ["event 0 (IPI_RUN) of CPU 3 is in CPU 1's ring",
                        "event 2 (IPI_DONE) on CPU 1: tsc 101 is before 115"], problems


def test_each_cpu_is_its_own_track_with_the_threads_that_ran_on_it():
    chrome = trace.to_chrome(trace.parse_ring(ring_bytes(two_cpus(), nrecs=16, cpus=2), fmt()))
    assert trace.validate(chrome) == []
    ev = chrome["traceEvents"]
    tid = {e["args"]["name"]: (e["pid"], e["tid"]) for e in ev if e["name"] == "thread_name"}
    assert {"CPU 0 threads", "CPU 0 interrupts", "CPU 0 IPIs", "CPU 1 threads", "CPU 1 IPIs"} <= set(tid)
    assert len({tid[n] for n in tid if n.startswith("CPU ")}) == len([n for n in tid if n.startswith("CPU ")])
    ran = defaultdict(list)
    for e in ev:
        if e.get("cat") == "sched":
            ran[(e["pid"], e["tid"])].append((e["name"], e["ts"]))
    # CPU 0: sender until its switch at 118, then other; CPU 1: idle, then sender (it moved)
    assert ran[tid["CPU 0 threads"]] == [("sender", 0.1), ("other", 0.118)]
    assert ran[tid["CPU 1 threads"]] == [("idle", 0.11), ("sender", 0.15)]
    assert chrome["otherData"]["cpus"] == [0, 1]


def test_an_ipi_is_a_flow_from_its_send_on_one_cpu_to_its_run_on_the_other():
    chrome = trace.to_chrome(trace.parse_ring(ring_bytes(two_cpus(), nrecs=16, cpus=2), fmt()))
    assert trace.validate(chrome) == []
    ev = chrome["traceEvents"]
    tid = {e["args"]["name"]: (e["pid"], e["tid"]) for e in ev if e["name"] == "thread_name"}
    cpu0, cpu1 = tid["CPU 0 IPIs"], tid["CPU 1 IPIs"]
    slices = [(e["name"], e["ts"], e["dur"], (e["pid"], e["tid"])) for e in ev if e.get("cat") == "ipi" and e["ph"] == "X"]
    assert slices == [("ipi → CPU 1 put_there", 0.1, 0.0, cpu0), ("put_there", 0.11, 0.01, cpu1),
                      ("ipi → CPU 0 reply_there", 0.115, 0.0, cpu1), ("reply_there", 0.13, 0.005, cpu0),
                      ("ipi → CPU 1 put_there", 0.14, 0.0, cpu0)]
    flows = defaultdict(dict)
    for e in ev:
        if e["ph"] in "sf" and e["cat"] == "ipi":
            flows[e["id"]][e["ph"]] = (e["ts"], (e["pid"], e["tid"]))
    # paired by (sender, target, seq): both directions used seq 5; the last request never ran
    assert sorted(flows.values(), key=lambda f: f["s"]) == [
        {"s": (0.1, cpu0), "f": (0.11, cpu1)}, {"s": (0.115, cpu1), "f": (0.13, cpu0)}]
    run = next(e for e in ev if e["ph"] == "X" and e["name"] == "put_there")
    assert run["args"] == {"from": 0, "func": "put_there", "arg1": "0x5000", "seq": 5, "thread": "idle"}
    other = chrome["otherData"]
    assert (other["ipis"], other["ipi flows"], other["ipi runs"], other["IPIs never run"]) == (3, 2, 2, 1)


def test_a_run_never_finished_or_nested_in_another_still_nests():
    """A request run while another runs (a full ring makes the sender drain its own queues) nests
    in it; one whose end was not recorded (the ring stopped inside it) ends with the trace."""
    recs = name_recs(1, A, "t") + [
        (10, "IPI_RUN", 1, 0, A, (0, func("put_there"), 1, 1)),
        (12, "IPI_RUN", 1, 0, A, (0, func("reply_there"), 2, 2)),
        (14, "IPI_DONE", 1, 0, A, (0, 2)),
        (16, "IPI_DONE", 1, 0, A, (0, 1)),
        (20, "IPI_RUN", 1, 0, A, (0, func("trace_stop_cpu"), 0, 3)),
        (25, "THREAD", 1, 0, A, (A, 0, 0, 0)),
    ]
    chrome = trace.to_chrome(trace.parse_ring(ring_bytes(recs, nrecs=16, cpus=2), fmt()))
    assert trace.validate(chrome) == []
    runs = [(e["name"], e["ts"], e["dur"]) for e in chrome["traceEvents"] if e.get("cat") == "ipi"]
    assert runs == [("put_there", 0.01, 0.006), ("reply_there", 0.012, 0.002), ("trace_stop_cpu", 0.02, 0.005)]


def test_one_cpus_ring_wrapping_is_counted_for_that_cpu():
    recs = [(100 + 2 * i, "SWITCH", 0, 0, A, (A, 0)) for i in range(20)] + \
        [(101 + 2 * i, "SWITCH", 1, 0, B, (B, 0)) for i in range(3)]
    data = b"".join([one_ring(recs[:20], 8), one_ring(recs[20:], 8)])
    ring = trace.parse_ring(data, fmt())
    assert (ring.lost, ring.lost_of(0), ring.lost_of(1), ring.head) == (12, 12, 0, 23)
    assert [r.tsc for r in ring.records] == [101, 103, 105] + list(range(124, 140, 2))
    chrome = trace.to_chrome(ring)
    (lost,) = [e for e in chrome["traceEvents"] if e["ph"] == "i"]
    assert lost["name"].startswith("12 older events lost") and lost["args"] == {"CPU 0": 12}
    assert trace.validate(chrome) == []


def test_rings_of_different_sizes_are_not_one_kernels():
    with pytest.raises(trace.TraceError, match="ring 1 holds 16 records, ring 0 8"):
        trace.parse_ring(one_ring([], 8) + one_ring([], 16), fmt())
