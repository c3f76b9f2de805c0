"""A snapshot as rich tables (what `invoke inspect` prints without --json)."""
from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table

VIEWS = ("cpus", "threads", "ports", "procs", "uthreads", "memory")


def _hex(v) -> str:
    return "" if v is None else f"{v:#x}"


def _msg(m: dict) -> str:
    if m["kind"] == "syscall":
        who = f" pid {m['pid']}" + (f" ({m['thread']})" if m.get("thread") else "")
        return f"{m['text']}{who} [{'|'.join(m['flags'])}]"
    extra = f" deadline {m['deadline']}" if "deadline" in m else ""
    who = f"timer for {m['for']}, " if m.get("for") else ""
    return f"{who}cmd {m['cmd']} reply→{m['reply_port']} [{'|'.join(m['flags'])}]{extra}"


def _table(title: str, columns: tuple[str, ...]) -> Table:
    t = Table(title=title)
    for col in columns:
        t.add_column(col)
    return t


def cpus(snap: dict) -> Table:
    t = _table("CPUs", ("cpu", "running", "eip", "esp (stack of)", "threads", "runq mask", "reqflags", "ticks",
                        "hardticks", "intr", "IPIs", "IPI queued (from cpu: n)"))
    for c in snap["cpus"]:
        eip = f"{c['eip']:#x} {c['eip_symbol'] or ''}" if c["eip"] is not None else "—"
        esp = f"{c['esp']:#x} ({c['stack_of']})" if c["esp"] is not None else "—"
        t.add_row(str(c["cpu"]), f"{c['running']} @{_hex(c['running_addr'])}", eip, esp, str(c["threads"]),
                  f"{c['runq_mask']:#010x}", _hex(c["reqflags"]), str(c["ticks"]), str(c["hardticks"]),
                  str(c["intr_nesting"]), str(c.get("ipis", "—")),
                  ", ".join(f"{src}: {n}" for src, n in c.get("ipiq_queued", {}).items()) or "—")
    return t


def threads(snap: dict) -> Table:
    t = _table("LWKT threads", ("address", "name", "state", "pri", "cpu", "pid", "flags", "waits (wmesg: on)",
                                "switches"))
    for td in snap["threads"]:
        state = td["state"] + (" (running)" if td["running"] else "")
        wait = f"{td['wmesg']}: {td['waits_on']}" if td["wmesg"] else (td["waits_on"] or "")
        t.add_row(_hex(td["addr"]), td["name"], state, str(td["pri"]), str(td["cpu"]),
                  "" if td["pid"] is None else str(td["pid"]), "|".join(td["flags"]), wait, str(td["switches"]))
    return t


def ports(snap: dict, all_ports: bool = False) -> Table:
    title = "Ports and wait queues" + ("" if all_ports else " (with messages or waiters; --all for every one)")
    t = _table(title, ("address", "port", "kind", "owner", "waiters", "queued messages"))
    for p in snap["ports"]:
        if not (all_ports or p["messages"] or p["waiters"]):
            continue
        t.add_row(_hex(p["addr"]), p["name"], p["kind"], p["owner"] or "", ", ".join(p["waiters"]),
                  "\n".join(_msg(m) for m in p["messages"]) or "—")
    return t


def _placed(v: dict) -> str:
    """A process's thread and its CPUs: where it is now, and where its ring-3 code runs when that
    differs (its kernel work runs on the home CPU: docs/smp.md)."""
    if "cpu" not in v:
        return v["name"]
    away = "" if v["placed"] == v["cpu"] else f", ring 3 on CPU {v['placed']}"
    return f"{v['name']} (CPU {v['cpu']}{away})"


