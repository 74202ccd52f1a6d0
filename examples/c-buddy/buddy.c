/*
 * The buddy allocator of buddy.h, after mm/page_alloc.c (Linux 6.8 and later).
 *
 * Compile-time bugs, each re-enacting a classic mistake so that a checker can be seen to catch it:
 *
 * -DBUG_NO_LEFT_MERGE: __free_one_page() merges a block only with a buddy on its right (when the block's pfn has
 *   the order bit clear), never with one on its left (pfn with the order bit set), so a block freed after its
 *   left buddy stays apart from it: memory fragments and maximal coalescing breaks. The textbook form of a
 *   coalescing bug; the same mistake in a (non-buddy) kernel heap was reported as SynestiaOS/SynestiaOS issue #3,
 *   "Merge free heap block" (a freed block merged only with a neighbour at a higher address).
 * -DBUG_FREE_ORDER_TOO_LOW: a freed block of order k > 0 goes back at order k - 1, its upper half lost: frames
 *   leak. A classic off-by-one in turning a size into an order; no specific public report of it is cited here.
 */
#include "buddy.h"

#include <stdlib.h>

static uint32_t pages_of(int order)
{
    return UINT32_C(1) << order;
}

/* page_zone(): the zone a frame lies in, or NULL. */
static struct zone *zone_of(struct buddy *b, uint64_t pfn)
{
    for (int z = 0; z < MAX_NR_ZONES; z++) {
        if (pfn >= b->zones[z].start && pfn < b->zones[z].end)
            return &b->zones[z];
    }
    return NULL;
}

/* __add_to_free_list() with set_buddy_order(): the block goes on the head of zone->free_area[order]. */
static void add_to_free_list(struct buddy *b, struct zone *zone, uint32_t pfn, int order)
{
    struct page *page = &b->pages[pfn];
    page->state = PAGE_BUDDY;
    page->order = (int8_t)order;
    page->prev = NO_PAGE;
    page->next = zone->free_area[order];
    if (page->next != NO_PAGE)
        b->pages[page->next].prev = pfn;
    zone->free_area[order] = pfn;
}

/* del_page_from_free_list(): off its list, and no longer PageBuddy. */
static void del_page_from_free_list(struct buddy *b, struct zone *zone, uint32_t pfn, int order)
{
    struct page *page = &b->pages[pfn];
    if (page->prev != NO_PAGE)
        b->pages[page->prev].next = page->next;
    else
        zone->free_area[order] = page->next;
    if (page->next != NO_PAGE)
        b->pages[page->next].prev = page->prev;
    page->state = PAGE_TAIL;
}

/* page_is_buddy(): the buddy is the first frame of a free block of exactly this order, in the same zone. */
static bool page_is_buddy(const struct buddy *b, const struct zone *zone, uint32_t buddy, int order)
{
    return buddy >= zone->start && buddy < zone->end && b->pages[buddy].state == PAGE_BUDDY
        && b->pages[buddy].order == order;
}

/* __free_one_page(): merge with the buddy (__find_buddy_pfn: pfn ^ 2^order) while it is free, up to order 10. */
static void free_one_page(struct buddy *b, struct zone *zone, uint32_t pfn, int order)
{
    while (order < MAX_PAGE_ORDER) {
        uint32_t buddy = pfn ^ pages_of(order);
        if (!page_is_buddy(b, zone, buddy, order))
            break;
#ifdef BUG_NO_LEFT_MERGE
        if (buddy < pfn)
            break;
#endif
        del_page_from_free_list(b, zone, buddy, order);
        pfn &= buddy;
        order++;
    }
    add_to_free_list(b, zone, pfn, order);
}

/* expand(): halve a block of order high down to order low, each upper half on its free list; the lower is kept. */
static void expand(struct buddy *b, struct zone *zone, uint32_t pfn, int low, int high)
{
    while (high > low) {
        high--;
        add_to_free_list(b, zone, pfn + pages_of(high), high);
    }
}

/*
 * __rmqueue_smallest(): a block of the smallest non-empty free list of order >= order, split by expand(). Linux takes
 * the list's head; this allocator takes the list's lowest pfn, the model's choice, which either conforms to. It says
 * so in its hello answer ("lowest_pfn"), and MMSpec then predicts its allocations and sends requests ahead.
 */
static bool rmqueue_smallest(struct buddy *b, struct zone *zone, int order, uint32_t *pfn)
{
    for (int current = order; current < NR_PAGE_ORDERS; current++) {
        uint32_t lowest = NO_PAGE;
        for (uint32_t p = zone->free_area[current]; p != NO_PAGE; p = b->pages[p].next) {
            if (p < lowest)
                lowest = p;
        }
        if (lowest == NO_PAGE)
            continue;
        del_page_from_free_list(b, zone, lowest, current);
        expand(b, zone, lowest, order, current);
        *pfn = lowest;
        return true;
    }
    return false;
}

