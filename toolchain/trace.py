"""Kernel event traces: boot the trace kernel, read its event rings (one per CPU) out of guest
memory, and write Chrome/Perfetto trace JSON (the Trace Event Format) with tracks per CPU and per
thread, a flow arrow from each message's send to its reply and from each IPI request's send on
one CPU to its run on another. docs/trace.md describes the whole path.

How the rings reach the host: the trace kernel (kernel-trace.elf, built with -DKTRACE) records
from boot, each CPU into its own ring. With the word `trace` on its command line it ends a run
by having every CPU stop its ring and printing `TRACE-READY verdict=V events=N ring=R`, then
halts instead of powering off. The host stops QEMU and copies the rings with QMP `pmemsave` from
the address of the symbol `trace_rings` (the kernel's ELF symbol table; the kernel's memory is
identity-mapped), then ends QEMU. A guest that panics is paused by pvpanic with its memory
intact, and its rings are read the same way. The rings are merged by TSC, one clock for every
CPU (under -icount, the virtual clock).

The rings' layout (struct trace_ring, struct trace_rec), the event numbers (enum trace_type),
the thread states and the verdicts come from the trace kernel's own DWARF (toolchain/facts.py),
the IRQ names from kernel/arch/i386/traps.toml, the IPI functions' names from its symbol table:
nothing about the C side is written here.
"""
from __future__ import annotations

import heapq
import json
import re
import struct
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import elfcheck, gen
from .build import BUILD, ROOT, Outputs
from .errors import ToolchainError
from .facts import FactsError, Layout, facts
from .image import Image
from .machine import Machine, MachineTimeout

TRACE_DIR = BUILD / "trace"
RING_SYMBOL = "trace_rings"
READY = re.compile(r"^TRACE-READY verdict=(?P<verdict>\d+) events=(?P<events>\d+) ring=(?P<ring>\d+)",
                   re.MULTILINE)
CPU_PID = 100_000                        # the pseudo-process that holds the CPU tracks
CPU_TRACKS = ("threads", "interrupts", "IPIs")      # each CPU's tracks: tid CPU_PID + 4 * cpu + index


class TraceError(ToolchainError):
    """No trace could be made: the message says why (and where the console log is)."""


@dataclass(frozen=True)
class TraceFormat:
    """What a trace kernel's ring looks like and what its numbers mean, read from its DWARF."""
    header: Layout                  # struct trace_ring, up to its records
    record: Layout                  # struct trace_rec
    types: dict[int, str]           # enum trace_type: 4 -> "SWITCH"
    magic: int                      # TRACE_MAGIC
    version: int                    # TRACE_VERSION
    td_states: dict[int, str]       # enum td_state: 1 -> "blocked"
    verdicts: dict[int, str]        # enum shutdown_verdict: 2 -> "panic"
    kmf_sync: int                   # KMF_SYNC: the caller of a system call waits for it
    irq_names: dict[int, str]       # traps.toml: 0 -> "timer"
    symbols: elfcheck.Symbolizer    # the kernel's functions (IPI requests name theirs)

    @classmethod
    def of(cls, kernel: Path) -> "TraceFormat":
        f = facts(kernel)
        try:
            header = f.layout("struct trace_ring", until="tr_recs")
        except FactsError:
            raise TraceError(f"{kernel} has no struct trace_ring in its DWARF: it is not a trace kernel "
                             "(build it with build(variants=('trace',)); `invoke trace` does)") from None

        def names(enum: str, prefix: str) -> dict[int, str]:
            return {v: n.removeprefix(prefix) for n, v in f.enum(enum).items()}
        return cls(header, f.layout("struct trace_rec"), names("enum trace_type", "TR_"),
                   f.constant("TRACE_MAGIC"), f.constant("TRACE_VERSION"),
                   {v: n.lower() for v, n in names("enum td_state", "TDS_").items()},
                   {v: n.lower() for v, n in names("enum shutdown_verdict", "SHUTDOWN_").items()},
                   f.constant("KMF_SYNC"), gen.load_traps(ROOT / gen.TRAPS).irq_names,
                   elfcheck.symbolizer(kernel))

    def function(self, addr: int) -> str:
        """The name of the kernel function at addr ('put_there'), else its address."""
        found = self.symbols.function(addr)
        if found is None:
            return f"{addr:#x}"
        return found[0] if found[1] == 0 else f"{found[0]}+{found[1]:#x}"


