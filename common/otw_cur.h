/* otw_cur: the one bounds-checked reader every parser uses.
 * Getters return false on a short read and leave the cursor where it was;
 * nothing in a dissector indexes packet bytes directly. */
#ifndef OTW_CUR_H
#define OTW_CUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct otw_cur {
	const uint8_t *p;
	const uint8_t *end; /* one past the last readable byte; never read */
};

static inline struct otw_cur otw_cur_make(const void *data, size_t len)
{
	struct otw_cur c = { (const uint8_t *)data, (const uint8_t *)data + len };
	return c;
}

static inline size_t otw_cur_left(const struct otw_cur *c)
{
	return (size_t)(c->end - c->p);
}

static inline bool otw_cur_u8(struct otw_cur *c, uint8_t *v)
{
	if (otw_cur_left(c) < 1)
		return false;
	*v = c->p[0];
	c->p += 1;
	return true;
}

static inline bool otw_cur_u16be(struct otw_cur *c, uint16_t *v)
{
	if (otw_cur_left(c) < 2)
		return false;
	*v = (uint16_t)((unsigned)c->p[0] << 8 | c->p[1]);
	c->p += 2;
	return true;
}

static inline bool otw_cur_u16le(struct otw_cur *c, uint16_t *v)
{
	if (otw_cur_left(c) < 2)
		return false;
	*v = (uint16_t)((unsigned)c->p[1] << 8 | c->p[0]);
	c->p += 2;
	return true;
}

static inline bool otw_cur_u24be(struct otw_cur *c, uint32_t *v)
{
	if (otw_cur_left(c) < 3)
		return false;
	*v = (uint32_t)c->p[0] << 16 | (uint32_t)c->p[1] << 8 | c->p[2];
	c->p += 3;
	return true;
}

static inline bool otw_cur_u32be(struct otw_cur *c, uint32_t *v)
{
	if (otw_cur_left(c) < 4)
		return false;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	     (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	return true;
}

static inline bool otw_cur_u32le(struct otw_cur *c, uint32_t *v)
{
	if (otw_cur_left(c) < 4)
		return false;
	*v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 |
	     (uint32_t)c->p[1] << 8 | c->p[0];
	c->p += 4;
	return true;
}

/* Copy n bytes out. */
static inline bool otw_cur_bytes(struct otw_cur *c, void *dst, size_t n)
{
	if (otw_cur_left(c) < n)
		return false;
	memcpy(dst, c->p, n);
	c->p += n;
	return true;
}

static inline bool otw_cur_skip(struct otw_cur *c, size_t n)
{
	if (otw_cur_left(c) < n)
		return false;
	c->p += n;
	return true;
}

/* Look at the byte at offset off without moving. */
static inline bool otw_cur_peek_u8(const struct otw_cur *c, size_t off, uint8_t *v)
{
	if (otw_cur_left(c) <= off)
		return false;
	*v = c->p[off];
	return true;
}

static inline bool otw_cur_peek_u16be(const struct otw_cur *c, size_t off, uint16_t *v)
{
	if (otw_cur_left(c) < 2 || otw_cur_left(c) - 2 < off)
		return false;
	*v = (uint16_t)((unsigned)c->p[off] << 8 | c->p[off + 1]);
	return true;
}

/* Carve the next n bytes into *sub (a length-prefixed PDU) and move past them. */
static inline bool otw_cur_sub(struct otw_cur *c, size_t n, struct otw_cur *sub)
{
	if (otw_cur_left(c) < n)
		return false;
	sub->p = c->p;
	sub->end = c->p + n;
	c->p += n;
	return true;
}

/* Shrink the readable end to n bytes from here (e.g. IP total length). */
static inline bool otw_cur_limit(struct otw_cur *c, size_t n)
{
	if (otw_cur_left(c) < n)
		return false;
	c->end = c->p + n;
	return true;
}

#endif