enum buddy_error buddy_alloc_pages(struct buddy *b, int64_t order, enum zone_type highest_zone, uint32_t *pfn)
{
    if (order < 0 || order > MAX_PAGE_ORDER)
        return INVALID_ORDER;
    /* The zonelist: the highest allowed zone first, then each lower one. */
    for (int z = (int)highest_zone; z >= 0; z--) {
        if (rmqueue_smallest(b, &b->zones[z], (int)order, pfn)) {
            b->pages[*pfn].state = PAGE_ALLOCATED;
            b->pages[*pfn].order = (int8_t)order;
            return BUDDY_OK;
        }
    }
    return OUT_OF_MEMORY;
}

/* is_free_buddy_page(): whether pfn lies inside a free block, whose first frame is pfn rounded down to its order. */
static bool is_free_buddy_page(const struct buddy *b, uint64_t pfn)
{
    for (int order = 0; order < NR_PAGE_ORDERS; order++) {
        const struct page *head = &b->pages[pfn & ~(uint64_t)(pages_of(order) - 1)];
        if (head->state == PAGE_BUDDY && head->order >= order)
            return true;
    }
    return false;
}

/* free_pages_check() and bad_page(), made total: the first error of docs/buddy.md's precedence table. */
static enum buddy_error free_pages_check(struct buddy *b, uint64_t pfn, int64_t order)
{
    if (order < 0 || order > MAX_PAGE_ORDER)
        return INVALID_ORDER;
    uint64_t pages = pages_of((int)order);
    uint64_t frames = b->layout.frame_count;
    if (frames < pages || pfn > frames - pages)
        return PFN_OUT_OF_RANGE;
    if (pfn % pages != 0)
        return MISALIGNED_PFN;
    const struct zone *zone = zone_of(b, pfn);
    if (zone == NULL || pfn + pages > zone->end)
        return BLOCK_SPANS_ZONES;
    const struct page *page = &b->pages[pfn];
    if (page->state == PAGE_ALLOCATED)
        return page->order == order ? BUDDY_OK : ORDER_MISMATCH;
    return is_free_buddy_page(b, pfn) ? DOUBLE_FREE : NOT_ALLOCATED;
}

enum buddy_error buddy_free_pages(struct buddy *b, uint64_t pfn, int64_t order)
{
    enum buddy_error error = free_pages_check(b, pfn, order);
    if (error != BUDDY_OK)
        return error;
    b->pages[pfn].state = PAGE_TAIL;
#ifdef BUG_FREE_ORDER_TOO_LOW
    if (order > 0)
        order--;
#endif
    free_one_page(b, zone_of(b, pfn), (uint32_t)pfn, (int)order);
    return BUDDY_OK;
}

/* __free_pages_memory() (mm/memblock.c): [start, end) in the largest naturally aligned blocks that fit. */
static void free_pages_memory(struct buddy *b, struct zone *zone, uint32_t start, uint32_t end)
{
    while (start < end) {
        int order = MAX_PAGE_ORDER;
        while (start % pages_of(order) != 0 || start + pages_of(order) > end)
            order--;
        free_one_page(b, zone, start, order);
        start += pages_of(order);
    }
}

/* memblock_free_all(): every run of frames of the zone that no reserved range covers. */
static void free_zone_memory(struct buddy *b, struct zone *zone)
{
    uint32_t pfn = zone->start;
    while (pfn < zone->end) {
        uint32_t end = pfn;
        while (end < zone->end && b->pages[end].state != PAGE_RESERVED)
            end++;
        free_pages_memory(b, zone, pfn, end);
        pfn = end + 1; /* past the reserved frame that ended the run (or past the zone) */
    }
}

static uint32_t clamp(uint64_t pfn, uint64_t frame_count)
{
    return (uint32_t)(pfn < frame_count ? pfn : frame_count);
}

bool buddy_reset(struct buddy *b, const struct layout *layout)
{
    buddy_destroy(b);
    b->layout = *layout;
    b->pages = calloc(layout->frame_count, sizeof *b->pages);
    if (b->pages == NULL)
        return false;
    for (size_t r = 0; r < layout->nr_reserved; r++) {
        for (uint64_t pfn = layout->reserved[r].start; pfn < layout->reserved[r].end; pfn++)
            b->pages[pfn].state = PAGE_RESERVED;
    }
    /* Zones [0, dma32_start), [dma32_start, normal_start), [normal_start, frame_count), cut at the last frame. */
    uint64_t bounds[MAX_NR_ZONES + 1] = { 0, layout->dma32_start, layout->normal_start, layout->frame_count };
    for (int z = 0; z < MAX_NR_ZONES; z++) {
        struct zone *zone = &b->zones[z];
        zone->start = clamp(bounds[z], layout->frame_count);
        zone->end = clamp(bounds[z + 1], layout->frame_count);
        for (int order = 0; order < NR_PAGE_ORDERS; order++)
            zone->free_area[order] = NO_PAGE;
        free_zone_memory(b, zone);
    }
    return true;
}

void buddy_destroy(struct buddy *b)
{
    free(b->pages);
    free(b->layout.reserved);
    *b = (struct buddy){ 0 };
}
