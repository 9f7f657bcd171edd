/* A small BER (ITU-T X.690) reader for the ISO upper layers and MMS: tag,
 * definite length, value carved as a sub-cursor. Indefinite lengths (not
 * used by MMS stacks in practice) are refused. */
#include "iso_int.h"

bool otw_ber_tag(struct otw_cur *c, uint8_t *id, uint32_t *num)
{
	struct otw_cur s = *c;
	uint8_t b;
	uint32_t n;

	if (!otw_cur_u8(&s, &b))
		return false;
	n = b & 0x1fu;
	if (n == 0x1f) { /* high tag number: base-128, at most 4 octets */
		n = 0;
		for (int i = 0;; i++) {
			uint8_t nb;
			if (i == 4 || !otw_cur_u8(&s, &nb))
				return false;
			n = n << 7 | (nb & 0x7fu);
			if ((nb & 0x80) == 0)
				break;
		}
	}
	*id = b;
	*num = n;
	*c = s;
	return true;
}

bool otw_ber_next(struct otw_cur *c, struct otw_ber *t, bool lenient)
{
	struct otw_cur s = *c;
	uint8_t b, lb;
	uint32_t num, len = 0;

	if (!otw_ber_tag(&s, &b, &num))
		return false;
	if (!otw_cur_u8(&s, &lb))
		return false;
	if (lb < 0x80) {
		len = lb;
	} else {
		unsigned n = lb & 0x7fu;
		if (n == 0 || n > 4) /* indefinite or absurd */
			return false;
		for (unsigned i = 0; i < n; i++) {
			uint8_t x;
			if (!otw_cur_u8(&s, &x))
				return false;
			len = len << 8 | x;
		}
	}
	t->id = b;
	t->num = num;
	t->cut = false;
	if (!otw_cur_sub(&s, len, &t->v)) {
		if (!lenient)
			return false;
		t->v = s;
		t->cut = true;
		s.p = s.end;
	}
	*c = s;
	return true;
}

bool otw_ber_find(struct otw_cur c, uint8_t id, struct otw_ber *t,
		  bool lenient)
{
	while (otw_cur_left(&c) > 0) {
		if (!otw_ber_next(&c, t, lenient))
			return false;
		if (t->id == id)
			return true;
	}
	return false;
}

bool otw_ber_uint(struct otw_cur v, uint32_t *out)
{
	uint32_t r = 0;
	size_t n = otw_cur_left(&v);
	uint8_t b;

	if (n == 0)
		return false;
	while (n > 4 && otw_cur_peek_u8(&v, 0, &b) && b == 0) {
		(void)otw_cur_skip(&v, 1);
		n--;
	}
	if (n > 4)
		return false;
	while (otw_cur_u8(&v, &b))
		r = r << 8 | b;
	*out = r;
	return true;
}