@dataclass(frozen=True)
class Record:
    tsc: int
    type: str           # 'SWITCH', 'MSG_SEND', ... (TR_ without the prefix)
    cpu: int
    pid: int
    td: int
    args: tuple[int, int, int, int]


@dataclass
class Ring:
    """The events of every CPU's ring, merged."""
    records: list[Record]   # every CPU's, oldest first (by TSC; a CPU's own in the order it wrote them)
    head: int               # events written in all
    nrecs: int              # each CPU ring's capacity
    fmt: TraceFormat        # what its numbers mean
    per_cpu: dict[int, list[Record]] = field(default_factory=dict)   # ring index (CPU) -> its records, in order
    heads: dict[int, int] = field(default_factory=dict)             # ring index -> events it wrote

    @property
    def lost(self) -> int:
        """Events overwritten because a CPU's ring wrapped (its oldest ones)."""
        return sum(max(0, h - self.nrecs) for h in self.heads.values())

    def lost_of(self, cpu: int) -> int:
        return max(0, self.heads.get(cpu, 0) - self.nrecs)


def _parse_one(data: bytes, offset: int, index: int, fmt: TraceFormat) -> tuple[int, int, list[Record]]:
    """(capacity, head, records oldest first) of the struct trace_ring at offset."""
    where = f"ring {index} " if index else "ring dump "
    if len(data) < offset + fmt.header.size:
        raise TraceError(f"{where}of {len(data) - offset} bytes is shorter than its {fmt.header.size}-byte header")
    h = fmt.header.unpack(data, offset)
    magic, version, recsize, nrecs, head = (h["tr_magic"], h["tr_version"], h["tr_recsize"], h["tr_nrecs"],
                                            h["tr_head"])
    if magic != fmt.magic:
        raise TraceError(f"{where}starts with {magic:#010x}, not TRACE_MAGIC {fmt.magic:#010x}: "
                         "not a trace ring (was the kernel built with KTRACE?)")
    if version != fmt.version or recsize != fmt.record.size:
        raise TraceError(f"ring version {version} with {recsize}-byte records; this trace kernel's DWARF says "
                         f"version {fmt.version} with {fmt.record.size}-byte records: read it with the kernel "
                         "that wrote it")
    if nrecs == 0 or nrecs & (nrecs - 1) or len(data) < offset + fmt.header.size + nrecs * fmt.record.size:
        raise TraceError(f"{where}of {nrecs} records does not fit a dump of {len(data) - offset} bytes")
    count = min(head, nrecs)
    records = []
    base = offset + fmt.header.size
    for i in range(head - count, head):
        r = fmt.record.unpack(data, base + (i % nrecs) * fmt.record.size)
        if r["tr_type"] not in fmt.types:
            raise TraceError(f"{where}event {i} has unknown type {r['tr_type']} "
                             f"(enum trace_type has {sorted(fmt.types)})")
        records.append(Record(r["tr_tsc"], fmt.types[r["tr_type"]], r["tr_cpu"], r["tr_pid"], r["tr_td"],
                              tuple(r["tr_arg"])))
    return nrecs, head, records


