/* Application protocol ids: they cross process boundaries (events, store),
 * so values are fixed forever; add new ones at the end. */
#ifndef OTW_APP_H
#define OTW_APP_H

#include <stdint.h>

#define OTW_APP_MAP(X)              \
	X(UNKNOWN, 0, "unknown")    \
	X(MODBUS, 1, "modbus")      \
	X(DNP3, 2, "dnp3")          \
	X(S7COMM, 3, "s7comm")      \
	X(ENIP, 4, "enip")          \
	X(BACNET, 5, "bacnet")      \
	X(IEC104, 6, "iec104")      \
	X(MMS, 7, "mms")            \
	X(GOOSE, 8, "goose")        \
	X(OPCUA, 9, "opcua")        \
	X(PROFINET, 10, "profinet") \
	X(ARP, 11, "arp")           \
	X(DHCP, 12, "dhcp")         \
	X(DNS, 13, "dns")           \
	X(LLDP, 14, "lldp")         \
	X(CDP, 15, "cdp")           \
	X(HTTP, 16, "http")         \
	X(TLS, 17, "tls")           \
	X(ICMP, 18, "icmp")         \
	X(S7COMMPLUS, 19, "s7comm-plus") \
	X(SV, 20, "sv")             \
	X(ETHERCAT, 21, "ethercat") \
	X(ENIP_IO, 22, "enip-io")   \
	X(PNIO_CM, 23, "pnio-cm")   \
	X(SNMP, 24, "snmp")         \
	X(SSH, 25, "ssh")           \
	X(SMB, 26, "smb")           \
	X(NTP, 27, "ntp")           \
	X(FTP, 28, "ftp")           \
	X(TELNET, 29, "telnet")     \
	X(RDP, 30, "rdp")           \
	X(VNC, 31, "vnc")           \
	X(SYSLOG, 32, "syslog")     \
	X(MDNS, 33, "mdns")         \
	X(NBNS, 34, "nbns")         \
	X(LLMNR, 35, "llmnr")       \
	X(SSDP, 36, "ssdp")         \
	X(STP, 37, "stp")           \
	X(DHCPV6, 38, "dhcpv6")     \
	X(UMAS, 39, "umas")

enum otw_app {
#define OTW_APP_ENUM(name, val, str) OTW_APP_##name = (val),
	OTW_APP_MAP(OTW_APP_ENUM)
#undef OTW_APP_ENUM
	OTW_APP__COUNT
};

/* Short lower-case name ("modbus"); "unknown" for ids out of range. */
const char *otw_app_name(unsigned app);
/* Name of an identity fact key (enum otw_attr, "firmware"); NULL if none. */
const char *otw_attr_name(unsigned key);

#endif
