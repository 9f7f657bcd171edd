/* Private interface of the ISO-on-TCP plug-in (iso.c) and its helpers:
 * S7comm (s7comm.c), S7comm-plus (s7plus.c), the OSI upper layers and MMS
 * (mms.c) and a small BER reader (asn1.c). Not part of the plug-in API. */
#ifndef OTW_ISO_INT_H
#define OTW_ISO_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "registry.h"

/* Per-flow state of the plug-in (OTW_APP_STATE_BYTES). The protocol above
 * COTP never changes within one connection, so S7comm and MMS share the
 * tail of it. */
struct iso_state {
	uint8_t flags;      /* ISO_F_* */
	uint8_t pad[11];
	union {
		struct {    /* S7comm: last two jobs, to key their acks */
			struct {
				uint8_t ref[2];  /* PDU reference */
				uint8_t func[2]; /* op func, big-endian */
				uint8_t unit;    /* area */
			} job[2];
			uint8_t next;
			uint8_t pad[1];
		} s7;
		struct {    /* MMS: last confirmed request, to key errors */
			uint8_t invoke[4]; /* invokeID, big-endian */
			uint8_t service;
			uint8_t gnl_domains; /* it is a getNameList of domains */
			uint8_t pad[6];
		} mms;
	} u;
};
_Static_assert(sizeof(struct iso_state) == OTW_APP_STATE_BYTES, "state layout");

#define ISO_F_FRAG0 0x01  /* a COTP DT with EOT=0 was seen client->server */
#define ISO_F_FRAG1 0x02  /* ... server->client */
#define ISO_F_ROLE 0x04   /* the server's role fact was sent */
#define ISO_F_SPC0 0x08   /* S7comm-plus PDU continues (no trailer), c->s */
#define ISO_F_SPC1 0x10   /* ... s->c */

/* Upper-layer parsers. pdu covers the COTP DT user data (cut short when
 * partial: the TPKT continues in a later segment, or EOT=0); they report
 * ops/attrs and return OTW_OK, or OTW_MALFORMED for a PDU that breaks its
 * own rules within the bytes present. */
enum otw_verdict otw_iso_s7(struct otw_cur *pdu, struct otw_dctx *x,
			    struct iso_state *st, bool partial);
enum otw_verdict otw_iso_s7plus(struct otw_cur *pdu, struct otw_dctx *x,
				struct iso_state *st, bool partial);
enum otw_verdict otw_iso_osi(struct otw_cur *pdu, struct otw_dctx *x,
			     struct iso_state *st, bool partial);
/* MMS PDU directly (some captures put it straight on COTP). */
enum otw_verdict otw_iso_mms(struct otw_cur *pdu, struct otw_dctx *x,
			     struct iso_state *st, bool partial);

const char *otw_iso_s7_name(unsigned func, const char **cat);
const char *otw_iso_s7plus_name(unsigned func, const char **cat);
const char *otw_iso_mms_name(unsigned func, const char **cat);

/* BER (X.690) reader over otw_cur: definite lengths only. */
struct otw_ber {
	uint8_t id;        /* first identifier octet: class | constructed bits */
	uint32_t num;      /* tag number (high-tag-number form decoded) */
	struct otw_cur v;  /* the value */
	bool cut;          /* value shorter than its length says (lenient) */
};
#define BER_CLS(id) ((uint8_t)((id) & 0xe0))  /* class + constructed */
/* Read just an identifier (class/constructed octet and tag number). */
bool otw_ber_tag(struct otw_cur *c, uint8_t *id, uint32_t *num);
/* Read one TLV from *c. lenient: a value running past the end of c is cut
 * to what is there (t->cut) instead of failing. */
bool otw_ber_next(struct otw_cur *c, struct otw_ber *t, bool lenient);
/* First TLV among the siblings in c whose first identifier octet is id
 * (low tag numbers only) into *t. */
bool otw_ber_find(struct otw_cur c, uint8_t id, struct otw_ber *t,
		  bool lenient);
/* Unsigned INTEGER content (up to 4 octets after leading zeros). */
bool otw_ber_uint(struct otw_cur v, uint32_t *out);

/* Report a text fact, trimmed of leading/trailing spaces and NULs. */
void otw_iso_attr(const struct otw_dctx *x, bool of_src, unsigned key,
		  const uint8_t *s, size_t n);

#endif
