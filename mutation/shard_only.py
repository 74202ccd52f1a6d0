#!/usr/bin/env python3
"""Keeps Stryker's mutants out of the files a shard does not test, for the length of its run.

Stryker.NET 5.1.0 mutates every file of the project and compiles every mutant into the assembly; --mutate only
marks the mutants of the other files "Ignored" afterwards. Those switches stay in the code every test runs (a
model assembly with all of them ran the buddy and paging tests 1.5 times slower, with no mutant active) and in
the coverage capture. Stryker places no mutant under a `// Stryker disable all` comment, so a shard's run puts
that comment first in every file of its side outside its component and takes it out again after the run.

    shard_only.py apply SIDE COMPONENTS [ROOT]  mark every SIDE/**/*.cs outside SIDE/<each of COMPONENTS>/ (one
                                                name, or several joined by commas); prints the count
    shard_only.py restore SIDE [ROOT]           unmark every file of SIDE that has the mark; prints the count

Only the mark's own line is ever added or removed, so edits made to a file meanwhile are kept. apply refuses a
side that is already marked (an interrupted run: restore it first); bad usage exits 2.
"""
from __future__ import annotations

import sys
from pathlib import Path

MARK = b"// Stryker disable all : outside the shard under test (mutation/shard_only.py)\n"
BOM = b"\xef\xbb\xbf"
SIDES = ("impl", "model")


def sources(root: Path, side: str) -> list[Path]:
    """The side's C# files, without the build's output."""
    base = root / side
    return sorted(p for p in base.rglob("*.cs") if not {"bin", "obj"} & set(p.relative_to(base).parts))


def split_bom(data: bytes) -> tuple[bytes, bytes]:
    return (BOM, data[len(BOM):]) if data.startswith(BOM) else (b"", data)


def is_marked(path: Path) -> bool:
    return split_bom(path.read_bytes())[1].startswith(MARK)


def apply(root: Path, side: str, components: str) -> int:
    """Marks the side's files outside the components (comma-separated names)."""
    files = sources(root, side)
    if any(is_marked(p) for p in files):
        raise ValueError(f"{side} is already marked (an interrupted run?): run 'shard_only.py restore {side}'")
    kept = set(components.split(","))
    outside = [p for p in files if p.relative_to(root / side).parts[0] not in kept]
    for path in outside:
        bom, rest = split_bom(path.read_bytes())
        path.write_bytes(bom + MARK + rest)
    return len(outside)


def restore(root: Path, side: str) -> int:
    count = 0
    for path in sources(root, side):
        bom, rest = split_bom(path.read_bytes())
        if rest.startswith(MARK):
            path.write_bytes(bom + rest[len(MARK):])
            count += 1
    return count


def main(argv: list[str]) -> int:
    usage = "usage: shard_only.py apply SIDE COMPONENTS [ROOT] | restore SIDE [ROOT]"
    if len(argv) >= 2 and argv[0] == "apply" and argv[1] in SIDES and len(argv) in (3, 4):
        root = Path(argv[3] if len(argv) == 4 else ".")
        try:
            print(f"{apply(root, argv[1], argv[2])} files of {argv[1]} outside {argv[2]} carry no mutants")
        except ValueError as refused:
            print(f"shard_only.py: {refused}", file=sys.stderr)
            return 2
        return 0
    if len(argv) >= 2 and argv[0] == "restore" and argv[1] in SIDES and len(argv) in (2, 3):
        print(f"{restore(Path(argv[2] if len(argv) == 3 else '.'), argv[1])} files of {argv[1]} unmarked")
        return 0
    print(usage, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
