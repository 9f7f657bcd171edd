/* bench_pktring FILE.pcap: what keeping alert evidence costs a worker per
 * packet. Loads the capture into memory, then pushes every frame into an
 * otw_pktring (default 16,384 slots) for at least 2 s of CPU time and
 * prints ns per packet; then times one extraction over the full ring. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "otw_pkt.h"
#include "otw_pktring.h"

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t n = 0, cap = 1 << 20, bytes = 0;
	uint8_t **fr;
	uint32_t *len;
	struct otw_pktring *r;
	static uint8_t out[OTW_PKTRING_PCAP_BYTES(OTW_PKTRING_MAX_PKTS)];
	pcap_t *pc;

	if (argc < 2 || (pc = pcap_open_offline(argv[1], err)) == NULL) {
		fprintf(stderr, "usage: bench_pktring FILE.pcap\n");
		return 2;
	}
	fr = malloc(cap * sizeof(*fr));
	len = malloc(cap * sizeof(*len));
	while (n < cap && pcap_next_ex(pc, &h, &d) == 1) {
		fr[n] = malloc(h->caplen);
		memcpy(fr[n], d, h->caplen);
		len[n] = h->caplen;
		bytes += h->caplen;
		n++;
	}
	pcap_close(pc);
	if (n == 0 || otw_pktring_create(0, &r) != 0)
		return 1;
	double t0 = cpu_s(), t;
	uint64_t pushed = 0;
	do {
		for (size_t i = 0; i < n; i++)
			otw_pktring_push(r, pushed + i, fr[i], len[i], len[i]);
		pushed += n;
	} while ((t = cpu_s() - t0) < 2.0);
	printf("pktring push: %zu frames (%.0f B avg), %.2f ns/packet, %.1f Mpkt/s\n",
	       n, (double)bytes / (double)n, t * 1e9 / (double)pushed,
	       (double)pushed / t / 1e6);
	{
		struct otw_pktring_sel sel = { .max = 64 };
		struct otw_pkt p;
		size_t olen;
		if (otw_pkt_decode(fr[n - 1], len[n - 1], &p))
			sel.a = p.src;
		t0 = cpu_s();
		int k = otw_pktring_extract(r, &sel, out, sizeof(out), &olen);
		printf("pktring extract over the full ring: %d packets, %.2f ms\n",
		       k, (cpu_s() - t0) * 1e3);
	}
	otw_pktring_destroy(r);
	return 0;
}