def parse_ring(data: bytes, fmt: TraceFormat) -> Ring:
    """Decode a copy of trace_rings (struct trace_ring back to back, one per CPU, ring i is CPU
    i's) laid out as fmt says, merging the rings' records by TSC; TraceError when it is not one.
    Records with the same TSC keep each ring's order, the lower CPU's first."""
    nrecs, head, records = _parse_one(data, 0, 0, fmt)
    stride = fmt.header.size + nrecs * fmt.record.size
    per_cpu, heads = {0: records}, {0: head}
    for cpu in range(1, len(data) // stride):
        n, heads[cpu], per_cpu[cpu] = _parse_one(data, cpu * stride, cpu, fmt)
        if n != nrecs:
            raise TraceError(f"ring {cpu} holds {n} records, ring 0 {nrecs}: not one kernel's rings")
    merged = list(heapq.merge(*(per_cpu[c] for c in sorted(per_cpu)), key=lambda r: r.tsc))
    return Ring(merged, sum(heads.values()), nrecs, fmt, per_cpu, heads)


def ring_problems(ring: Ring) -> list[str]:
    """What is wrong with the guest's own data: a CPU's TSC going backwards in its ring, a record
    in the ring of another CPU than its own."""
    out = []
    for cpu, records in sorted((ring.per_cpu or {0: ring.records}).items()):
        last = 0
        for i, r in enumerate(records):
            if r.tsc < last:
                out.append(f"event {i} ({r.type}) on CPU {cpu}: tsc {r.tsc} is before {last}")
            if ring.per_cpu and r.cpu != cpu:
                out.append(f"event {i} ({r.type}) of CPU {r.cpu} is in CPU {cpu}'s ring")
            last = r.tsc
    return out


def _name_bytes(words) -> bytes:
    return b"".join(struct.pack("<I", w) for w in words)


@dataclass
class _Thread:
    tid: int
    td: int
    name: str = ""
    pid: int = 0
    exited: bool = False
    names: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.name or f"thread {self.td:#x}"


class _Converter:
    """One pass over the records, in order; builds the Chrome trace events."""

    def __init__(self, ring: Ring, decoders=None, ticks_per_us: float = 1000.0):
        self.ring, self.dec, self.tpu = ring, decoders, ticks_per_us
        self.events: list[dict] = []
        self.threads: dict[int, _Thread] = {}       # td address -> its current identity
        self.all_threads: list[_Thread] = []
        self.running: dict[int, tuple[_Thread, float]] = {}     # cpu -> (thread, since)
        self.irq: dict[int, tuple[int, float]] = {}             # cpu -> (irq, since)
        self.traps: dict[int, list] = {}            # tid -> [start, uaddr, calls]
        self.calls: dict[int, dict] = {}            # the call's kernel message -> the open call
        self.sends: dict[int, dict] = {}            # lwkt msg -> its send
        self.ipi_sends: dict[tuple, dict] = {}      # (from cpu, to cpu, seq) -> the request's send
        self.ipi_runs: dict[int, list[dict]] = defaultdict(list)   # cpu -> the requests it is running (nested)
        self.flow_id = 0
        self.cpus: set[int] = set()
        self.ipi_cpus: set[int] = set()             # the CPUs with an IPIs track
        self.pending_name: dict[int, bytes] = {}
        self.stats = defaultdict(int)

    # -- helpers ----------------------------------------------------------------------------
    def ts(self, r: Record) -> float:
        return round(r.tsc / self.tpu, 3)

    def thread(self, td: int, naming: bool = False) -> _Thread:
        """The thread at address td. Its events after its exit record (its last switch) are
        still its own; a name record for an address whose thread exited starts a new thread."""
        t = self.threads.get(td)
        if t is None or (t.exited and naming):
            t = _Thread(len(self.all_threads) + 1, td)
            self.threads[td] = t
            self.all_threads.append(t)
        return t

    def current(self, r: Record) -> _Thread:
        t = self.thread(r.td)
        if r.pid and not t.pid:
            t.pid = r.pid
        return t

    def slice(self, where, name: str, start: float, end: float, cat: str, args=None) -> None:
        """An X event on a thread's track (where: a _Thread) or a CPU's (where: (pid, tid))."""
        ev = {"ph": "X", "name": name, "cat": cat, "ts": start, "dur": round(max(0.0, end - start), 3)}
        self.place(ev, where)
        if args:
            ev["args"] = args

    def place(self, ev: dict, where) -> None:
        """Put ev on a track. A thread's pid may be learned after its first events (from the
        first record that names its process), so events keep the thread until pids() runs."""
        if isinstance(where, _Thread):
            ev["_thread"] = where
        else:
            ev["pid"], ev["tid"] = where
        self.events.append(ev)

    def pids(self) -> None:
        """Give every thread's events its final pid and tid."""
        for ev in self.events:
            t = ev.pop("_thread", None)
            if t is not None:
                ev["pid"], ev["tid"] = t.pid, t.tid

    def flow(self, start_t, start_ts: float, end_t, end_ts: float, name: str, cat: str):
        """A flow arrow between two tracks, each a _Thread or a (pid, tid) (place())."""
        self.flow_id += 1
        self.place({"ph": "s", "id": self.flow_id, "name": name, "cat": cat, "ts": start_ts}, start_t)
        self.place({"ph": "f", "bp": "e", "id": self.flow_id, "name": name, "cat": cat, "ts": end_ts}, end_t)
        self.stats["flows"] += 1

    @staticmethod
    def cpu_track(cpu: int, track: int) -> tuple[int, int]:
        """(pid, tid) of one of a CPU's tracks (CPU_TRACKS[track])."""
        return CPU_PID, CPU_PID + 4 * cpu + track

    def cpu_slice(self, cpu: int, track: int, name: str, start: float, end: float, cat: str, args=None):
        self.slice(self.cpu_track(cpu, track), name, start, end, cat, args)

    def call_text(self, cmd: int, words) -> tuple[str, str]:
        """(name, 'write(fd=1, buf=0x..., len=1)') of a call from its number and argument words."""
        if self.dec is None:
            return f"syscall {cmd}", f"syscall {cmd}"
        call = self.dec.SYSCALLS.get(cmd)
        if call is None:
            return f"syscall {cmd}", f"syscall_{cmd}(?)"
        header = bytearray(self.dec.HEADER_SIZE)
        offset, code = self.dec.HEADER["ms_cmd"]
        struct.pack_into("<" + code, header, offset, cmd)
        body = (bytes(header) + _name_bytes(words)).ljust(call[1], b"\0")[:call[1]]
        text = self.dec.format_call(self.dec.decode(body))
        text = text[:-4] if text.endswith(" ...") else text     # the answer comes later
        if call[1] - self.dec.HEADER_SIZE > 4 * len(words):
            text += " [arguments past 24 bytes not recorded]"
        return call[0], text

    def answer_text(self, error: int, result: int) -> str:
        if error:
            name = self.dec.format_error(error) if self.dec else str(error)
            return f"-1 {name}"
        return str(result - (1 << 32) if result & 0x80000000 else result)

    # -- the events ---------------------------------------------------------------------------
    def run(self) -> None:
        records = self.ring.records
        for r in records:
            self.cpus.add(r.cpu)
            if r.cpu not in self.running and r.type != "THREAD" and r.type != "THREAD_NAME2":
                self.running[r.cpu] = (self.current(r), self.ts(r))
            getattr(self, "on_" + r.type.lower())(r)
        self.finish(self.ts(records[-1]) if records else 0.0)

    def on_thread(self, r: Record) -> None:
        self.pending_name[r.args[0]] = _name_bytes(r.args[1:])

    def on_thread_name2(self, r: Record) -> None:
        first = self.pending_name.pop(r.args[0], None)
        if first is None:
            return                  # its first half was overwritten when the ring wrapped
        name = (first + _name_bytes(r.args[1:])).split(b"\0", 1)[0].decode("ascii", "replace")
        t = self.thread(r.args[0], naming=True)
        if name and (not t.names or t.names[-1] != name):
            t.names.append(name)
            t.name = " → ".join(t.names)        # exec renames a process's thread

    def on_thread_exit(self, r: Record) -> None:
        t = self.threads.get(r.args[0])
        if t is not None:
            self.close_trap(t, self.ts(r))
            t.exited = True

    def on_switch(self, r: Record) -> None:
        ts, old = self.ts(r), self.current(r)
        state = self.ring.fmt.td_states.get(r.args[1], str(r.args[1]))
        run = self.running.get(r.cpu)
        if run is not None:
            t, since = run
            self.cpu_slice(r.cpu, 0, t.label, since, ts, "sched",
                           {"thread": t.label, "pid": t.pid, "then": state if t is old else "?"})
        new = self.thread(r.args[0])
        self.running[r.cpu] = (new, ts)
        self.stats["switches"] += 1

    def on_intr_enter(self, r: Record) -> None:
        self.irq[r.cpu] = (r.args[0], self.ts(r))

    def on_intr_exit(self, r: Record) -> None:
        irq, since = self.irq.pop(r.cpu, (r.args[0], None))
        if since is not None:
            names = self.ring.fmt.irq_names
            name = f"irq {irq}" + (f" ({names[irq]})" if irq in names else "")
            self.cpu_slice(r.cpu, 1, name, since, self.ts(r), "irq")
            self.stats["interrupts"] += 1

    def on_syscall_enter(self, r: Record) -> None:
        t = self.current(r)
        self.close_trap(t, self.ts(r))
        self.traps[t.tid] = [self.ts(r), r.args[0], []]

    def on_syscall_exit(self, r: Record) -> None:
        t = self.current(r)
        trap = self.traps.pop(t.tid, None)
        if trap is None:
            return                  # entered before the oldest record
        start, uaddr, calls = trap
        name = calls[0] if calls else "trap"
        eax = r.args[0]
        self.slice(t, name, start, self.ts(r), "syscall",
                   {"message": f"{uaddr:#x}", "eax": self.dec.format_error(eax) if eax and self.dec else eax})
        self.stats["syscalls"] += 1

    def close_trap(self, t: _Thread, ts: float) -> None:
        """A trap that never returned (exit, or the thread's end): its slice ends here."""
        trap = self.traps.pop(t.tid, None)
        if trap is not None:
            start, uaddr, calls = trap
            self.slice(t, calls[0] if calls else "trap", start, ts, "syscall",
                       {"message": f"{uaddr:#x}", "eax": "(never returned)"})
            self.stats["syscalls"] += 1

    def on_sysmsg(self, r: Record) -> None:
        t = self.current(r)
        ksm, uaddr, cmd, kmflags = r.args     # ksm: the call's kernel message
        self.calls[ksm] = {"t": t, "ts": self.ts(r), "uaddr": uaddr, "cmd": cmd, "words": [],
                           "async": not (kmflags & self.ring.fmt.kmf_sync)}
        trap = self.traps.get(t.tid)
        if trap is not None:
            trap[2].append(self.call_text(cmd, [])[0])

    def on_sysmsg_held(self, r: Record) -> None:
        """An asynchronous call moved from the kernel stack to a kernel message of its own."""
        old, new = r.args[0], r.args[1]
        if old in self.calls:
            self.calls[new] = self.calls.pop(old)

    def on_sysmsg_args(self, r: Record) -> None:
        call = self.calls.get(r.args[0])
        if call is not None and len(call["words"]) < 6:
            call["words"] += r.args[1:]

    def on_sysmsg_answer(self, r: Record) -> None:
        t, ts = self.current(r), self.ts(r)
        ksm, error, result, queued = r.args
        answer = self.answer_text(error, result)
        call = self.calls.pop(ksm, None)
        if call is None:        # refused before it was taken (EINVAL, ENOSYS, ...), or taken before the oldest record
            self.slice(t, f"answer = {answer}", ts, ts, "sysmsg", {"kernel msg": f"{ksm:#x}"})
            return
        name, text = self.call_text(call["cmd"], call["words"][:6])
        args = {"call": f"{text} = {answer}", "message": f"{call['uaddr']:#x}", "kernel msg": f"{ksm:#x}",
                "async": call["async"], "queued": bool(queued)}
        # A flow binds to the slice of its category that starts where it does (Chrome) or
        # encloses it (Perfetto): both ends get one, the answer a zero-length one.
        within = call["t"] is t and not self.answered_later(call, t)
        self.slice(call["t"], name, call["ts"], ts if within else call["ts"], "sysmsg", args)
        self.slice(t, f"answer {name}", ts, ts, "sysmsg", args)
        self.flow(call["t"], call["ts"], t, ts, name, "sysmsg")
        if "completed" in call:
            by, when = call["completed"]
            self.flow(by, when, t, ts, f"complete {name}", "sysmsg")

    def answered_later(self, call: dict, t: _Thread) -> bool:
        """Was the trap that took the call left before this answer (an async call)?"""
        trap = self.traps.get(t.tid)
        return trap is None or trap[0] > call["ts"]

    def on_msg_send(self, r: Record) -> None:
        t, ts = self.current(r), self.ts(r)
        msg, port, cmd, flags = r.args
        args = {"msg": f"{msg:#x}", "port": f"{port:#x}", "cmd": cmd, "flags": f"{flags:#x}"}
        self.slice(t, "send", ts, ts, "msg", args)
        self.sends[msg] = {"t": t, "ts": ts, "cmd": cmd}
        self.stats["sends"] += 1

    def on_msg_reply(self, r: Record) -> None:
        t, ts = self.current(r), self.ts(r)
        msg, port, error, cmd = r.args
        call = self.calls.get(msg)
        if call is not None:        # the object a waiting system call waited on completes it
            call["completed"] = (t, ts)
            self.slice(t, f"complete {self.call_text(call['cmd'], [])[0]}", ts, ts, "sysmsg",
                       {"call": f"{msg:#x}", "error": error})
            return
        self.slice(t, "reply", ts, ts, "msg",
                   {"msg": f"{msg:#x}", "reply port": f"{port:#x}", "cmd": cmd, "error": error})
        send = self.sends.pop(msg, None)
        if send is not None:
            self.flow(send["t"], send["ts"], t, ts, "msg", "msg")
        self.stats["replies"] += 1

    def on_msg_abort(self, r: Record) -> None:
        t, ts = self.current(r), self.ts(r)
        msg, port, flags, _ = r.args
        self.slice(t, "abort", ts, ts, "msg", {"msg": f"{msg:#x}", "port": f"{port:#x}", "flags": f"{flags:#x}"})

    def on_ipi_send(self, r: Record) -> None:
        """A request queued for another CPU: a zero-length slice on the sender's IPIs track,
        where the flow to its run on the target starts."""
        ts, t = self.ts(r), self.current(r)
        to, func, arg1, seq = r.args
        name = self.ring.fmt.function(func)
        self.cpu_slice(r.cpu, 2, f"ipi → CPU {to} {name}", ts, ts, "ipi",
                       {"to": to, "func": name, "arg1": f"{arg1:#x}", "seq": seq, "thread": t.label})
        self.ipi_sends[(r.cpu, to, seq)] = {"ts": ts, "cpu": r.cpu}
        self.ipi_cpus.add(r.cpu)
        self.stats["ipis"] += 1

    def on_ipi_run(self, r: Record) -> None:
        """Its target starts it: the run's slice (closed by IPI_DONE) on the target's IPIs track,
        and the flow from the send, which lies on another CPU's track."""
        ts, t = self.ts(r), self.current(r)
        frm, func, arg1, seq = r.args
        name = self.ring.fmt.function(func)
        self.ipi_runs[r.cpu].append({"from": frm, "seq": seq, "name": name, "ts": ts,
                                     "args": {"from": frm, "func": name, "arg1": f"{arg1:#x}", "seq": seq,
                                              "thread": t.label}})
        self.ipi_cpus.add(r.cpu)
        send = self.ipi_sends.pop((frm, r.cpu, seq), None)
        if send is not None:
            self.flow(self.cpu_track(send["cpu"], 2), send["ts"], self.cpu_track(r.cpu, 2), ts, "ipi", "ipi")
            self.stats["ipi flows"] += 1

    def on_ipi_done(self, r: Record) -> None:
        frm, seq = r.args[0], r.args[1]
        runs = self.ipi_runs[r.cpu]
        for i in range(len(runs) - 1, -1, -1):
            if (runs[i]["from"], runs[i]["seq"]) == (frm, seq):
                for run in reversed(runs[i:]):       # and any nested run whose end was not recorded
                    self.close_ipi(r.cpu, run, self.ts(r))
                del runs[i:]
                return

    def close_ipi(self, cpu: int, run: dict, end: float) -> None:
        self.cpu_slice(cpu, 2, run["name"], run["ts"], end, "ipi", run["args"])
        self.stats["ipi runs"] += 1

    UTR = {1: "switch", 2: "park", 3: "wake", 4: "upcall"}
    UPC = {1: "SIGNAL", 2: "POKE", 3: "BLOCKED", 4: "UNBLOCKED"}

    def on_user(self, r: Record) -> None:
        """libcr's scheduler (utrace, call 65): a zero-length slice on the vCPU's track, inside
        the utrace call that recorded it. User threads are named by their struct's address."""
        t, ts = self.current(r), self.ts(r)
        event, a, b, _ = r.args
        kind = self.UTR.get(event, f"user event {event}")
        if kind == "switch":
            name, args = f"uthread {a:#x} → {b:#x}", {"from": f"{a:#x}", "to": f"{b:#x}"}
        elif kind == "park":
            name, args = f"park {a:#x}", {"thread": f"{a:#x}", "on": f"{b:#x}"}
        elif kind == "wake":
            name, args = f"wake {a:#x}", {"thread": f"{a:#x}"}
        elif kind == "upcall":
            what = self.UPC.get(a, str(a))
            name = f"upcall {what}" + (f" {b}" if what == "SIGNAL" else f" {b:#x}")
            args = {"type": what, "tag": b if what == "SIGNAL" else f"{b:#x}"}
        else:
            name, args = kind, {"a": f"{a:#x}", "b": f"{b:#x}"}
        self.slice(t, name, ts, ts, "uthread", args)
        self.stats["user events"] += 1

    def finish(self, end: float) -> None:
        """Close what is still open at the last record: running threads, traps, interrupts, IPI
        requests being run (the other CPUs' last request is the one that stops their rings)."""
        for cpu, (t, since) in self.running.items():
            self.cpu_slice(cpu, 0, t.label, since, end, "sched", {"thread": t.label, "pid": t.pid, "then": "(end)"})
        for cpu, (irq, since) in self.irq.items():
            self.cpu_slice(cpu, 1, f"irq {irq}", since, end, "irq")
        for cpu, runs in self.ipi_runs.items():
            for run in reversed(runs):
                self.close_ipi(cpu, run, end)
        for t in self.all_threads:
            self.close_trap(t, end)
        self.stats["unanswered calls"] = len(self.calls)
        self.stats["unreplied sends"] = len(self.sends)
        if self.stats.get("ipis"):
            self.stats["IPIs never run"] = len(self.ipi_sends)

    def metadata(self) -> list[dict]:
        meta = [{"ph": "M", "name": "process_name", "pid": CPU_PID, "tid": 0, "args": {"name": "CPUs"}},
                {"ph": "M", "name": "process_sort_index", "pid": CPU_PID, "tid": 0, "args": {"sort_index": -1}}]
        for cpu in sorted(self.cpus):
            for track, what in enumerate(CPU_TRACKS):
                if what != "IPIs" or cpu in self.ipi_cpus:
                    meta.append({"ph": "M", "name": "thread_name", "pid": CPU_PID, "tid": self.cpu_track(cpu, track)[1],
                                 "args": {"name": f"CPU {cpu} {what}"}})
        procs: dict[int, str] = {}
        for t in self.all_threads:
            meta.append({"ph": "M", "name": "thread_name", "pid": t.pid, "tid": t.tid, "args": {"name": t.label}})
            procs.setdefault(t.pid, "kernel" if t.pid == 0 else f"pid {t.pid} {t.names[0] if t.names else ''}".rstrip())
        for pid, name in procs.items():
            meta.append({"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": name}})
        return meta