def procs(snap: dict) -> Table:
    t = _table("Processes", ("pid", "ppid", "name", "state", "vCPUs", "fds", "user pages",
                             "outstanding calls (waits on)", "done"))
    for p in snap["procs"]:
        out = "\n".join(f"{m['text']} ({m['waits_on'] or '—'})" for m in p["outstanding"]) or "—"
        t.add_row(str(p["pid"]), str(p["ppid"]), p["comm"], p["state"] + (" killed" if p["killed"] else ""),
                  f"{p['nvcpus']}: " + ", ".join(_placed(v) for v in p.get("placement") or
                                                 [{"name": n} for n in p["vcpus"]]),
                  str(p["fds"]), str(p["user_pages"]), out,
                  str(p["ndone"]))
    return t


def memory(snap: dict) -> Table:
    m = snap["memory"]
    t = _table("Memory and counters", ("what", "value"))
    t.add_row("RAM", f"{snap['source']['ram_bytes'] // 1024 // 1024} MiB")
    t.add_row("free pages", f"{m['pages_free']} ({m['pages_free'] * 4} KiB)")
    for group in ("kmalloc", "lwkt", "msgport", "sysmsg"):
        vals = {k: v for k, v in m[group].items() if k != "classes"}
        t.add_row(group, ", ".join(f"{k} {v}" for k, v in vals.items()))
    t.add_row("kmalloc classes", ", ".join(f"{c['size']}: {c['pages_with_room']} page(s), {c['free_objects_listed']} free"
                                           for c in m["kmalloc"]["classes"] if c["pages_with_room"]) or "—")
    t.add_row("processes / pipes", f"{m['procs']} / {m['pipes_alive']}")
    return t


def _uwait(td: dict) -> str:
    if not td["wmesg"] and not td["wchan"]:
        return ""
    on = td["waits_on"] or _hex(td["wchan"])
    if td.get("call"):
        on = f"{td['call']} ({on})"
    return f"{td['wmesg'] or '?'}" + (f": {on}" if on else "")


def uthreads(snap: dict) -> Table:
    """libcr's user threads of each process, then its vCPUs, in one table each."""
    t = _table("User threads (libcr)", ("process", "address", "thread", "state", "pri", "vCPU", "waits on",
                                        "bound", "migrations"))
    v = _table("User vCPUs (libcr)", ("process", "vCPU", "kernel id", "state", "running", "runq mask",
                                      "runnable", "switches", "steals", "migrated in", "kernel waits",
                                      "delivered"))
    for p in snap["uthreads"]:
        who = f"{p['pid']} {p['comm']}"
        if p["note"]:
            t.add_row(who, "", f"({p['note']})", "", "", "", "", "", "")
            continue
        for td in p["threads"]:
            state = td["state"] + (" (running)" if td["running"] else "")
            t.add_row(who, _hex(td["addr"]), td["name"] + (" (idle)" if td["idle"] else ""), state,
                      str(td["pri"]), "" if td["vcpu"] is None else str(td["vcpu"]), _uwait(td),
                      "yes" if td["bound"] else "", str(td["migrations"]))
        for vc in p["vcpus"]:
            state = "stopping" if vc["stopping"] else ("idle" if vc["idle"] else "up") if vc["up"] else "down"
            st = vc["stats"]
            v.add_row(who, str(vc["vcpu"]), str(vc["id"]), state, vc["cur"] or "", f"{vc['runq_mask']:#010x}",
                      str(vc["nrunnable"]), str(st["switches"]), str(st["steals"]), str(st["migrations_in"]),
                      str(st["kernel_waits"]), str(st["delivered"]))
    return Group(t, v) if v.row_count else t


TABLES = {"cpus": cpus, "threads": threads, "procs": procs, "uthreads": uthreads, "memory": memory}


def render(snap: dict, views: tuple[str, ...] = VIEWS, console: Console | None = None, all_ports: bool = False) -> None:
    console = console or Console(highlight=False)
    src = snap["source"]
    if src["kind"] == "live":
        where = f"live, QEMU pid {src.get('qemu_pid')}; guest was {src['status']}"
    else:
        where = f"dump {src['file']}"
    console.print(f"[bold]Damselfly guest[/] ({where}; read with {src['reader']})")
    for view in views:
        table = ports(snap, all_ports) if view == "ports" else TABLES[view](snap)
        console.print(table)
