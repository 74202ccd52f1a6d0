/*
 * A small JSON reader for MMSpec's requests, which have fixed shapes: one object per line whose values are strings,
 * integers, objects and arrays. Strings are kept as sent, escapes and all: the names compared have none, and an
 * unknown op is echoed back as it came. Anything else is malformed: MMSpec never sends it, and the process stops
 * with a message on standard error.
 */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A JSON string as sent, without its quotes. */
struct text {
    const char *s;
    size_t n;
};

/* Where each named member of an object starts (NULL when absent), and whether the object had any other member. */
struct members {
    const char *const *names;
    const char **values;
    int count;
    bool unknown;
};

/* The line being read, for the message of malformed(). */
void json_start(const char *line);

_Noreturn void malformed(const char *why);

bool json_is(struct text text, const char *name);

const char *json_skip_space(const char *p);

const char *json_expect(const char *p, char c);

/* Reads the object at p into members; returns the end of the object. */
const char *json_object(const char *p, struct members *members);

/* Exactly the members whose bit is set in required (bit i for names[i]) are there, and no other. */
void json_require(const struct members *members, unsigned required);

/* The value at p as a non-negative integer, an order (an int, maybe negative) or a string. */
uint64_t json_unsigned(const char *p);
int64_t json_order(const char *p);
struct text json_text(const char *p);

#endif