def to_chrome(ring: Ring, decoders=None, ticks_per_us: float = 1000.0, info: dict | None = None) -> dict:
    """The Chrome/Perfetto trace (a JSON-ready dict) of a ring. decoders: the generated syscall
    decoders (toolchain.decode.decoders()) to name calls and their arguments; ticks_per_us: TSC
    ticks per microsecond (1000 in deterministic mode, where one tick is one instruction, 1 ns
    of virtual time)."""
    c = _Converter(ring, decoders, ticks_per_us)
    c.run()
    c.pids()
    if ring.lost:
        first = ring.records[0] if ring.records else None
        c.events.append({"ph": "i", "s": "g", "name": f"{ring.lost} older events lost (the ring wrapped)",
                         "ts": c.ts(first) if first else 0, "pid": CPU_PID, "tid": CPU_PID,
                         "args": {f"CPU {cpu}": ring.lost_of(cpu) for cpu in sorted(ring.heads) if ring.lost_of(cpu)}})
    events = c.metadata() + sorted(c.events, key=lambda e: (e["ts"], -e.get("dur", 0)))
    other = {"events": len(ring.records), "events written": ring.head, "lost": ring.lost,
             "cpus": sorted(c.cpus),
             "ring capacity": ring.nrecs, "ticks per us": ticks_per_us, **{k: v for k, v in c.stats.items()}}
    other.update(info or {})
    return {"traceEvents": events, "displayTimeUnit": "ns", "otherData": other}


