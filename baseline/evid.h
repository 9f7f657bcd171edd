/* Alert evidence: which recent frames belong to an alert, and where its
 * pcap lives (<dir>/<alert id>.pcap, written once when the alert is
 * raised). Frames come from an otw_pktring: in-process for `otwatch
 * analyze`, from each worker over NNG for otw-baseline. */
#ifndef OTW_EVID_H
#define OTW_EVID_H

#include <stddef.h>
#include <stdint.h>

#include "det.h"
#include "otw_pktring.h"

/* Frames shown for an alert: its endpoints (the MAC for a device alert
 * without an IP), from OTW_EVID_BEFORE_NS before its first packet, the
 * newest OTW_EVID_PKTS of them. */
#define OTW_EVID_BEFORE_NS (60ull * 1000000000ull)
#define OTW_EVID_PKTS 64
#define OTW_EVID_BYTES OTW_PKTRING_PCAP_BYTES(OTW_EVID_PKTS)

/* Fill sel for a; false when a names no endpoint (nothing to select). */
bool otw_evid_sel(const struct otw_alert *a, struct otw_pktring_sel *sel);

/* Write the pcap buf[0..len) as <dir>/<id>.pcap through a temporary file
 * and a rename, so a reader never sees half a file. 0 or -errno. */
int otw_evid_write(const char *dir, uint64_t id, const uint8_t *buf,
		   size_t len);

/* Merge the pcap records of src[0..slen) (another worker's extract) into
 * dst (a pcap of len bytes, capacity cap), keeping time order and at most
 * OTW_EVID_PKTS records (the newest). Returns the new length. */
size_t otw_evid_merge(uint8_t *dst, size_t len, size_t cap, const uint8_t *src,
		      size_t slen);

#endif
