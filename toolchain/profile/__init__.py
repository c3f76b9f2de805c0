"""`invoke profile BENCH`: a deterministic per-function instruction profile of one benchmark's
timed window (docs/profile.md).

plugin.c        the QEMU TCG plugin: counts per calling context and instruction, in the window
plugin_stacks.c its calling contexts and shadow stacks
plugin_tables.c its hash table and address lists
plugin.h        what they share; qemu_plugin_api.h: QEMU 7.2's plugin interface, declared here
plugin.py       builds it, writes the addresses it needs (trap vectors, the window's rdtscs)
data.py         reads what it wrote
attribute.py    blocks to the kernel, a program or libcr; functions and source lines
model.py        the profile: per function, per line, per stack; saved as JSON
report.py       the tables, the comparison, the speedscope flame graph
run.py          one run in QEMU; a profile of another git revision
cpus.c          another plugin: each CPU's instructions in each per-CPU window (invoke bench's
                per-CPU figures, docs/smp.md); windows.py reads what it wrote
"""
from .plugin import ProfileError

__all__ = ["ProfileError"]
