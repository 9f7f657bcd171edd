/* Test helper: build Ethernet/IPv4/TCP/UDP frames byte by byte. */
#ifndef OTW_TEST_PKTBUILD_H
#define OTW_TEST_PKTBUILD_H

#include <stdint.h>
#include <string.h>

struct pb {
	uint8_t b[2048];
	size_t n;
};

static inline void pb_bytes(struct pb *p, const void *d, size_t n)
{
	memcpy(p->b + p->n, d, n);
	p->n += n;
}
static inline void pb_u8(struct pb *p, uint8_t v) { p->b[p->n++] = v; }
static inline void pb_u16(struct pb *p, uint16_t v)
{
	pb_u8(p, (uint8_t)(v >> 8));
	pb_u8(p, (uint8_t)v);
}
static inline void pb_u32(struct pb *p, uint32_t v)
{
	pb_u16(p, (uint16_t)(v >> 16));
	pb_u16(p, (uint16_t)v);
}

static inline void pb_eth(struct pb *p, const uint8_t dst[6], const uint8_t src[6],
			  uint16_t et)
{
	pb_bytes(p, dst, 6);
	pb_bytes(p, src, 6);
	pb_u16(p, et);
}

/* IPv4 header with total length covering l4len bytes after it. */
static inline void pb_ipv4(struct pb *p, uint32_t src, uint32_t dst, uint8_t proto,
			   size_t l4len)
{
	pb_u8(p, 0x45);
	pb_u8(p, 0);
	pb_u16(p, (uint16_t)(20 + l4len));
	pb_u32(p, 0);
	pb_u8(p, 64);
	pb_u8(p, proto);
	pb_u16(p, 0);
	pb_u32(p, src);
	pb_u32(p, dst);
}

static inline void pb_tcp_seq(struct pb *p, uint16_t sp, uint16_t dp,
			      uint32_t seq, uint8_t flags)
{
	pb_u16(p, sp);
	pb_u16(p, dp);
	pb_u32(p, seq);
	pb_u32(p, 0);
	pb_u8(p, 5 << 4);
	pb_u8(p, flags);
	pb_u16(p, 8192);
	pb_u32(p, 0);
}

static inline void pb_tcp(struct pb *p, uint16_t sp, uint16_t dp, uint8_t flags)
{
	pb_tcp_seq(p, sp, dp, 1, flags);
}

static inline void pb_udp(struct pb *p, uint16_t sp, uint16_t dp, size_t paylen)
{
	pb_u16(p, sp);
	pb_u16(p, dp);
	pb_u16(p, (uint16_t)(8 + paylen));
	pb_u16(p, 0);
}

/* A full Ethernet/IPv4/TCP frame with payload. */
static inline void pb_tcp_frame_seq(struct pb *p, const uint8_t smac[6],
				    const uint8_t dmac[6], uint32_t sip, uint32_t dip,
				    uint16_t sp, uint16_t dp, uint32_t seq,
				    uint8_t flags, const void *pay, size_t paylen)
{
	p->n = 0;
	pb_eth(p, dmac, smac, 0x0800);
	pb_ipv4(p, sip, dip, 6, 20 + paylen);
	pb_tcp_seq(p, sp, dp, seq, flags);
	if (paylen)
		pb_bytes(p, pay, paylen);
}

static inline void pb_tcp_frame(struct pb *p, const uint8_t smac[6], const uint8_t dmac[6],
				uint32_t sip, uint32_t dip, uint16_t sp, uint16_t dp,
				uint8_t flags, const void *pay, size_t paylen)
{
	pb_tcp_frame_seq(p, smac, dmac, sip, dip, sp, dp, 1, flags, pay, paylen);
}

/* CRC-16/DNP (IEEE 1815 §9.2.6), bit by bit: independent of the
 * plug-in's table. */
static inline uint16_t pb_dnp3_crc(const uint8_t *p, size_t n)
{
	uint16_t c = 0;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int b = 0; b < 8; b++)
			c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xa6bc) : (uint16_t)(c >> 1);
	}
	return (uint16_t)~c;
}

/* DNP3 link frame with user data ud (transport header included), CRCs
 * after the header and every 16-octet block. Returns its size. */
static inline size_t pb_dnp3_frame(uint8_t *out, uint8_t ctrl, uint16_t dst,
				   uint16_t src, const uint8_t *ud, size_t n)
{
	size_t o = 0;
	uint16_t c;
	out[o++] = 0x05;
	out[o++] = 0x64;
	out[o++] = (uint8_t)(5 + n);
	out[o++] = ctrl;
	out[o++] = (uint8_t)dst;
	out[o++] = (uint8_t)(dst >> 8);
	out[o++] = (uint8_t)src;
	out[o++] = (uint8_t)(src >> 8);
	c = pb_dnp3_crc(out, 8);
	out[o++] = (uint8_t)c;
	out[o++] = (uint8_t)(c >> 8);
	for (size_t i = 0; i < n; i += 16) {
		size_t b = n - i < 16 ? n - i : 16;
		memcpy(out + o, ud + i, b);
		c = pb_dnp3_crc(ud + i, b);
		o += b;
		out[o++] = (uint8_t)c;
		out[o++] = (uint8_t)(c >> 8);
	}
	return o;
}

#endif
