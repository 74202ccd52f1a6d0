#!/usr/bin/env python3
"""A buddy allocator after Linux's mm/page_alloc.c, speaking MMSpec's process protocol, version 1 (docs/protocol.md).

One JSON request per line on standard input, one JSON answer per line on standard output. Zones DMA, DMA32 and
Normal; free lists per zone and order up to MAX_PAGE_ORDER; a block is taken from the head of the smallest
sufficient free list (__rmqueue_smallest), split by expand and merged back by __free_one_page.
"""
import json
import sys

MAX_PAGE_ORDER = 10
ZONE_NAMES = ["dma", "dma32", "normal"]  # enum zone_type, lowest first


class Malformed(Exception):
    """A request MMSpec never sends: the process stops with a message on standard error."""


class BuddyError(Exception):
    """A refused call: the error kind and its fields, as the protocol writes them."""

    def __init__(self, kind, **fields):
        super().__init__(kind)
        self.answer = {"error": kind, **fields}


class Zone:
    def __init__(self, start, end):
        self.start, self.end = start, end
        # zone->free_area[order]: a dict keeps insertion order, so its last key is the list head (list_add).
        self.free_area = [{} for _ in range(MAX_PAGE_ORDER + 1)]

    def contains(self, pfn, pages=1):
        return self.start <= pfn and pfn + pages <= self.end


class Buddy:
    def __init__(self, layout):
        self.layout = layout
        self.frame_count = layout["frame_count"]
        bounds = [0, layout["dma32_start"], layout["normal_start"], self.frame_count]
        self.zones = [Zone(min(bounds[z], self.frame_count), min(bounds[z + 1], self.frame_count)) for z in range(3)]
        self.free = {}  # pfn -> order of every free block's first frame (PageBuddy, buddy_order)
        self.allocated = {}  # pfn -> order of every allocated block
        for zone in self.zones:
            for start, end in self.usable_ranges(zone):
                self.free_pages_memory(zone, start, end)

    def usable_ranges(self, zone):
        """The zone's frames minus the reserved ranges (memblock_free_all)."""
        start = zone.start
        for reserved in sorted(self.layout["reserved"], key=lambda r: r["start"]):
            if reserved["end"] <= zone.start or reserved["start"] >= zone.end:
                continue
            if reserved["start"] > start:
                yield start, reserved["start"]
            start = max(start, reserved["end"])
        if start < zone.end:
            yield start, zone.end

    def free_pages_memory(self, zone, start, end):
        """__free_pages_memory (mm/memblock.c): the largest naturally aligned blocks that fit."""
        while start < end:
            order = MAX_PAGE_ORDER
            while start % (1 << order) or start + (1 << order) > end:
                order -= 1
            self.free_one_page(zone, start, order)
            start += 1 << order

    def zone_of(self, pfn):
        return next((zone for zone in self.zones if zone.contains(pfn)), None)

    def add_to_free_list(self, zone, pfn, order):
        zone.free_area[order][pfn] = None
        self.free[pfn] = order

    def del_page_from_free_list(self, zone, pfn, order):
        del zone.free_area[order][pfn]
        del self.free[pfn]

    def page_is_buddy(self, zone, buddy, order):
        """page_is_buddy: a free block of exactly this order, in the same zone."""
        return zone.contains(buddy) and self.free.get(buddy) == order

    def free_one_page(self, zone, pfn, order):
        """__free_one_page: merge with the buddy (__find_buddy_pfn: pfn ^ 2^order) while it is free."""
        while order < MAX_PAGE_ORDER:
            buddy = pfn ^ (1 << order)
            if not self.page_is_buddy(zone, buddy, order):
                break
            self.del_page_from_free_list(zone, buddy, order)
            pfn &= buddy
            order += 1
        self.add_to_free_list(zone, pfn, order)

    def expand(self, zone, pfn, low, high):
        """expand: halve down to order low, each upper half on its free list; the lower half is kept."""
        while high > low:
            high -= 1
            self.add_to_free_list(zone, pfn + (1 << high), high)

    def rmqueue_smallest(self, zone, order):
        """__rmqueue_smallest: the head of the smallest non-empty free list of order >= order."""
        for current in range(order, MAX_PAGE_ORDER + 1):
            if zone.free_area[current]:
                pfn = next(reversed(zone.free_area[current]))
                self.del_page_from_free_list(zone, pfn, current)
                self.expand(zone, pfn, order, current)
                return pfn
        return None

    def alloc_pages(self, order, highest_zone):
        if not 0 <= order <= MAX_PAGE_ORDER:
            raise BuddyError("InvalidOrder", order=order)
        for zone in reversed(self.zones[: ZONE_NAMES.index(highest_zone) + 1]):  # the zonelist, highest first
            pfn = self.rmqueue_smallest(zone, order)
            if pfn is not None:
                self.allocated[pfn] = order
                return pfn
        raise BuddyError("OutOfMemory", order=order, highest_zone=highest_zone)

    def is_free_buddy_page(self, pfn):
        """is_free_buddy_page: pfn lies in a free block, whose first frame is pfn rounded down to its order."""
        return any(self.free.get(pfn & ~((1 << order) - 1), -1) >= order for order in range(MAX_PAGE_ORDER + 1))

    def free_pages_check(self, pfn, order):
        """free_pages_check and bad_page, made total: the first error of docs/buddy.md's precedence table."""
        if not 0 <= order <= MAX_PAGE_ORDER:
            raise BuddyError("InvalidOrder", order=order)
        pages = 1 << order
        if self.frame_count < pages or pfn > self.frame_count - pages:
            raise BuddyError("PfnOutOfRange", pfn=pfn, order=order, frame_count=self.frame_count)
        if pfn % pages:
            raise BuddyError("MisalignedPfn", pfn=pfn, order=order)
        zone = self.zone_of(pfn)
        if zone is None or not zone.contains(pfn, pages):
            raise BuddyError("BlockSpansZones", pfn=pfn, order=order)
        if pfn in self.allocated:
            if self.allocated[pfn] != order:
                raise BuddyError("OrderMismatch", pfn=pfn, given=order, allocated=self.allocated[pfn])
        elif self.is_free_buddy_page(pfn):
            raise BuddyError("DoubleFree", pfn=pfn, order=order)
        else:
            raise BuddyError("NotAllocated", pfn=pfn, order=order)
        return zone

    def free_pages(self, pfn, order):
        zone = self.free_pages_check(pfn, order)
        del self.allocated[pfn]
        self.free_one_page(zone, pfn, order)
        return {}

    def snapshot(self):
        def blocks(heads):
            return [{"pfn": pfn, "order": order} for pfn, order in sorted(heads.items())]

        return {"layout": self.layout, "free": blocks(self.free), "allocated": blocks(self.allocated)}


