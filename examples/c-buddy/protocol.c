/*
 * MMSpec's process protocol, version 1 (docs/protocol.md), for the allocator of buddy.c: one JSON request per line
 * on standard input (read with json.c), one JSON answer per line on standard output, flushed whenever no further
 * request is waiting (MMSpec may send requests ahead: the capability "pipeline").
 */
#define _POSIX_C_SOURCE 200809L /* poll, read */

#include "buddy.h"
#include "json.h"

#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static _Noreturn void out_of_memory(uint64_t count, const char *what)
{
    fprintf(stderr, "buddy: no memory for %" PRIu64 " %s\n", count, what);
    exit(1);
}

/* {"start": S, "end": E} */
static const char *read_range(const char *p, struct reserved_range *range)
{
    static const char *const names[] = { "start", "end" };
    const char *values[2] = { NULL };
    struct members members = { names, values, 2, false };
    p = json_object(p, &members);
    json_require(&members, 3);
    range->start = json_unsigned(values[0]);
    range->end = json_unsigned(values[1]);
    return p;
}

static void read_reserved(const char *p, struct layout *layout)
{
    p = json_skip_space(json_expect(p, '['));
    if (*p == ']')
        return;
    for (;;) {
        layout->reserved = realloc(layout->reserved, (layout->nr_reserved + 1) * sizeof *layout->reserved);
        if (layout->reserved == NULL)
            out_of_memory(layout->nr_reserved + 1, "reserved ranges");
        p = json_skip_space(read_range(p, &layout->reserved[layout->nr_reserved++]));
        if (*p != ',') {
            json_expect(p, ']');
            return;
        }
        p++;
    }
}

/* LAYOUT: {"frame_count": N, "dma32_start": D, "normal_start": M, "reserved": [RANGE ...]} */
static struct layout read_layout(const char *p)
{
    static const char *const names[] = { "frame_count", "dma32_start", "normal_start", "reserved" };
    const char *values[4] = { NULL };
    struct members members = { names, values, 4, false };
    json_object(p, &members);
    json_require(&members, 15);
    struct layout layout = {
        .frame_count = json_unsigned(values[0]),
        .dma32_start = json_unsigned(values[1]),
        .normal_start = json_unsigned(values[2]),
    };
    read_reserved(values[3], &layout);
    if (layout.frame_count == 0 || layout.frame_count > MAX_FRAMES || layout.dma32_start > layout.normal_start)
        malformed("not a valid layout");
    for (size_t r = 0; r < layout.nr_reserved; r++) {
        if (layout.reserved[r].start > layout.reserved[r].end || layout.reserved[r].end > layout.frame_count)
            malformed("a reserved range outside the machine");
    }
    return layout;
}

static const char *const zone_names[MAX_NR_ZONES] = { "dma", "dma32", "normal" };

static enum zone_type zone_at(const char *value)
{
    struct text name = json_text(value);
    for (int z = 0; z < MAX_NR_ZONES; z++) {
        if (json_is(name, zone_names[z]))
            return (enum zone_type)z;
    }
    malformed("an unknown zone");
}

static const char *const error_kinds[] = {
    [INVALID_ORDER] = "InvalidOrder",   [PFN_OUT_OF_RANGE] = "PfnOutOfRange",
    [MISALIGNED_PFN] = "MisalignedPfn", [BLOCK_SPANS_ZONES] = "BlockSpansZones",
    [ORDER_MISMATCH] = "OrderMismatch", [DOUBLE_FREE] = "DoubleFree",
    [NOT_ALLOCATED] = "NotAllocated",   [OUT_OF_MEMORY] = "OutOfMemory",
};

/* The members of a request; each op has "op" and exactly the ones its table entry names. */
enum field { F_OP, F_PROTOCOL, F_COMPONENT, F_LAYOUT, F_ORDER, F_HIGHEST_ZONE, F_PFN, F_FRAMES, NR_FIELDS };

static const char *const field_names[NR_FIELDS] = {
    "op", "protocol", "component", "layout", "order", "highest_zone", "pfn", "frames",
};

#define FIELD(f) (1u << (f))

