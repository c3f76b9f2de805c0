"""libcr's user threads of each process, read from the process's own address space.

For a process (struct proc), its program is build/userland/bin/NAME (NAME = p_comm; the initrd
holds the same file as bin/NAME). A second drgn Program reads it: i386, one virtual memory
segment over user space (USER_BASE .. USER_TOP) whose reads walk the process's page tables
(pagetable.py, from p_pmap.pm_pdir) over guest physical memory, and the program's -g DWARF
loaded as an extra module, as program.py loads the kernel's. libcr's scheduler state is then
read by name (lwkt/thread.c's `cr_vcpus` and its file-static `nvcpus_made`, `allthreads`,
`main_thread`).

A process whose program is missing, differs from what the process holds in memory, or has no
libcr scheduler gets a note instead of threads.
"""
from __future__ import annotations

from pathlib import Path

from ..gen import load_layout
from .pagetable import PAGE_SIZE, AddressSpace, UnmappedError
from .program import load_range
from .views import cstr, enum_name, tailq

THREAD_C = "lwkt/thread.c"      # userland/libcr/lwkt/thread.c


def first_load(elf: Path) -> tuple[int, bytes]:
    """(virtual address, file bytes) of the start of an ELF's first PT_LOAD, at most one page,
    without the ELF header when the segment maps it: the initrd's copy has no debug sections, so
    its header's section fields differ from the build's file while every loaded byte after it is
    the same."""
    from elftools.elf.elffile import ELFFile
    with open(elf, "rb") as f:
        ef = ELFFile(f)
        seg = next(s for s in ef.iter_segments() if s["p_type"] == "PT_LOAD" and s["p_filesz"])
        skip = ef["e_ehsize"] if seg["p_offset"] == 0 else 0
        f.seek(seg["p_offset"] + skip)
        return seg["p_vaddr"] + skip, f.read(min(seg["p_filesz"], 4096) - skip)


def user_program(space: AddressSpace, elf: Path):
    """drgn.Program over one process's user memory, with its program's types and symbols."""
    import drgn

    prog = drgn.Program(drgn.Platform(drgn.Architecture.I386, drgn.PlatformFlags.IS_LITTLE_ENDIAN))

    def read(address: int, count: int, offset: int, physical: bool) -> bytes:
        try:
            return space.read(address, count)
        except UnmappedError as e:
            raise drgn.FaultError("user address not mapped", e.address) from None

    layout = load_layout()
    prog.add_memory_segment(layout["user_base"], layout["user_top"] - layout["user_base"], read, False)
    module = prog.extra_module(elf.name, create=True)
    module.address_range = load_range(elf)
    module.try_file(str(elf), force=True)
    if module.debug_file_path is None:
        raise LookupError(f"no DWARF in {elf}")
    return prog


def name_wchans(threads: list[dict], raw: dict[int, object], stacks: dict[str, int]) -> None:
    """Name each thread's wait channel: a thread's port, or something on a thread's stack (the
    main thread's stack is the process's, user_stack_pages below user_top: vm/layout.toml).
    stacks: libcr's CR_THREAD_STACK and CR_IDLE_STACK."""
    layout = load_layout()
    top, stack = layout["user_top"], layout["user_stack_pages"] * PAGE_SIZE
    places = []
    for t in threads:
        td = raw[t["addr"]]
        places.append((td.td_msgport.address_, td.td_msgport.address_ + td.td_msgport.type_.size,
                       f"port of {t['name']}"))
        base = td.td_stack.value_()
        if base:
            size = stacks["CR_IDLE_STACK"] if t["idle"] else stacks["CR_THREAD_STACK"]
            places.append((base, base + size, f"stack of {t['name']}"))
        else:
            places.append((top - stack, top, f"stack of {t['name']}"))
    for t in threads:
        w = t["wchan"]
        if w and not t["waits_on"]:
            t["waits_on"] = next((what for lo, hi, what in places if lo <= w < hi), None)


def vcpu_stats(vc) -> dict:
    """A vCPU's counters as cr_vcpu_stats() gives them: the switches of the yield and hand-off fast
    paths not yet folded into vc_stats (vc_fast_armed - vc_fast_left, vc_hand_armed -
    vc_hand_left, cr/sched.h) included."""
    stats = {m.name: getattr(vc.vc_stats, m.name).value_() for m in vc.vc_stats.type_.members}
    hand = (vc.vc_hand_armed.value_() - vc.vc_hand_left.value_()) & 0xffffffff
    stats["switches"] += ((vc.vc_fast_armed.value_() - vc.vc_fast_left.value_()) & 0xffffffff) + hand
    if "handoffs" in stats:
        stats["handoffs"] += hand
    return stats


