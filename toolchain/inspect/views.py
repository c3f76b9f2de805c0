"""Read the kernel's structures through drgn into plain data (the JSON shape of `invoke inspect`).

Where things are found (all through DWARF names, no offsets written here):
  CPUs        globaldata_cpus[0..ncpus) (every CPU brought up)
  threads     each CPU's gd_tdallq (every thread of that CPU, idle thread included)
  processes   allproc; a process's vCPUs are the threads whose td_proc is it
  ports       every thread's td_msgport, every process's p_port and p_exitport, timer_port and
              sys_generic.c's sleep_port: each with its queue (mp_msgq) and its waiters (mp_waitq)
  wait queues where blocked system calls are filed: each pipe's rwait/wwait (pipes are found
              through the processes' descriptors), console.c's readers, lwkt_timer.c's pending
  messages    a message that is a process's system call (a ksysmsg on p_outstanding or p_done)
              is decoded by the generated decoders (kernel/syscalls.toml) from km_args
  uthreads    per process, libcr's vCPUs and user threads: its page directory (p_pmap.pm_pdir)
              walked, its program's DWARF (build/userland/bin/p_comm) in a second drgn Program
  memory      vm_page.c's free_count, kmalloc_stats and its size classes, the LWKT, message and
              system-call counters
Flag names (enum td_flags, lwkt_msg_flags, ksysmsg_flags, lwkt_port_flags) and sizes
(TD_KSTACK_SIZE) come from the same DWARF: toolchain/facts.py.
"""
from __future__ import annotations

from pathlib import Path

from ..facts import Facts
from .pagetable import AddressSpace, UnmappedError


def flag_names(value: int, names: dict[int, str]) -> list[str]:
    out = [names[bit] for bit in sorted(names) if bit and bit & (bit - 1) == 0 and value & bit]
    rest = value & ~sum(bit for bit in names if bit and bit & (bit - 1) == 0)
    return out + ([hex(rest)] if rest else [])


def tailq(head, field: str):
    """The elements of a <sys/queue.h> TAILQ, first to last."""
    e = head.tqh_first
    seen = 0
    while e.value_():
        yield e
        seen += 1
        if seen > 100000:
            raise RuntimeError("a TAILQ with more than 100000 elements: corrupt list?")
        e = getattr(e, field).tqe_next


def cstr(ptr) -> str | None:
    return ptr.string_().decode("utf-8", "replace") if ptr.value_() else None


def enum_name(obj, prefix: str) -> str:
    value = obj.value_()
    for name, v in obj.type_.enumerators:
        if v == value:
            return name.removeprefix(prefix)
    return str(value)


def struct_dict(obj) -> dict:
    """A struct of integers as {field: value}."""
    return {m.name: getattr(obj, m.name).value_() for m in obj.type_.members}


