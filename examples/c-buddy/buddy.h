/*
 * A buddy allocator over one node's frames, after mm/page_alloc.c: zones DMA, DMA32 and Normal, free lists per
 * zone and order up to MAX_PAGE_ORDER, blocks of 2^order frames split by expand() and merged by __free_one_page().
 * The protocol layer (protocol.c) reads requests and writes answers; this header is what it calls.
 */
#ifndef BUDDY_H
#define BUDDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_PAGE_ORDER 10                  /* include/linux/mmzone.h, Linux 6.8 and later */
#define NR_PAGE_ORDERS (MAX_PAGE_ORDER + 1)
#define MAX_FRAMES (UINT64_C(1) << 30)     /* MMSpec's largest machine */
#define NO_PAGE UINT32_MAX                 /* the end of a free list */

/* enum zone_type, lowest first. */
enum zone_type { ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, MAX_NR_ZONES };

/* What a frame is to the allocator: struct page reduced to the flags the buddy code looks at. */
enum page_state {
    PAGE_TAIL,      /* inside a free or allocated block, not its first frame (calloc's zero) */
    PAGE_BUDDY,     /* the first frame of a free block: PageBuddy, with buddy_order() in order */
    PAGE_ALLOCATED, /* the first frame of an allocated block, with the order it was allocated with */
    PAGE_RESERVED,  /* memblock-reserved: never reaches the buddy allocator */
};

struct page {
    uint32_t prev, next; /* page->buddy_list: the neighbours on the free list, as pfns */
    int8_t order;
    uint8_t state; /* enum page_state */
};

struct zone {
    uint32_t start, end;                 /* [zone_start_pfn, zone_end_pfn); empty when the zone does not exist */
    uint32_t free_area[NR_PAGE_ORDERS];  /* the head of zone->free_area[order].free_list */
};

struct reserved_range {
    uint64_t start, end;
};

/* The layout as the reset request gave it (a snapshot sends it back unchanged). */
struct layout {
    uint64_t frame_count, dma32_start, normal_start;
    struct reserved_range *reserved;
    size_t nr_reserved;
};

struct buddy {
    struct layout layout;
    struct page *pages; /* mem_map: one struct page per frame; NULL before the first reset */
    struct zone zones[MAX_NR_ZONES];
};

/* The answers of alloc and free: ok, or the error kinds of docs/protocol.md. */
enum buddy_error {
    BUDDY_OK,
    INVALID_ORDER,
    PFN_OUT_OF_RANGE,
    MISALIGNED_PFN,
    BLOCK_SPANS_ZONES,
    ORDER_MISMATCH,
    DOUBLE_FREE,
    NOT_ALLOCATED,
    OUT_OF_MEMORY,
};

/* Drops all state and frees every frame of the layout but the reserved ones; takes over layout->reserved. */
bool buddy_reset(struct buddy *b, const struct layout *layout);

/* alloc_pages(): the first pfn of a block of 2^order frames from highest_zone or below, in *pfn. */
enum buddy_error buddy_alloc_pages(struct buddy *b, int64_t order, enum zone_type highest_zone, uint32_t *pfn);

/* __free_pages(): gives back the block allocated at pfn with this order; an error changes nothing. */
enum buddy_error buddy_free_pages(struct buddy *b, uint64_t pfn, int64_t order);

void buddy_destroy(struct buddy *b);

#endif