static void hello(struct buddy *b, const char *const *values)
{
    (void)b, (void)values;
    printf("{\"ok\":{\"protocol\":1,\"component\":\"buddy\","
           "\"capabilities\":[\"snapshot_range\",\"pipeline\",\"lowest_pfn\"]}}\n");
}

static void reset(struct buddy *b, const char *const *values)
{
    struct layout layout = read_layout(values[F_LAYOUT]);
    if (!buddy_reset(b, &layout))
        out_of_memory(layout.frame_count, "frames");
    printf("{\"ok\":{}}\n");
}

static void alloc_pages(struct buddy *b, const char *const *values)
{
    int64_t order = json_order(values[F_ORDER]);
    enum zone_type highest_zone = zone_at(values[F_HIGHEST_ZONE]);
    uint32_t pfn;
    enum buddy_error error = buddy_alloc_pages(b, order, highest_zone, &pfn);
    if (error == BUDDY_OK)
        printf("{\"ok\":%" PRIu32 "}\n", pfn);
    else if (error == INVALID_ORDER)
        printf("{\"error\":\"InvalidOrder\",\"order\":%" PRId64 "}\n", order);
    else
        printf("{\"error\":\"OutOfMemory\",\"order\":%" PRId64 ",\"highest_zone\":\"%s\"}\n", order,
            zone_names[highest_zone]);
}

static void free_pages(struct buddy *b, const char *const *values)
{
    uint64_t pfn = json_unsigned(values[F_PFN]);
    int64_t order = json_order(values[F_ORDER]);
    enum buddy_error error = buddy_free_pages(b, pfn, order);
    const char *kind = error_kinds[error];
    if (error == BUDDY_OK)
        printf("{\"ok\":{}}\n");
    else if (error == INVALID_ORDER)
        printf("{\"error\":\"%s\",\"order\":%" PRId64 "}\n", kind, order);
    else if (error == PFN_OUT_OF_RANGE)
        printf("{\"error\":\"%s\",\"pfn\":%" PRIu64 ",\"order\":%" PRId64 ",\"frame_count\":%" PRIu64 "}\n", kind,
            pfn, order, b->layout.frame_count);
    else if (error == ORDER_MISMATCH)
        printf("{\"error\":\"%s\",\"pfn\":%" PRIu64 ",\"given\":%" PRId64 ",\"allocated\":%d}\n", kind, pfn, order,
            b->pages[pfn].order);
    else
        printf("{\"error\":\"%s\",\"pfn\":%" PRIu64 ",\"order\":%" PRId64 "}\n", kind, pfn, order);
}

/* Every block in the given state whose first frame lies in [from, to), walking mem_map block by block. */
static void print_blocks(const struct buddy *b, enum page_state state, uint64_t from, uint64_t to)
{
    const char *separator = "";
    uint64_t pfn = from;
    while (pfn < to) {
        const struct page *page = &b->pages[pfn];
        if (page->state != PAGE_BUDDY && page->state != PAGE_ALLOCATED) {
            pfn++;
            continue;
        }
        if (page->state == state) {
            printf("%s{\"pfn\":%" PRIu64 ",\"order\":%d}", separator, pfn, page->order);
            separator = ",";
        }
        pfn += UINT64_C(1) << page->order;
    }
}

/* The layout, then the blocks that start in [from, to): the whole state, or the window of "snapshot_range". */
static void print_snapshot(const struct buddy *b, uint64_t from, uint64_t to)
{
    const struct layout *layout = &b->layout;
    printf("{\"ok\":{\"layout\":{\"frame_count\":%" PRIu64 ",\"dma32_start\":%" PRIu64 ",\"normal_start\":%" PRIu64
        ",\"reserved\":[", layout->frame_count, layout->dma32_start, layout->normal_start);
    for (size_t r = 0; r < layout->nr_reserved; r++) {
        printf("%s{\"start\":%" PRIu64 ",\"end\":%" PRIu64 "}", r > 0 ? "," : "", layout->reserved[r].start,
            layout->reserved[r].end);
    }
    printf("]},\"free\":[");
    print_blocks(b, PAGE_BUDDY, from, to);
    printf("],\"allocated\":[");
    print_blocks(b, PAGE_ALLOCATED, from, to);
    printf("]}}\n");
}