class Snapshot:
    """Everything the inspector shows, read once from a paused guest or a dump."""

    def __init__(self, prog, decoders, kernel: Path, registers: list[dict] | None = None,
                 programs: Path | None = None):
        self.registers = registers          # per CPU: QEMU's (live), or a dump's notes
        self.programs = programs            # build/userland/bin: the user programs' ELFs (uthreads)
        from drgn import container_of
        self.prog, self.dec, self.container_of = prog, decoders, container_of
        f = Facts(kernel, prog)
        self.tdf = f.flags("enum td_flags", "TDF_")
        self.msgf = f.flags("enum lwkt_msg_flags", "MSGF_")
        self.kmf = f.flags("enum ksysmsg_flags", "KMF_")
        self.thread_port = f.constant("MSGPORTF_THREAD")
        self.kstack_size = f.constant("TD_KSTACK_SIZE")
        self.km_min_shift = f.constant("KM_MIN_SHIFT")
        self.names: dict[int, str] = {}         # address -> what it is, for wait channels
        self.sysmsgs: dict[int, object] = {}    # address of a ksysmsg's km_msg -> the ksysmsg
        self.timers: dict[int, object] = {}     # address of a ksysmsg's timer message -> the ksysmsg

    # -- helpers ----------------------------------------------------------------------------------
    def var(self, name: str, file: str | None = None):
        return self.prog.variable(name, file) if file else self.prog[name]

    def symbol(self, address: int) -> str | None:
        try:
            sym = self.prog.symbol(address)
        except LookupError:
            return None
        off = address - sym.address
        return sym.name + (f"+{off:#x}" if off else "")

    def what(self, address: int) -> str | None:
        if not address:
            return None
        return self.names.get(address) or self.symbol(address) or f"{address:#x}"

    # -- walking ----------------------------------------------------------------------------------
    def cpus_raw(self):
        """Every CPU the kernel brought up: globaldata_cpus[0..ncpus) (docs/smp.md)."""
        try:
            n, table = self.var("ncpus").value_(), self.var("globaldata_cpus")
        except LookupError:             # a kernel from before SMP
            return [self.var("cpu0_globaldata")]
        return [table[i][0] for i in range(n) if table[i].value_()]

    def threads_raw(self):
        return [td for gd in self.cpus_raw() for td in tailq(gd.gd_tdallq, "td_allq")]

    def procs_raw(self):
        return list(tailq(self.var("allproc"), "p_list"))

    def collect(self) -> dict:
        threads, procs = self.threads_raw(), self.procs_raw()
        for td in threads:
            name = cstr(td.td_name)
            self.names[td.value_()] = f"thread {name}"
            self.names[td.td_msgport.address_] = f"port of {name}"
        for p in procs:
            pid = p.p_pid.value_()
            self.names[p.value_()] = f"pid {pid}"
            self.names[p.p_port.address_] = f"reply port of pid {pid}"
            self.names[p.p_exitport.address_] = f"exit port of pid {pid}"
            if p.p_exitwaiter.value_():
                self.names[p.p_exitwaiter.value_()] = f"exit of pid {pid}"
            for lst in ("p_outstanding", "p_done"):
                for ksm in tailq(getattr(p, lst), "km_link"):
                    self.sysmsgs[ksm.km_msg.address_] = ksm
                    self.timers[ksm.km_timer.tm_msg.address_] = ksm
        for name in ("timer_port",):
            self.names[self.var(name).address_] = name
        self.names[self.var("sleep_port", "sys_generic.c").address_] = "sleep_port"
        console = self.var("console", "console.c")
        if console.value_():
            self.names[console.value_()] = "console"
        pipes = self.pipes_raw(procs)
        for i, pp in enumerate(pipes):
            self.names[pp.value_()] = f"pipe {i}"
        for addr, ksm in self.sysmsgs.items():
            call = self.dec.decode(self.prog.read(ksm.km_args.address_, ksm.km_args.type_.size))
            self.names[addr] = f"{self.format_call(call)} of pid {ksm.km_proc.p_pid.value_()}"
        return {
            "cpus": [self.cpu(gd) for gd in self.cpus_raw()],
            "threads": [self.thread(td) for td in threads],
            "ports": self.ports(threads, procs) + self.waitqueues(pipes),
            "procs": [self.proc(p, threads) for p in procs],
            "memory": self.memory(),
            "uthreads": self.uthreads(procs),
        }

    def uthreads(self, procs) -> list[dict]:
        """libcr's user threads of each process, from its own address space (uthreads.py)."""
        from .uthreads import process_uthreads
        if self.programs is None:
            return []
        out = []
        for p in procs:
            u = process_uthreads(p, lambda a, n: self.prog.read(a, n, True), self.programs)
            # a thread waiting for its own system call: the call's user message is its wait channel
            calls = {ksm.km_uaddr.value_(): self.names.get(ksm.km_msg.address_, "").removesuffix(
                f" of pid {u['pid']}") for ksm in tailq(p.p_outstanding, "km_link")}
            for td in u["threads"]:
                td["call"] = calls.get(td["wchan"]) if td["wchan"] else None
            out.append(u)
        return out

    def pipes_raw(self, procs) -> list:
        """Every pipe some process has open (a descriptor whose ops are pipe.c's)."""
        from drgn import cast
        ops = {self.var(n, "pipe.c").address_ for n in ("pipe_read_ops", "pipe_write_ops")}
        pipes, seen = [], set()
        for p in procs:
            for fp in p.p_fd:
                if fp.value_() and fp.f_ops.value_() in ops and fp.f_data.value_() not in seen:
                    seen.add(fp.f_data.value_())
                    pipes.append(cast(self.prog.type("struct pipe *"), fp.f_data))
        return pipes

    # -- views ------------------------------------------------------------------------------------
    def stack_size(self, base: int) -> int:
        """A static stack is as large as its symbol, or ends at NAME_top (entry.S's boot_stack,
        which has no size); lwkt_create's stacks are one page."""
        try:
            sym = self.prog.symbol(base)
            if sym.address == base:
                return sym.size or self.prog.symbol(sym.name + "_top").address - base
        except LookupError:
            pass
        return self.kstack_size

    def on_stack_of(self, esp: int) -> str | None:
        """Whose kernel stack holds esp: a thread's, or a named one (boot_stack)."""
        for td in self.threads_raw():
            base = td.td_kstack.value_()
            if base <= esp < base + self.stack_size(base):
                return cstr(td.td_name)
        return self.symbol(esp)

    def cpu(self, gd) -> dict:
        cur = gd.gd_curthread
        cpuid = gd.gd_cpuid.value_()
        regs = self.registers[cpuid] if self.registers and cpuid < len(self.registers) else None
        where = {"eip": None, "eip_symbol": None, "esp": None, "stack_of": None}
        if regs:
            where = {"eip": regs["eip"], "eip_symbol": self.symbol(regs["eip"]), "esp": regs["esp"],
                     "stack_of": self.on_stack_of(regs["esp"])}
        return where | {"cpu": gd.gd_cpuid.value_(), "addr": gd.address_, "running": cstr(cur.td_name),
                "running_addr": cur.value_(), "runq_mask": gd.gd_runq.rq_mask.value_(),
                "reqflags": gd.gd_reqflags.value_(), "hardticks": gd.gd_hardticks.value_(),
                "ticks": gd.gd_ticks.value_(), "intr_nesting": gd.gd_intr_nesting.value_(),
                "threads": sum(1 for _ in tailq(gd.gd_tdallq, "td_allq"))} | self.ipiq(cpuid)

    def ipiq(self, cpuid: int) -> dict:
        """The IPI requests queued for CPU cpuid and not run yet, from each other CPU (kern/lwkt_ipiq.c's
        ipiqs[from][to]: written minus run), and the IPIs it took (docs/smp.md). Empty for a kernel
        from before SMP."""
        try:
            rings, n = self.var("ipiqs", "kern/lwkt_ipiq.c"), self.var("ncpus").value_()
            gd = self.var("globaldata_cpus")[cpuid]
        except LookupError:
            return {}
        queued = {}
        for src in range(n):
            q = rings[src][cpuid]
            depth = (q.iq_windex.value_() - q.iq_rindex.value_()) & 0xffffffff
            if src != cpuid and depth:
                queued[src] = depth
        return {"ipiq_queued": queued, "ipis": gd.gd_ipis.value_()}

    def thread(self, td) -> dict:
        gd = td.td_gd
        wchan = td.td_wchan.value_()
        proc = td.td_proc
        return {"addr": td.value_(), "name": cstr(td.td_name), "state": enum_name(td.td_state, "TDS_"),
                "running": gd.gd_curthread.value_() == td.value_(), "pri": td.td_pri.value_(),
                "cpu": gd.gd_cpuid.value_(), "flags": flag_names(td.td_flags.value_(), self.tdf),
                "wmesg": cstr(td.td_wmesg), "wchan": wchan or None, "waits_on": self.what(wchan),
                "pid": proc.p_pid.value_() if proc.value_() else None,
                "switches": td.td_switches.value_(), "critcount": td.td_critcount.value_(),
                "func": self.symbol(td.td_func.value_()) if td.td_func.value_() else None}

    def sysmsg(self, ksm) -> dict:
        """A process's system call: its arguments decoded from the kernel's copy (what the call
        runs with), its header words (flags, tag: the sender's) from the user's message itself,
        read through the process's page tables."""
        raw = bytearray(self.prog.read(ksm.km_args.address_, ksm.km_args.type_.size))
        cmd = bytes(raw[24:28])     # ms_cmd: the call the kernel runs, whatever the user wrote since
        try:
            space = AddressSpace(lambda a, n: self.prog.read(a, n, True), ksm.km_proc.p_pmap.pm_pdir.value_())
            raw[:self.dec.HEADER_SIZE] = space.read(ksm.km_uaddr.value_(), self.dec.HEADER_SIZE)
            raw[24:28] = cmd
        except UnmappedError:
            pass                    # the process unmapped its own message: the kernel's copy only
        call = self.dec.decode(bytes(raw))
        msg = ksm.km_msg
        return {"addr": msg.address_, "kind": "syscall", "call": call["name"], "args": call["args"],
                "text": self.format_call(call), "pid": ksm.km_proc.p_pid.value_(),
                "thread": cstr(ksm.km_td.td_name) if ksm.km_td.value_() else None,
                "user_addr": ksm.km_uaddr.value_(), "tag": call["ms_tag"],
                "km_flags": flag_names(ksm.km_flags.value_(), self.kmf),
                "flags": flag_names(call["ms_flags"], self.msgf),            # the user's message
                "kernel_flags": flag_names(msg.ms_flags.value_(), self.msgf),  # the kernel's km_msg
                "waits_on": self.what(ksm.km_obj.value_()),
                "error": msg.ms_error.value_(), "result": msg.ms_result.value_()}

    def format_call(self, call: dict) -> str:
        args = ", ".join(f"{k}={v:#x}" if isinstance(v, int) and v > 0xffff else f"{k}={v}"
                         for k, v in call["args"].items())
        return f"{call['name']}({args})"

    def message(self, msg) -> dict:
        """Any lwkt_msg: a process's system call when it is one, else its header."""
        ksm = self.sysmsgs.get(msg.value_())
        if ksm is not None:
            return self.sysmsg(ksm)
        owner = self.timers.get(msg.value_())
        return {"addr": msg.value_(), "kind": "message", "cmd": msg.ms_cmd.value_(),
                "flags": flag_names(msg.ms_flags.value_(), self.msgf), "error": msg.ms_error.value_(),
                "result": msg.ms_result.value_(), "reply_port": self.what(msg.ms_reply_port.value_()),
                "for": self.names[owner.km_msg.address_] if owner is not None else None}

    def port(self, port, name: str) -> dict:
        putport = port.mp_putport.value_()
        owner = port.mp_td
        return {"addr": port.address_, "name": name,
                "kind": "thread" if port.mp_flags.value_() & self.thread_port else (self.symbol(putport) or hex(putport)),
                "owner": cstr(owner.td_name) if owner.value_() else None,
                "waiters": [cstr(w.w_td.td_name) for w in tailq(port.mp_waitq, "w_link")],
                "messages": [self.message(m) for m in tailq(port.mp_msgq, "ms_node")]}

    def ports(self, threads, procs) -> list[dict]:
        out = [self.port(self.var("timer_port"), "timer_port"),
               self.port(self.var("sleep_port", "sys_generic.c"), "sleep_port")]
        for td in threads:
            out.append(self.port(td.td_msgport, f"port of {cstr(td.td_name)}"))
        for p in procs:
            pid = p.p_pid.value_()
            out.append(self.port(p.p_port, f"reply port of pid {pid}"))
            out.append(self.port(p.p_exitport, f"exit port of pid {pid}"))
        return out

    def waitqueue(self, name: str, addr: int, ksms) -> dict:
        return {"addr": addr, "name": name, "kind": "wait queue", "owner": None, "waiters": [],
                "messages": [self.sysmsg(k) for k in ksms]}

    def waitqueues(self, pipes) -> list[dict]:
        readers = self.var("readers", "console.c")
        out = [self.waitqueue("console readers", readers.address_, tailq(readers, "km_wlink"))]
        for i, pp in enumerate(pipes):
            out.append(self.waitqueue(f"pipe {i} readers", pp.rwait.address_, tailq(pp.rwait, "km_wlink")))
            out.append(self.waitqueue(f"pipe {i} writers", pp.wwait.address_, tailq(pp.wwait, "km_wlink")))
        pending = self.var("pending", "lwkt_timer.c")
        timers = [self.message(tm.tm_msg.address_of_()) | {"deadline": tm.tm_deadline.value_()}
                  for tm in tailq(pending, "tm_link")]
        out.append({"addr": pending.address_, "name": "timer pending", "kind": "wait queue", "owner": None,
                    "waiters": [], "messages": timers})
        return out

    def proc(self, p, threads) -> dict:
        mine = [td for td in threads if td.td_proc.value_() == p.value_()]
        vcpus = [cstr(td.td_name) for td in mine]
        # Where each of its threads is now (its kernel work runs on the home CPU) and the CPU its
        # ring-3 code runs on (td_vcpu_cpu: rfork's placement; docs/smp.md).
        placement = [{"name": cstr(td.td_name), "cpu": td.td_gd.gd_cpuid.value_(),
                      "placed": td.td_vcpu_cpu.value_()} for td in mine]
        return {"addr": p.value_(), "pid": p.p_pid.value_(), "ppid": p.p_ppid.value_(),
                "comm": cstr(p.p_comm), "state": enum_name(p.p_state, "PS_"), "killed": bool(p.p_killed.value_()),
                "vcpus": vcpus, "placement": placement, "nvcpus": p.p_nvcpus.value_(),
                "user_pages": p.p_pmap.pm_pages.value_(),
                "fds": sum(1 for fp in p.p_fd if fp.value_()),
                "noutstanding": p.p_noutstanding.value_(), "ndone": p.p_ndone.value_(),
                "outstanding": [self.sysmsg(k) for k in tailq(p.p_outstanding, "km_link")],
                "done": [self.sysmsg(k) for k in tailq(p.p_done, "km_link")],
                "ring": bool(p.p_ring.value_())}

    def memory(self) -> dict:
        classes = self.var("classes", "kern_malloc.c")
        per_class = []
        for i in range(len(classes)):
            pages = list(tailq(classes[i], "link"))
            per_class.append({"size": 1 << (self.km_min_shift + i), "pages_with_room": len(pages),
                              "free_objects_listed": sum(self._count_free(pg) for pg in pages)})
        return {"pages_free": self.var("free_count", "vm_page.c").value_(),
                "kmalloc": struct_dict(self.var("kmalloc_stats")) | {"classes": per_class},
                "lwkt": struct_dict(self.var("lwkt_stats")),
                "msgport": struct_dict(self.var("lwkt_msgstats")),
                "sysmsg": struct_dict(self.var("sysmsg_stats")),
                "pipes_alive": self.var("pipes_alive").value_(),
                "procs": self.var("nprocs").value_()}

    @staticmethod
    def _count_free(page) -> int:
        n, f = 0, page.free
        while f.value_() and n < 4096:
            n, f = n + 1, f.next
        return n