def validate(trace: dict) -> list[str]:
    """Problems with a Chrome trace: flows without both ends or ending before they start, or an
    end with no slice of its category starting at its place (what Chrome binds it to),
    timestamps going back within a track, slices overlapping without nesting on a track."""
    problems = []
    anchors = {(e["cat"], e["pid"], e["tid"], e["ts"]) for e in trace["traceEvents"]
               if e["ph"] == "X" and "cat" in e}
    flows: dict[int, dict[str, dict]] = defaultdict(dict)
    last: dict[tuple, float] = {}
    open_slices: dict[tuple, list[float]] = defaultdict(list)
    for ev in trace["traceEvents"]:
        if ev["ph"] == "M":
            continue
        track = (ev["pid"], ev["tid"])
        if ev["ts"] < last.get(track, float("-inf")):
            problems.append(f"track {track}: {ev['ph']} {ev['name']!r} at {ev['ts']} after {last[track]}")
        last[track] = ev["ts"]
        if ev["ph"] in ("s", "f"):
            if ev["ph"] in flows[ev["id"]]:
                problems.append(f"flow {ev['id']} has two {ev['ph']!r} events")
            if (ev.get("cat"), ev["pid"], ev["tid"], ev["ts"]) not in anchors:
                problems.append(f"flow {ev['id']} {ev['ph']!r} at {ev['ts']} on track {track} has no "
                                f"{ev.get('cat')!r} slice starting there to bind to")
            flows[ev["id"]][ev["ph"]] = ev
        elif ev["ph"] == "X":
            stack = open_slices[track]
            while stack and stack[-1] <= ev["ts"] and not (stack[-1] == ev["ts"] and ev["dur"] == 0):
                stack.pop()
            end = round(ev["ts"] + ev["dur"], 3)
            if stack and end > stack[-1]:
                problems.append(f"track {track}: slice {ev['name']!r} [{ev['ts']}, {end}] overlaps its "
                                f"parent ending at {stack[-1]}")
            stack.append(end)
    for fid, ends in flows.items():
        if set(ends) != {"s", "f"}:
            problems.append(f"flow {fid} has only {sorted(ends)}")
        elif ends["f"]["ts"] < ends["s"]["ts"]:
            problems.append(f"flow {fid} ends at {ends['f']['ts']} before it starts at {ends['s']['ts']}")
    return problems