static void snapshot(struct buddy *b, const char *const *values)
{
    (void)values;
    print_snapshot(b, 0, b->layout.frame_count);
}

/* The capability "snapshot_range": {"op":"snapshot","frames":{"start":S,"end":E}}, the blocks that start there. */
static void snapshot_range(struct buddy *b, const char *const *values)
{
    struct reserved_range frames;
    read_range(values[F_FRAMES], &frames);
    uint64_t end = frames.end < b->layout.frame_count ? frames.end : b->layout.frame_count;
    print_snapshot(b, frames.start < end ? frames.start : end, end);
}

static const struct op {
    const char *name;
    unsigned fields;
    bool needs_reset;
    void (*run)(struct buddy *b, const char *const *values);
} ops[] = {
    { "hello", FIELD(F_PROTOCOL) | FIELD(F_COMPONENT), false, hello },
    { "reset", FIELD(F_LAYOUT), false, reset },
    { "alloc_pages", FIELD(F_ORDER) | FIELD(F_HIGHEST_ZONE), true, alloc_pages },
    { "free_pages", FIELD(F_PFN) | FIELD(F_ORDER), true, free_pages },
    { "snapshot", FIELD(F_FRAMES), true, snapshot_range },
    { "snapshot", 0, true, snapshot },
};

static void handle(struct buddy *b, const char *line)
{
    const char *values[NR_FIELDS] = { NULL };
    struct members members = { field_names, values, NR_FIELDS, false };
    if (*json_skip_space(json_object(line, &members)) != '\0')
        malformed("text after the object");
    if (values[F_OP] == NULL)
        malformed("no op");
    struct text name = json_text(values[F_OP]);
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        bool framed = values[F_FRAMES] != NULL;
        if (json_is(name, ops[i].name) && framed == (bool)(ops[i].fields & FIELD(F_FRAMES))) {
            json_require(&members, FIELD(F_OP) | ops[i].fields);
            if (ops[i].needs_reset && b->pages == NULL)
                malformed("no reset yet");
            ops[i].run(b, values);
            return;
        }
    }
    printf("{\"error\":\"UnknownOp\",\"op\":\"%.*s\"}\n", (int)name.n, name.s);
}

/* Standard input in large reads, so that the requests MMSpec sends ahead are taken many at a time. */
struct input {
    char buffer[1 << 16];
    size_t start, end; /* the bytes not yet taken */
};

/* The next request line, its '\n' replaced by '\0', or NULL at the end of the input. */
static char *next_line(struct input *in)
{
    for (;;) {
        char *newline = memchr(in->buffer + in->start, '\n', in->end - in->start);
        if (newline != NULL) {
            char *line = in->buffer + in->start;
            *newline = '\0';
            in->start = (size_t)(newline - in->buffer) + 1;
            return line;
        }
        memmove(in->buffer, in->buffer + in->start, in->end - in->start);
        in->end -= in->start;
        in->start = 0;
        if (in->end == sizeof in->buffer) {
            fprintf(stderr, "buddy: a request longer than %zu bytes\n", sizeof in->buffer);
            exit(1);
        }
        ssize_t n = read(STDIN_FILENO, in->buffer + in->end, sizeof in->buffer - in->end);
        if (n <= 0)
            return NULL;
        in->end += (size_t)n;
    }
}

/* Whether another request is already here: a whole line read, or bytes waiting on standard input. */
static bool request_waiting(const struct input *in)
{
    if (memchr(in->buffer + in->start, '\n', in->end - in->start) != NULL)
        return true;
    struct pollfd fd = { .fd = STDIN_FILENO, .events = POLLIN };
    return poll(&fd, 1, 0) > 0;
}

int main(void)
{
    static struct input in;
    static char output[1 << 16];
    struct buddy b = { 0 };
    setvbuf(stdout, output, _IOFBF, sizeof output);
    char *line;
    while ((line = next_line(&in)) != NULL) {
        json_start(line);
        handle(&b, line);
        if (!request_waiting(&in))
            fflush(stdout);
    }
    fflush(stdout);
    buddy_destroy(&b);
    return 0;
}