# Each op's members besides "op".
OPS = {
    "hello": ["protocol", "component"],
    "reset": ["layout"],
    "alloc_pages": ["order", "highest_zone"],
    "free_pages": ["pfn", "order"],
    "snapshot": [],
}


def integer(value, minimum=0):
    if type(value) is not int or value < minimum:
        raise Malformed(f"not an integer >= {minimum}: {value!r}")
    return value


def exactly(value, keys):
    if not isinstance(value, dict) or set(value) != set(keys):
        raise Malformed(f"expected an object with exactly {sorted(keys)}")
    return value


def read_layout(layout):
    exactly(layout, ["frame_count", "dma32_start", "normal_start", "reserved"])
    for key in ["frame_count", "dma32_start", "normal_start"]:
        integer(layout[key])
    if not isinstance(layout["reserved"], list):
        raise Malformed("reserved is not a list")
    for reserved in layout["reserved"]:
        exactly(reserved, ["start", "end"])
        if not integer(reserved["start"]) <= integer(reserved["end"]) <= layout["frame_count"]:
            raise Malformed("a reserved range outside the machine")
    if not 1 <= layout["frame_count"] <= 1 << 30 or layout["dma32_start"] > layout["normal_start"]:
        raise Malformed("not a valid layout")
    return layout


def answer(buddy, request):
    """The answer to one request, and the allocator after it (reset makes a new one)."""
    op = request.get("op") if isinstance(request, dict) else None
    if not isinstance(op, str):
        raise Malformed("no op")
    if op not in OPS:
        return buddy, {"error": "UnknownOp", "op": op}
    exactly(request, ["op", *OPS[op]])
    if op == "hello":
        return buddy, {"ok": {"protocol": 1, "component": "buddy", "capabilities": []}}
    if op == "reset":
        return Buddy(read_layout(request["layout"])), {"ok": {}}
    if buddy is None:
        raise Malformed("no reset yet")
    try:
        if op == "alloc_pages":
            if request["highest_zone"] not in ZONE_NAMES:
                raise Malformed(f"unknown zone {request['highest_zone']!r}")
            return buddy, {"ok": buddy.alloc_pages(integer(request["order"], -(1 << 31)), request["highest_zone"])}
        if op == "free_pages":
            return buddy, {"ok": buddy.free_pages(integer(request["pfn"]), integer(request["order"], -(1 << 31)))}
        return buddy, {"ok": buddy.snapshot()}
    except BuddyError as error:
        return buddy, error.answer


def main():
    buddy = None
    for line in sys.stdin:
        try:
            buddy, reply = answer(buddy, json.loads(line))
        except (Malformed, json.JSONDecodeError) as error:
            sys.exit(f"buddy.py: malformed request ({error}): {line.rstrip()}")
        print(json.dumps(reply, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
