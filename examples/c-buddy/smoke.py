#!/usr/bin/env python3
"""A smoke test of a buddy allocator process speaking MMSpec's process protocol, version 1 (docs/protocol.md),
without MMSpec: a fixed sequence of requests, each answer compared with the one expected.

    python3 smoke.py COMMAND [ARG ...]      e.g. python3 smoke.py bin/buddy

The expected pfns are those of an allocator that takes the head of each free list, as Linux's __rmqueue_smallest
does, with expand and __free_one_page putting blocks on the head (list_add). The order of the blocks within a
snapshot's lists does not matter. Exit code 0 when every answer is as expected, 1 at the first that is not.
The real check is `mmspec check buddy --exec COMMAND`.
"""
import json
import signal
import subprocess
import sys

SMALL = {"frame_count": 64, "dma32_start": 16, "normal_start": 32, "reserved": [{"start": 0, "end": 1}]}
DMA_ONLY = {"frame_count": 8, "dma32_start": 4096, "normal_start": 1048576, "reserved": []}
NORMAL_ONLY = {"frame_count": 8, "dma32_start": 0, "normal_start": 0, "reserved": []}
X86_4GIB = {"frame_count": 1 << 20, "dma32_start": 4096, "normal_start": 1 << 20, "reserved": [{"start": 0, "end": 1}]}

# SMALL's zones: DMA [0, 16) less pfn 0, DMA32 [16, 32), Normal [32, 64).
INITIAL = "1/0 2/1 4/2 8/3 16/4 32/5"


# The capabilities docs/protocol.md defines.
KNOWN_CAPABILITIES = {"snapshot_range", "pipeline", "lowest_pfn"}

def blocks(text):
    """ "pfn/order ..." as protocol blocks, sorted by pfn."""
    return sorted(({"pfn": int(p), "order": int(o)} for p, o in (b.split("/") for b in text.split())),
                  key=lambda b: b["pfn"])


def snapshot(layout, free, allocated=""):
    return {"op": "snapshot"}, {"ok": {"layout": layout, "free": blocks(free), "allocated": blocks(allocated)}}


def reset(layout):
    return {"op": "reset", "layout": layout}, {"ok": {}}


def alloc(order, zone, answer):
    return {"op": "alloc_pages", "order": order, "highest_zone": zone}, answer


def free(pfn, order, answer=None):
    return {"op": "free_pages", "pfn": pfn, "order": order}, answer or {"ok": {}}


def error(kind, **fields):
    return {"error": kind, **fields}


def large_initial():
    """X86_4GIB's initial free blocks: DMA [1, 4096) as 1/0 2/1 ... 512/9 and three of order 10, DMA32 in order 10."""
    small = " ".join(f"{1 << o}/{o}" for o in range(10))
    return small + "".join(f" {pfn}/10" for pfn in range(1024, 1 << 20, 1024))


AFTER_ALLOCS = ("1/0 2/1 4/2 18/1 20/2 24/3 34/1 36/2 40/3", "8/3 16/1 32/0 33/0 48/4")

