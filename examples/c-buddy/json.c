/* The JSON reader of json.h. */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *current_line = "";

void json_start(const char *line)
{
    current_line = line;
}

_Noreturn void malformed(const char *why)
{
    fprintf(stderr, "buddy: malformed request (%s): %s\n", why, current_line);
    exit(1);
}

bool json_is(struct text text, const char *name)
{
    return text.n == strlen(name) && memcmp(text.s, name, text.n) == 0;
}

const char *json_skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    return p;
}

const char *json_expect(const char *p, char c)
{
    p = json_skip_space(p);
    if (*p != c) {
        char why[] = "expected '?'";
        why[10] = c;
        malformed(why);
    }
    return p + 1;
}

static const char *read_text(const char *p, struct text *out)
{
    p = json_expect(p, '"');
    out->s = p;
    while (*p != '"') {
        if (*p == '\0')
            malformed("unterminated string");
        p += p[0] == '\\' && p[1] != '\0' ? 2 : 1;
    }
    out->n = (size_t)(p - out->s);
    return p + 1;
}

/* An integer as its sign and magnitude: a pfn may need all 64 bits, an order may be negative. */
static const char *read_integer(const char *p, bool *negative, uint64_t *magnitude)
{
    p = json_skip_space(p);
    *negative = *p == '-';
    p += *negative;
    if (*p < '0' || *p > '9')
        malformed("expected an integer");
    for (*magnitude = 0; *p >= '0' && *p <= '9'; p++) {
        uint64_t digit = (uint64_t)(*p - '0');
        if (*magnitude > (UINT64_MAX - digit) / 10)
            malformed("integer out of range");
        *magnitude = *magnitude * 10 + digit;
    }
    return p;
}

/* Any value (checked, not kept): the end of it. */
static const char *skip_value(const char *p)
{
    struct text text;
    bool negative;
    uint64_t magnitude;
    p = json_skip_space(p);
    if (*p == '{')
        return json_object(p, &(struct members){ 0 }); /* a nested object: every member skipped */
    if (*p == '"')
        return read_text(p, &text);
    if (*p != '[')
        return read_integer(p, &negative, &magnitude);
    p = json_skip_space(p + 1);
    if (*p == ']')
        return p + 1;
    for (p = json_skip_space(skip_value(p)); *p == ','; p = json_skip_space(skip_value(p + 1)))
        continue;
    return json_expect(p, ']');
}

static void collect(struct members *members, struct text key, const char *value)
{
    for (int i = 0; i < members->count; i++) {
        if (json_is(key, members->names[i])) {
            members->values[i] = value;
            return;
        }
    }
    members->unknown = true;
}

const char *json_object(const char *p, struct members *members)
{
    p = json_skip_space(json_expect(p, '{'));
    if (*p == '}')
        return p + 1;
    for (;;) {
        struct text key;
        p = json_expect(read_text(p, &key), ':');
        collect(members, key, p);
        p = json_skip_space(skip_value(p));
        if (*p != ',')
            return json_expect(p, '}');
        p++;
    }
}

void json_require(const struct members *members, unsigned required)
{
    if (members->unknown)
        malformed("an unknown member");
    for (int i = 0; i < members->count; i++) {
        if ((members->values[i] != NULL) != ((required >> i) & 1))
            malformed(members->values[i] != NULL ? "a member this request does not have" : "a missing member");
    }
}

uint64_t json_unsigned(const char *p)
{
    bool negative;
    uint64_t magnitude;
    read_integer(p, &negative, &magnitude);
    if (negative)
        malformed("a negative number where a pfn or a count belongs");
    return magnitude;
}

int64_t json_order(const char *p)
{
    bool negative;
    uint64_t magnitude;
    read_integer(p, &negative, &magnitude);
    if (magnitude > (negative ? UINT64_C(1) << 31 : INT32_MAX))
        malformed("an order outside the int range");
    return negative ? -(int64_t)magnitude : (int64_t)magnitude;
}

struct text json_text(const char *p)
{
    struct text text;
    read_text(p, &text);
    return text;
}
