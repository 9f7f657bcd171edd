/* otw_err: one error table for the whole project. Functions return 0 on
 * success or a negative code: -errno, or an OTW_E* below -1000. */
#ifndef OTW_ERR_H
#define OTW_ERR_H

#define OTW_ERRNO_MAP(X)                                                    \
	X(ESTORE, -1001, "store (LMDB) error")                              \
	X(ESCHEMA, -1002, "store schema version mismatch")                  \
	X(ENOTPCAP, -1003, "not a pcap or pcapng file")                     \
	X(EIPC, -1004, "IPC (NNG) error")                                   \
	X(EDPDK, -1005, "DPDK error")                                       \
	X(ECODEC, -1006, "malformed event batch")                           \
	X(EVERSION, -1007, "unsupported event batch version")               \
	X(EFULL, -1008, "table full")                                       \
	X(ENOTFOUND, -1009, "not found")                                    \
	X(EUSAGE, -1010, "bad command-line usage")                          \
	X(ECONF, -1011, "bad configuration")                                \
	X(ECRYPTO, -1012, "cryptography (OpenSSL) error")                   \
	X(EHTTP, -1013, "web server error")

enum {
#define OTW_ERR_ENUM(name, val, msg) OTW_##name = (val),
	OTW_ERRNO_MAP(OTW_ERR_ENUM)
#undef OTW_ERR_ENUM
};

/* Text for any code returned by an otw_ function (negative errno included).
 * Never NULL; the string is static. */
const char *otw_strerror(int err);

#endif
