"""Read what the profile plugin (plugin.c) writes: the window's summary, the blocks it counted
(address, host address, bytes, instruction sizes), the calling contexts and the counts.

    damselfly-profile 1
    window state=done total=N hlts=H idles=I stack_resets=S extra_windows=E nested_starts=K
    block ID VADDR HOST BYTES SIZE,SIZE,...          (hexadecimal VADDR, HOST and BYTES)
    node ID PARENT KIND ENTRY ENTRY_BLOCK            (PARENT, ENTRY_BLOCK: -1 for none)
    cell NODE BLOCK COUNT,COUNT,...                  (one count per instruction of BLOCK)
    end
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .plugin import ProfileError

FORMAT_VERSION = 1
WINDOW_KEYS = ("total", "hlts", "idles", "stack_resets", "extra_windows", "nested_starts")


@dataclass(frozen=True)
class Block:
    """One translated block: where it ran and what it held."""
    id: int
    vaddr: int
    host: int                   # host address of its first byte: one per physical copy
    code: bytes
    sizes: tuple[int, ...]      # instruction lengths

    def insn_addrs(self) -> list[int]:
        out, at = [], self.vaddr
        for s in self.sizes:
            out.append(at)
            at += s
        return out


@dataclass(frozen=True)
class Node:
    """A calling context: entered by a call (C), a trap or interrupt (T), or a stack's root (R)."""
    id: int
    parent: int | None
    kind: str
    entry: int                  # address of its first instruction; 0 when unknown
    entry_block: int | None


@dataclass(frozen=True)
class Cell:
    node: int
    block: int
    counts: tuple[int, ...]


@dataclass
class RawProfile:
    """Everything one plugin run wrote."""
    state: str
    window: dict[str, int]
    blocks: dict[int, Block] = field(default_factory=dict)
    nodes: dict[int, Node] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.window["total"]


def _fail(path: Path, n: int, what: str) -> ProfileError:
    return ProfileError(f"{path}:{n}: {what} (written by toolchain/profile/plugin.c; rebuild it "
                        "with `invoke profile`, which does)")


def parse(text: str, path: Path = Path("<profile>")) -> RawProfile:
    """The RawProfile in text; ProfileError naming the line when it is malformed or cut short."""
    lines = text.splitlines()
    if not lines or lines[0] != f"damselfly-profile {FORMAT_VERSION}":
        raise _fail(path, 1, f"expected the header 'damselfly-profile {FORMAT_VERSION}'")
    if lines[-1] != "end":
        raise _fail(path, len(lines), "the file ends before its 'end' line (QEMU stopped while writing?)")
    raw = None
    for n, line in enumerate(lines[1:-1], start=2):
        word, *f = line.split(" ")
        try:
            if word == "window":
                kv = dict(x.split("=", 1) for x in f)
                raw = RawProfile(kv.pop("state"), {k: int(kv[k]) for k in WINDOW_KEYS})
            elif raw is None:
                raise _fail(path, n, "expected the 'window' line first")
            elif word == "block":
                code = bytes.fromhex(f[3])
                sizes = tuple(int(s) for s in f[4].split(","))
                if sum(sizes) != len(code):
                    raise _fail(path, n, "the instruction sizes do not add up to the block's bytes")
                b = Block(int(f[0]), int(f[1], 16), int(f[2], 16), code, sizes)
                raw.blocks[b.id] = b
            elif word == "node":
                parent, eb = int(f[1]), int(f[4])
                node = Node(int(f[0]), None if parent < 0 else parent, f[2], int(f[3], 16),
                            None if eb < 0 else eb)
                if node.parent is not None and node.parent not in raw.nodes:
                    raise _fail(path, n, f"context {node.id} names parent {node.parent} before it is defined")
                raw.nodes[node.id] = node
            elif word == "cell":
                cell = Cell(int(f[0]), int(f[1]), tuple(int(c) for c in f[2].split(",")))
                block = raw.blocks.get(cell.block)
                if cell.node not in raw.nodes or block is None:
                    raise _fail(path, n, "counts for an undefined context or block")
                if len(cell.counts) != len(block.sizes):
                    raise _fail(path, n, f"{len(cell.counts)} counts for a block of {len(block.sizes)} instructions")
                raw.cells.append(cell)
            else:
                raise _fail(path, n, f"unknown record {word!r}")
        except (ValueError, KeyError, IndexError) as e:
            raise _fail(path, n, f"malformed {word!r} record ({e})") from None
    if raw is None:
        raise _fail(path, 2, "no 'window' line")
    counted = sum(sum(c.counts) for c in raw.cells)
    if counted != raw.total:
        raise _fail(path, len(lines), f"the counts add up to {counted}, the window says {raw.total}")
    return raw


def load(path: Path) -> RawProfile:
    """parse() of the file at path; ProfileError when it is missing."""
    path = Path(path)
    if not path.is_file():
        raise ProfileError(f"the profile plugin wrote no {path}: did QEMU load it? (see its stderr)")
    return parse(path.read_text(), path)