STEPS = [
    ({"op": "hello", "protocol": 1, "component": "buddy"},
     {"ok": {"protocol": 1, "component": "buddy", "capabilities": []}}),
    reset(SMALL),
    snapshot(SMALL, INITIAL),
    # __rmqueue_smallest: the smallest order with a free block in the highest allowed zone; expand keeps the lower half.
    alloc(0, "normal", {"ok": 32}),
    alloc(0, "normal", {"ok": 33}),
    alloc(1, "dma32", {"ok": 16}),
    alloc(3, "dma", {"ok": 8}),
    alloc(4, "normal", {"ok": 48}),
    snapshot(SMALL, *AFTER_ALLOCS),
    alloc(4, "dma", error("OutOfMemory", order=4, highest_zone="dma")),
    alloc(5, "normal", error("OutOfMemory", order=5, highest_zone="normal")),
    alloc(11, "normal", error("InvalidOrder", order=11)),
    alloc(-1, "dma", error("InvalidOrder", order=-1)),
    # Every error of the free_pages table, the first that applies when several do.
    free(8, 64, error("InvalidOrder", order=64)),
    free(8, -1, error("InvalidOrder", order=-1)),
    free(64, 0, error("PfnOutOfRange", pfn=64, order=0, frame_count=64)),
    free(60, 3, error("PfnOutOfRange", pfn=60, order=3, frame_count=64)),
    free(34, 2, error("MisalignedPfn", pfn=34, order=2)),
    free(0, 5, error("BlockSpansZones", pfn=0, order=5)),
    free(16, 0, error("OrderMismatch", pfn=16, given=0, allocated=1)),
    free(32, 1, error("OrderMismatch", pfn=32, given=1, allocated=0)),
    free(34, 1, error("DoubleFree", pfn=34, order=1)),
    free(35, 0, error("DoubleFree", pfn=35, order=0)),
    free(0, 0, error("NotAllocated", pfn=0, order=0)),
    free(17, 0, error("NotAllocated", pfn=17, order=0)),
    free(56, 3, error("NotAllocated", pfn=56, order=3)),
    ({"op": "frobnicate"}, error("UnknownOp", op="frobnicate")),
    snapshot(SMALL, *AFTER_ALLOCS),  # a refused call changes nothing
    # __free_one_page: 33 waits for 32, then 32 merges rightwards up to 32/4; 48/4 then merges leftwards into 32/5.
    free(33, 0),
    free(32, 0),
    snapshot(SMALL, "1/0 2/1 4/2 18/1 20/2 24/3 32/4", "8/3 16/1 48/4"),
    free(48, 4),
    free(16, 1),
    free(8, 3),
    free(8, 3, error("DoubleFree", pfn=8, order=3)),
    snapshot(SMALL, INITIAL),  # freeing everything gives back the initial free blocks
    # Absent zones: a request for a higher zone falls back to the lower ones; one for a lower zone finds none.
    reset(DMA_ONLY),
    snapshot(DMA_ONLY, "0/3"),
    alloc(0, "normal", {"ok": 0}),
    alloc(0, "dma32", {"ok": 1}),
    snapshot(DMA_ONLY, "2/1 4/2", "0/0 1/0"),
    reset(NORMAL_ONLY),
    alloc(0, "dma", error("OutOfMemory", order=0, highest_zone="dma")),
    alloc(3, "normal", {"ok": 0}),
    free(0, 3),
    snapshot(NORMAL_ONLY, "0/3"),
    # 2^20 frames with x86's DMA boundary: blocks up to order 10 that stay inside each zone.
    reset(X86_4GIB),
    snapshot(X86_4GIB, large_initial()),
]


def normalized(answer):
    """The answer with a snapshot's block lists sorted by pfn (their order does not matter)."""
    value = answer.get("ok") if isinstance(answer, dict) else None
    if isinstance(value, dict) and "free" in value:
        for key in ("free", "allocated"):
            if isinstance(value.get(key), list):
                value[key] = sorted(value[key], key=lambda b: (b.get("pfn", 0), b.get("order", 0)))
    return answer


def ask(process, step, request, expected):
    """Sends one request and reads its answer, normalized."""
    process.stdin.write(json.dumps(request, separators=(",", ":")) + "\n")
    process.stdin.flush()
    line = process.stdout.readline()
    if not line:
        fail(step, request, expected, f"no answer: the process exited with {process.wait()}")
    try:
        return normalized(json.loads(line))
    except json.JSONDecodeError:
        fail(step, request, expected, line.rstrip())


def check_range(process, step):
    """snapshot_range: the blocks that start in [start, end) are the whole snapshot's that do, the layout whole."""
    whole = ask(process, step, {"op": "snapshot"}, "a snapshot")["ok"]
    for start, end in ((0, 1), (16, 48), (40, 1 << 30)):
        request = {"op": "snapshot", "frames": {"start": start, "end": end}}
        inside = {
            "layout": whole["layout"],
            **{key: [b for b in whole[key] if start <= b["pfn"] < end] for key in ("free", "allocated")},
        }
        got = ask(process, step, request, inside)
        if got != {"ok": inside}:
            fail(step, request, {"ok": inside}, got)


def fail(step, request, expected, got):
    shown = lambda value: json.dumps(value)[:2000]
    sys.exit(f"smoke: FAIL at step {step}\n  request:  {shown(request)}\n  expected: {shown(expected)}\n"
             f"  got:      {shown(got)}")


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    signal.alarm(60)  # the whole run; a process that stops answering fails here
    process = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    capabilities = []
    for step, (request, expected) in enumerate(STEPS, 1):
        got = ask(process, step, request, expected)
        if step == 1:
            # The optional capabilities of protocol 1; a process may have any of them.
            capabilities = got.get("ok", {}).pop("capabilities", None) if isinstance(got, dict) else None
            expected = {"ok": {k: v for k, v in expected["ok"].items() if k != "capabilities"}}
            if not isinstance(capabilities, list) or not set(capabilities) <= KNOWN_CAPABILITIES:
                fail(step, request, f"capabilities among {sorted(KNOWN_CAPABILITIES)}", capabilities)
        if got != expected:
            fail(step, request, expected, got)
    if "snapshot_range" in capabilities:
        check_range(process, len(STEPS) + 1)
    process.stdin.close()
    if process.wait(timeout=5) != 0:
        sys.exit(f"smoke: FAIL: the process exited with {process.returncode} at the end of its input")
    print(f"smoke: {len(STEPS)} requests, every answer as expected: {' '.join(sys.argv[1:])}")


if __name__ == "__main__":
    main()