def read_libcr(prog) -> tuple[list[dict], list[dict]]:
    """(vCPUs, threads) of libcr's scheduler in one process; the stack sizes that name wait
    channels come from the program's own DWARF (enum cr_stack_sizes)."""
    vcpus = prog.variable("cr_vcpus", THREAD_C)
    made = prog.variable("nvcpus_made", THREAD_C).value_()
    base, size = vcpus.address_, vcpus[0].type_.size

    def vcpu_of(ptr) -> int | None:
        v = ptr.value_()
        return (v - base) // size if v and base <= v < base + size * len(vcpus) else None

    running = {vcpus[i].vc_cur.value_(): i for i in range(made) if vcpus[i].vc_up.value_()}

    def thread(td) -> dict:
        addr = td.value_()
        wchan = td.td_wchan.value_()
        try:
            sym = prog.symbol(wchan).name if wchan else None
        except LookupError:
            sym = None
        return {"addr": addr, "name": td.td_name.string_().decode("utf-8", "replace"),
                "state": enum_name(td.td_state, "CR_"), "pri": td.td_pri.value_(), "vcpu": vcpu_of(td.td_vcpu),
                "running": addr in running,
                "idle": bool(td.td_idle.value_()), "wmesg": cstr(td.td_wmesg), "wchan": wchan or None,
                "waits_on": sym, "bound": bool(td.td_bound.value_()),
                "migrations": td.td_migrations.value_()}

    raw = {td.value_(): td for td in tailq(prog.variable("allthreads", THREAD_C), "td_allq")}
    threads = [thread(td) for td in raw.values()]
    listed = {t["addr"] for t in threads}
    out_vcpus = []
    for i in range(made):
        vc = vcpus[i]
        idle = vc.vc_idle_td
        if idle.value_() and idle.value_() not in listed:     # idle threads are on no list but this
            threads.append(thread(idle))
            listed.add(idle.value_())
            raw[idle.value_()] = idle
        cur = vc.vc_cur
        out_vcpus.append({"vcpu": i, "id": vc.vc_id.value_(), "up": bool(vc.vc_up.value_()),
                          "stopping": bool(vc.vc_stopping.value_()), "idle": bool(vc.vc_idle.value_()),
                          "cur": cur.td_name.string_().decode("utf-8", "replace") if cur.value_() else None,
                          "cur_addr": cur.value_() or None, "idle_thread": idle.value_() or None,
                          "runq_mask": vc.vc_runq.rq_mask.value_(), "nrunnable": vc.vc_runq.rq_count.value_(),
                          "stats": vcpu_stats(vc)})
    stacks = {name: prog.constant(name).value_() for name in ("CR_THREAD_STACK", "CR_IDLE_STACK")}
    name_wchans(threads, raw, stacks)
    return out_vcpus, threads


def process_uthreads(p, read_phys, programs: Path) -> dict:
    """The user-thread view of one kernel struct proc (a drgn Object)."""
    import drgn
    comm = p.p_comm.string_().decode("utf-8", "replace")
    out = {"pid": p.p_pid.value_(), "comm": comm, "program": None, "note": None, "vcpus": [], "threads": []}
    pdir = p.p_pmap.pm_pdir.value_()
    elf = programs / comm
    if not pdir:
        return out | {"note": "no address space (exiting)"}
    if not elf.is_file():
        return out | {"note": f"no program {elf}: built elsewhere?"}
    out["program"] = str(elf)
    space = AddressSpace(read_phys, pdir)
    try:
        va, want = first_load(elf)
        if space.read(va, len(want)) != want:
            return out | {"note": f"{elf} is not the program in this process's memory (rebuilt, or another one)"}
        prog = user_program(space, elf)
        vcpus, threads = read_libcr(prog)
    except UnmappedError as e:
        return out | {"note": f"{e} in this process's page tables"}
    except LookupError as e:
        return out | {"note": f"no libcr scheduler in {elf.name} ({e})"}
    except drgn.FaultError as e:
        return out | {"note": f"libcr's state is unreadable: {e}"}
    except (AttributeError, RuntimeError) as e:        # a field renamed in libcr, or a torn list
        return out | {"note": f"libcr's structures are not as uthreads.py reads them: {e}"}
    return out | {"vcpus": vcpus, "threads": threads}