# -- running the guest ------------------------------------------------------------------------------

def ring_symbol(kernel: Path) -> tuple[int, int]:
    """(address, size) of trace_ring in a kernel ELF; TraceError when it has none."""
    from elftools.elf.elffile import ELFFile
    with open(kernel, "rb") as f:
        symtab = ELFFile(f).get_section_by_name(".symtab")
        syms = symtab.get_symbol_by_name(RING_SYMBOL) if symtab else None
    if not syms:
        raise TraceError(f"{kernel} has no symbol {RING_SYMBOL}: it is not a trace kernel "
                         "(build it with build(variants=('trace',)); `invoke trace` does)")
    return syms[0]["st_value"], syms[0]["st_size"]


@dataclass
class TraceRun:
    ring: Ring
    verdict: str            # pass, fail, panic, or running (read from a live guest after `seconds`)
    console: str
    log: Path
    dump: Path


def run_trace(image: Image, outputs: Outputs, workdir: Path, seconds: float | None = None) -> TraceRun:
    """Boot image on the trace kernel with `trace` on its command line, wait for TRACE-READY (or
    a panic), copy the ring out with QMP pmemsave, end QEMU, and decode the ring.

    seconds: read the ring of the running guest after this many (wall) seconds instead, if it
    has not finished by then: for images that never end, such as the shell. The guest is
    stopped first; the kernel advances tr_head only after a record is complete, so a record
    cut short by the stop is not counted. Without seconds, a guest that neither finishes nor
    panics within the image's timeout (60 s if it has none) is an error."""
    kernel = outputs.variants.get("trace")
    if kernel is None:
        raise TraceError("no trace kernel in these build outputs: build with variants=('trace',)")
    addr, size = ring_symbol(kernel)
    fmt = TraceFormat.of(kernel)
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    dump = workdir / f"{image.name}.ring"
    dump.unlink(missing_ok=True)
    cfg = image.machine_config(outputs, kernel=kernel, cmdline=" ".join(image.words + ["trace"]),
                               timeout=image.machine.timeout or 60)
    with Machine(cfg, workdir, name=f"{image.name}-trace", keep_on_panic=True) as m:
        try:
            verdict = fmt.verdicts.get(int(m.wait_for(READY.pattern, seconds)["verdict"]), "fail")
        except MachineTimeout as e:
            if m.panicked:
                verdict = "panic"   # pvpanic paused the guest: its memory, the ring included, is intact
            elif seconds and m.proc.poll() is None:
                verdict = "running"
            else:
                raise TraceError(f"the trace kernel never reported TRACE-READY: {e}") from None
        m.qmp("stop")
        m.qmp("pmemsave", val=addr, size=size, filename=str(dump))
        console, log = m.console, m.log_path
    if not dump.is_file() or dump.stat().st_size != size:
        raise TraceError(f"QMP pmemsave did not write the {size}-byte ring to {dump}")
    return TraceRun(parse_ring(dump.read_bytes(), fmt), verdict, console, log, dump)


def write_trace(trace: dict, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(trace, separators=(",", ":")) + "\n")
    return path
