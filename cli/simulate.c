/* otwatch simulate: write a deterministic capture of a small plant
 * (3 Modbus/TCP PLCs, 2 HMIs, a historian, an engineering station, IT
 * background; a DNP3 RTU, an S7-300, an IEC-104 RTU with its SCADA front
 * end, a BACnet controller) whose last ~20% holds an attack, plus its
 * ground truth: Modbus ops under "modbus", the other apps under "ops".
 * The generators live in sim_*.c; this file is the plant: who is there,
 * who talks to whom how often, the attack script, and the truth JSON. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"
#include "det.h"
#include "otw_err.h"
#include "otw_num.h"
#include "sim.h"

#define NET(h) (0xc0a80a00u | (h)) /* 192.168.10.0/24 */
#define T0 (1709539200ull * SIM_S) /* 2024-03-04 08:00:00 UTC */
#define DEFAULT_PACKETS 20000

enum { H_GW, H_DHCP, H_DNS, H_PLC1, H_PLC2, H_PLC3, H_HMI1, H_HMI2, H_HIST,
       H_ENG, H_RTU1, H_S7, H_RTU2, H_BAC, H_SCADA, H_LGX, H_ADP, H_OPC,
       H_IED, H_PND, H_SW, H_ATK, H__COUNT };

/* Real OUIs so vendor lookup in a monitor has something to find. */
static const struct sim_host plant_hosts[H__COUNT] = {
	[H_GW] = { "gw", "gateway", "Cisco", { 0x00, 0x00, 0x0c, 0x9f, 0x10, 0x01 },
		   NET(1), 0, 255, 0, false },
	[H_DHCP] = { "dc01", "dhcp-server", "Dell", { 0x00, 0x14, 0x22, 0x3a, 0x10, 0x02 },
		     NET(2), 0, 128, 0, false },
	[H_DNS] = { "ns01", "dns-server", "Hewlett Packard", { 0x00, 0x17, 0xa4, 0x3b, 0x10, 0x03 },
		    NET(3), 0, 64, 0, false },
	[H_PLC1] = { "plc-pump", "plc", "Schneider Electric", { 0x00, 0x00, 0x54, 0x0c, 0x21, 0x11 },
		     NET(11), 1, 64, 0, false },
	[H_PLC2] = { "plc-boiler", "plc", "Siemens", { 0x00, 0x1b, 0x1b, 0x5e, 0x44, 0x12 },
		     NET(12), 2, 30, 0, false },
	[H_PLC3] = { "plc-conveyor", "plc", "Rockwell Automation", { 0x00, 0x00, 0xbc, 0x61, 0x0c, 0x13 },
		     NET(13), 3, 64, 0, false },
	[H_HMI1] = { "hmi-01", "hmi", "Dell", { 0xd4, 0xbe, 0xd9, 0x71, 0x10, 0x21 },
		     NET(21), 0, 128, 0, false },
	[H_HMI2] = { "hmi-02", "hmi", "Hewlett Packard", { 0x3c, 0xa8, 0x2a, 0x72, 0x10, 0x22 },
		     NET(22), 0, 128, 0, false },
	[H_HIST] = { "historian", "historian", "Dell", { 0xf0, 0x1f, 0xaf, 0x73, 0x10, 0x31 },
		     NET(31), 0, 128, 0, false },
	[H_ENG] = { "ews-01", "engineering", "Intel", { 0x00, 0x1e, 0x67, 0x74, 0x10, 0x41 },
		    NET(41), 0, 128, 0, false },
	/* substation and building side: a DNP3 outstation (address 10), an
	 * S7-300, an IEC-104 RTU (common address 1), a BACnet controller
	 * (device 1001) */
	[H_RTU1] = { "rtu-feeder", "rtu", "Schweitzer Engineering Laboratories",
		     { 0x00, 0x30, 0xa7, 0x1a, 0x2b, 0x51 }, NET(51), 0, 64, 0, false },
	[H_S7] = { "plc-s7-mixer", "plc", "Siemens", { 0x00, 0x0e, 0x8c, 0x8a, 0x3c, 0x14 },
		   NET(14), 0, 30, 0, false },
	[H_RTU2] = { "rtu-substation", "rtu", "Hitachi Energy", { 0x00, 0x02, 0xa3, 0x4e, 0x21, 0x52 },
		     NET(52), 0, 64, 0, false },
	[H_BAC] = { "bms-ahu-01", "plc", "Johnson Controls", { 0x00, 0x40, 0x84, 0x2c, 0x7d, 0x61 },
		    NET(61), 0, 64, 0, false },
	/* the substation's SCADA front end: IEC-104 controlling station */
	[H_SCADA] = { "scada-01", "scada", "Dell", { 0x18, 0x66, 0xda, 0x5c, 0x10, 0x25 },
		      NET(25), 0, 128, 0, false },
	/* EtherNet/IP cell: a ControlLogix and its POINT I/O adapter; an
	 * OPC UA server (KEPServerEX); an IEC 61850 protection IED; the
	 * S7-300's PROFINET IO-device; the cell's managed switch */
	[H_LGX] = { "plc-logix-packer", "plc", "Rockwell Automation",
		    { 0x00, 0x1d, 0x9c, 0xc4, 0x1a, 0x15 }, NET(15), 0, 64, 0, false },
	[H_ADP] = { "io-packer-01", "io", "Rockwell Automation",
		    { 0x00, 0x00, 0xbc, 0x3e, 0x77, 0x16 }, NET(16), 0, 64, 0, false },
	[H_OPC] = { "scada-opc-01", "scada", "Hewlett Packard",
		    { 0x00, 0x17, 0xa4, 0x3c, 0x10, 0x26 }, NET(26), 0, 128, 0, false },
	[H_IED] = { "ied-bay-01", "ied", "ABB", { 0x00, 0x21, 0xc1, 0x52, 0x0b, 0x71 },
		    NET(71), 0, 64, 0, false },
	[H_PND] = { "et200sp-mixer", "io", "Siemens", { 0x00, 0x1b, 0x1b, 0x7a, 0x31, 0x17 },
		    NET(17), 0, 64, 0, false },
	[H_SW] = { "sw-cell-01", "switch", "Hirschmann", { 0x00, 0x80, 0x63, 0x9a, 0x42, 0x05 },
		   NET(5), 0, 64, 0, false },
	[H_ATK] = { "attacker", "attacker", "Raspberry Pi Foundation",
		    { 0xb8, 0x27, 0xeb, 0x6d, 0x5a, 0x66 }, NET(66), 0, 64, 0, true },
};

/* What the new devices say about themselves (truth: model, firmware). */
static const struct sim_cip_id lgx_id = { 1, 0x0e, 166, 32, 11, 0x60c3a1f2u,
	"1756-L83E/B LOGIX5583E" };
static const struct sim_cip_id adp_id = { 1, 0x07, 142, 5, 17, 0x40a51c07u,
	"1734-AENT/B" };
static const struct sim_ua_server opc_sv = {
	"urn:scada-opc-01:Kepware.KEPServerEX.V6:UA%20Server",
	"urn:kepware.com:KEPServerEX", "KEPServerEX/UA@scada-opc-01" };
static const struct sim_ied ied_bay = { "ABB", "REF615", "5.0.3",
	{ "BAY01CTRL", "BAY01MEAS" }, "BAY01CTRL/LLN0$GO$gcbTrip",
	"BAY01CTRL/LLN0$dsTrip", "BAY01_TRIP", 0x3001 };
static const struct sim_pn_dev pn_dev = { "et200sp-mixer", "ET 200SP", 0x002a,
	0x0313 };
static const struct sim_switch sw_cell = {
	"Hirschmann Railswitch RSP35 HiOS-3S-08.7.02",
	"1.3.6.1.4.1.248.11.2.1.1" };

/* Per host: the identity its protocols state (NULL = not stated): model
 * (CIP product name, MMS modelName, DCP type of station), product code
 * (CIP product code, DCP device id, OPC UA ProductUri, SNMP sysObjectID)
 * and firmware (CIP revision, MMS revision). */
static const struct { int h; const char *model, *product_code, *firmware; }
host_ident[] = {
	{ H_LGX, "1756-L83E/B LOGIX5583E", "166", "32.11" },
	{ H_ADP, "1734-AENT/B", "142", "5.17" },
	{ H_OPC, NULL, "urn:kepware.com:KEPServerEX", NULL },
	{ H_IED, "REF615", NULL, "5.0.3" },
	{ H_PND, "ET 200SP", "0x0313", NULL },
	{ H_SW, NULL, "1.3.6.1.4.1.248.11.2.1.1", NULL },
};

/* ---- engineering station: now and then reads a whole PLC, then leaves -- */

struct eng_session {
	struct sim_task task;
	struct sim_host *eng, *dns, **plcs;
	size_t n_plcs, i;
	uint16_t tid;
};

static void eng_step(struct sim *s, struct sim_task *task)
{
	static const struct { uint8_t f; uint16_t addr, qty; } reads[] = {
		{ 3, 0, 100 }, { 3, 100, 100 }, { 4, 0, 50 }, { 1, 0, 64 },
		{ 2, 0, 64 },
	};
	struct eng_session *e = sim_container_of(task, struct eng_session, task);
	struct sim_host *plc = e->plcs[e->i++ % e->n_plcs];
	struct sim_tcp c = { 0 };
	char name[64];
	uint8_t pdu[260];
	uint64_t t = sim_now(s);

	snprintf(name, sizeof(name), "%s.plant.local", plc->name);
	t = sim_dns_lookup(s, e->eng, e->dns, name, plc->ip, t);
	t = sim_tcp_open(s, &c, e->eng, plc, 502, t + sim_range(s, 1, 5) * SIM_MS);
	for (size_t r = 0; r < sizeof(reads) / sizeof(reads[0]); r++) {
		size_t len = sim_modbus_req(s, pdu, reads[r].f, reads[r].addr,
					    reads[r].qty);
		t = sim_modbus_xact(s, &c, t + sim_range(s, 2, 40) * SIM_MS,
				    e->tid++, plc->unit, pdu, len, 3);
		t = sim_tcp_ack(s, &c, true, t + 40 * SIM_MS);
	}
	sim_tcp_close(s, &c, true, t + sim_range(s, 100, 2000) * SIM_MS);
	task->next = t + sim_range(s, 600, 1200) * SIM_S;
}

/* ---- attacker: ARP sweep, SYN scan, Modbus writes, FC 8 restart -------- */

static const uint16_t scan_ports[] = { 21, 22, 23, 25, 53, 80, 102, 135, 139,
	161, 443, 445, 502, 1911, 2222, 2404, 4840, 5007, 8080, 9600, 20000,
	44818, 47808 };

/* What each PLC listens on (besides 502): web server + its native
 * protocol, as the real products do. */
static bool plc_open(const struct sim_host *plc, uint16_t port)
{
	switch (port) {
	case 502:
	case 80:
		return true;
	case 102: /* ISO-TSAP / S7comm */
		return plc->ip == NET(12);
	case 44818: /* EtherNet/IP */
		return plc->ip == NET(13);
	case 21:
		return plc->ip == NET(11);
	default:
		return false;
	}
}

enum atk_stage { ATK_SWEEP, ATK_SCAN, ATK_WRITE, ATK_RESTART, ATK_DNP3,
		 ATK_S7, ATK_IEC104, ATK_BACNET, ATK_ENIP, ATK_OPCUA, ATK_MMS,
		 ATK_GOOSE, ATK_PN, ATK_ARP, ATK_DONE };

struct attack {
	struct sim_task task;
	struct sim_host *me, *hosts;
	size_t n_hosts;
	struct sim_host *plcs[3];
	struct sim_host *rtu1, *s7, *rtu2, *bac, *lgx, *opc, *ied, *pnd, *hmi;
	const struct sim_goose_pub *goose; /* the IED's, to outrun its stNum */
	enum atk_stage stage;
	uint32_t i;
	uint16_t sport;
	uint16_t order[3 * sizeof(scan_ports) / sizeof(scan_ports[0])];
	uint64_t start, stage_at[ATK_DONE];
	uint16_t tid;
};

static struct sim_host *host_by_ip(struct attack *a, uint32_t ip)
{
	for (size_t i = 0; i < a->n_hosts; i++)
		if (a->hosts[i].ip == ip && !a->hosts[i].attacker)
			return &a->hosts[i];
	return NULL;
}

static uint64_t atk_modbus(struct sim *s, struct attack *a, struct sim_tcp *c,
			   uint64_t t, uint8_t func, uint16_t addr, uint16_t qty)
{
	uint8_t pdu[260];
	size_t len = sim_modbus_req(s, pdu, func, addr, qty);

	t = sim_modbus_xact(s, c, t, a->tid++, c->srv->unit, pdu, len, 0);
	return sim_tcp_ack(s, c, true, t + sim_range(s, 1, 5) * SIM_MS);
}

static void attack_step(struct sim *s, struct sim_task *task)
{
	struct attack *a = sim_container_of(task, struct attack, task);
	const uint32_t n_probe = (uint32_t)(sizeof(a->order) / sizeof(a->order[0]));
	uint64_t t = sim_now(s);
	struct sim_tcp c = { 0 };

	if (a->start == 0)
		a->start = t;
	sim_set_attack(s, true);
	switch (a->stage) {
	case ATK_SWEEP: /* who-has every address of the /24, nmap -sn style */
		if (a->i == 0)
			a->stage_at[ATK_SWEEP] = t;
		if (NET(a->i + 1) != a->me->ip)
			sim_arp_resolve(s, a->me, host_by_ip(a, NET(a->i + 1)),
					NET(a->i + 1), t);
		if (++a->i < 254) {
			task->next = t + sim_range(s, 1000, 3000) * SIM_US;
			break;
		}
		a->stage = ATK_SCAN;
		a->i = 0;
		a->sport = (uint16_t)sim_range(s, 40000, 65000);
		for (uint32_t k = 0; k < n_probe; k++) /* nmap shuffles ports */
			a->order[k] = (uint16_t)k;
		for (uint32_t k = n_probe - 1; k > 0; k--) {
			uint32_t j = (uint32_t)sim_range(s, 0, k);
			uint16_t x = a->order[k];
			a->order[k] = a->order[j];
			a->order[j] = x;
		}
		task->next = t + sim_range(s, 5, 10) * SIM_S;
		break;
	case ATK_SCAN: { /* half-open SYN scan (nmap -sS) of the PLCs */
		const size_t np = sizeof(scan_ports) / sizeof(scan_ports[0]);
		struct sim_host *plc = a->plcs[a->order[a->i] / np];
		uint16_t port = scan_ports[a->order[a->i] % np];
		struct sim_ep me = sim_ep(a->me, a->sport), them = sim_ep(plc, port);
		uint32_t seq = (uint32_t)sim_rand(s);

		if (a->i == 0)
			a->stage_at[ATK_SCAN] = t;
		sim_send_tcp(s, t, me, them, seq, 0, SIM_SYN, NULL, 0);
		t += sim_range(s, 100, 400) * SIM_US;
		if (plc_open(plc, port)) {
			uint32_t sseq = (uint32_t)sim_rand(s);
			sim_send_tcp(s, t, them, me, sseq, seq + 1,
				     SIM_SYN | SIM_ACK, NULL, 0);
			t += sim_range(s, 50, 200) * SIM_US;
			sim_send_tcp(s, t, me, them, seq + 1, 0, SIM_RST, NULL, 0);
		} else {
			sim_send_tcp(s, t, them, me, 0, seq + 1,
				     SIM_RST | SIM_ACK, NULL, 0);
		}
		if (++a->i < n_probe) {
			task->next = t + sim_range(s, 500, 2000) * SIM_US;
			break;
		}
		a->stage = ATK_WRITE;
		task->next = t + sim_range(s, 20, 40) * SIM_S;
		break;
	}
	case ATK_WRITE: /* writes this client never made: FC 16, then FC 5 */
		a->stage_at[ATK_WRITE] = t;
		for (int k = 0; k < 2; k++) {
			struct sim_host *plc = a->plcs[k == 0 ? 0 : 2];
			t = sim_tcp_open(s, &c, a->me, plc, 502, t);
			t = atk_modbus(s, a, &c, t + 5 * SIM_MS, 3, 0, 10);
			t = atk_modbus(s, a, &c, t + 200 * SIM_MS, 16, 0, 10);
			t = atk_modbus(s, a, &c, t + 200 * SIM_MS, 5, 0, 1);
			t = sim_tcp_close(s, &c, true, t + 50 * SIM_MS);
			t += sim_range(s, 2, 5) * SIM_S;
		}
		a->stage = ATK_RESTART;
		task->next = t + sim_range(s, 10, 20) * SIM_S;
		break;
	case ATK_RESTART: /* FC 8 sub-function 1: restart communications */
		a->stage_at[ATK_RESTART] = t;
		t = sim_tcp_open(s, &c, a->me, a->plcs[1], 502, t);
		t = atk_modbus(s, a, &c, t + 5 * SIM_MS, 8, 0x0001, 0x0000);
		t = sim_tcp_close(s, &c, true, t + 50 * SIM_MS);
		a->stage = ATK_DNP3;
		task->next = t + sim_range(s, 2, 5) * SIM_S;
		break;
	case ATK_DNP3: { /* DNP3 cold restart (function 13), address 10 */
		uint8_t seq = (uint8_t)sim_range(s, 0, 15);
		a->stage_at[ATK_DNP3] = t;
		t = sim_tcp_open(s, &c, a->me, a->rtu1, 20000, t);
		t = sim_dnp3_xact(s, &c, 3, 10, &seq, 13, NULL, 0,
				  t + 5 * SIM_MS);
		t = sim_tcp_close(s, &c, true, t + 50 * SIM_MS);
		a->stage = ATK_S7;
		task->next = t + sim_range(s, 2, 5) * SIM_S;
		break;
	}
	case ATK_S7: { /* S7 PLC STOP (function 0x29) */
		uint16_t ref = (uint16_t)sim_range(s, 1, 0x7fff);
		a->stage_at[ATK_S7] = t;
		t = sim_s7_connect(s, &c, a->me, a->s7, &ref, t);
		t = sim_s7_stop(s, &c, &ref, t + 50 * SIM_MS);
		t = sim_tcp_close(s, &c, true, t + 50 * SIM_MS);
		a->stage = ATK_IEC104;
		task->next = t + sim_range(s, 2, 5) * SIM_S;
		break;
	}
	case ATK_IEC104: /* single command (type 45) as a new master */
		a->stage_at[ATK_IEC104] = t;
		t = sim_iec104_command(s, a->me, a->rtu2, 1, t);
		a->stage = ATK_BACNET;
		task->next = t + sim_range(s, 2, 5) * SIM_S;
		break;
	case ATK_BACNET: /* ReinitializeDevice coldstart */
		a->stage_at[ATK_BACNET] = t;
		t = sim_bacnet_reinit(s, a->me, a->bac, (uint8_t)sim_range(s, 0, 255), t);
		a->stage = ATK_ENIP;
		task->next = t + sim_range(s, 2, 5) * SIM_S;
		break;
	case ATK_ENIP: { /* Logix: Stop (program mode), then a tag write */
		struct sim_buf req;
		uint32_t session;
		a->stage_at[ATK_ENIP] = t;
		t = sim_tcp_open(s, &c, a->me, a->lgx, 44818, t);
		t = sim_enip_register(s, &c, &session, t + 2 * SIM_MS);
		sim_enip_path_req(&req, 0x07, 0x8e, 1, 0);
		t = sim_enip_cip(s, &c, session, &req, NULL, 0, 0x8e,
				 t + 20 * SIM_MS);
		sim_enip_tag_req(&req, 0x4d, "Packer_Speed", 9999);
		t = sim_enip_cip(s, &c, session, &req, NULL, 0, 0,
				 t + 300 * SIM_MS);
		t = sim_tcp_close(s, &c, true, t + 50 * SIM_MS);
		a->stage = ATK_OPCUA;
		task->next = t + sim_range(s, 2, 5) * SIM_S;
		break;
	}
	case ATK_OPCUA: /* a setpoint Write in a new anonymous session */
		a->stage_at[ATK_OPCUA] = t;
		t = sim_opcua_write(s, a->me, a->opc, &opc_sv, t);
		a->stage = ATK_MMS;
		task->next = t + sim_range(s, 2, 5) * SIM_S;
		break;
	case ATK_MMS: { /* associate, identify, operate the breaker */
		uint32_t invoke = 1;
		a->stage_at[ATK_MMS] = t;
		t = sim_mms_connect(s, &c, a->me, a->ied, t);
		t = sim_mms_identify(s, &c, &invoke, &ied_bay, t + 10 * SIM_MS);
		t = sim_mms_write(s, &c, &invoke, &ied_bay, t + 200 * SIM_MS);
		t = sim_tcp_close(s, &c, true, t + 50 * SIM_MS);
		a->stage = ATK_GOOSE;
		task->next = t + sim_range(s, 2, 5) * SIM_S;
		break;
	}
	case ATK_GOOSE: /* spoofed trip: same gocbRef, stNum far ahead */
		a->stage_at[ATK_GOOSE] = t;
		for (uint32_t k = 0; k < 4; k++)
			sim_goose_send(s, a->me->mac, &ied_bay, a->goose->st + 100,
				       k, true, t + (uint64_t)k * 2 * SIM_MS);
		a->stage = ATK_PN;
		task->next = t + sim_range(s, 2, 5) * SIM_S;
		break;
	case ATK_PN: /* DCP Set: rename the IO-device, move its address */
		a->stage_at[ATK_PN] = t;
		sim_pn_dcp_set(s, a->me, a->pnd, "rogue-station", NET(200), NET(1), t);
		a->stage = ATK_ARP;
		a->i = 0;
		task->next = t + sim_range(s, 2, 5) * SIM_S;
		break;
	case ATK_ARP: /* poison the HMI's cache: PLC-pump's IP at our MAC */
		if (a->i == 0)
			a->stage_at[ATK_ARP] = t;
		sim_send_arp(s, t, a->hmi->mac, 2, a->me->mac, a->plcs[0]->ip,
			     a->hmi->mac, a->hmi->ip);
		if (++a->i < 3) {
			task->next = t + 2 * SIM_S;
			break;
		}
		a->stage = ATK_DONE;
		task->next = SIM_NEVER;
		break;
	case ATK_DONE:
		task->next = SIM_NEVER;
		break;
	}
	sim_set_attack(s, false);
}

/* ---- truth ------------------------------------------------------------- */

static const char *ip_s(uint32_t ip, char *b)
{
	sprintf(b, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255, ip >> 8 & 255,
		ip & 255);
	return b;
}

static const char *time_s(uint64_t us, char *b, size_t n)
{
	time_t sec = (time_t)(us / SIM_S);
	struct tm tm;
	size_t k;

	gmtime_r(&sec, &tm);
	k = strftime(b, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(b + k, n - k, ".%06" PRIu64 "Z", us % SIM_S);
	return b;
}

static int op_cmp(const void *x, const void *y)
{
	const struct sim_op *a = x, *b = y;
	if (a->cli != b->cli)
		return a->cli < b->cli ? -1 : 1;
	if (a->srv != b->srv)
		return a->srv < b->srv ? -1 : 1;
	if (a->app != b->app)
		return (int)a->app - (int)b->app;
	if (a->unit != b->unit)
		return a->unit < b->unit ? -1 : 1;
	return (int)a->func - (int)b->func;
}

static const char *const stage_name[ATK_DONE] = {
	"arp_sweep", "syn_scan", "modbus_write_fc16_fc5",
	"modbus_fc8_restart_communications", "dnp3_cold_restart",
	"s7_plc_stop", "iec104_command_new_master", "bacnet_reinitialize",
	"enip_logix_stop_and_write", "opcua_write_new_client", "mms_write",
	"goose_spoofed_publisher", "profinet_dcp_set", "arp_spoof_plc_ip",
};

static const char *const app_name[] = { "modbus", "dnp3", "s7comm",
	"iec104", "bacnet", "enip", "enip-io", "opcua", "mms" };

static const char *op_name(const struct sim_op *o)
{
	switch (o->app) {
	case SIM_APP_DNP3: return sim_dnp3_name(o->func);
	case SIM_APP_S7: return sim_s7_name(o->func);
	case SIM_APP_IEC104: return sim_iec104_name(o->func);
	case SIM_APP_BACNET: return sim_bacnet_name(o->func);
	case SIM_APP_ENIP: return sim_enip_name(o->func);
	case SIM_APP_ENIP_IO: return sim_enip_io_name(o->func);
	case SIM_APP_OPCUA: return sim_opcua_name(o->func);
	case SIM_APP_MMS: return sim_mms_name(o->func);
	default: return sim_modbus_name((uint8_t)o->func);
	}
}

/* One conversation per (client, server, unit) of app, its functions. */
static void write_convs(FILE *f, const struct sim_op *ops, size_t n,
			bool modbus)
{
	char a[16], b[16];
	bool any = false;

	for (size_t i = 0; i < n;) {
		size_t j = i;
		if ((ops[i].app == SIM_APP_MODBUS) != modbus) {
			i++;
			continue;
		}
		fprintf(f, "%s\n    { ", any ? "," : "");
		any = true;
		if (!modbus)
			fprintf(f, "\"app\": \"%s\", ", app_name[ops[i].app]);
		fprintf(f, "\"client\": \"%s\", \"server\": \"%s\", "
			   "\"unit\": %u, \"phase\": \"%s\", \"functions\": [",
			ip_s(ops[i].cli, a), ip_s(ops[i].srv, b), ops[i].unit,
			ops[i].attack ? "attack" : "normal");
		for (; j < n && ops[j].app == ops[i].app &&
		       ops[j].cli == ops[i].cli && ops[j].srv == ops[i].srv &&
		       ops[j].unit == ops[i].unit;
		     j++) {
			fprintf(f, "%s\n        { \"func\": %u, \"name\": \"%s\", "
				   "\"requests\": %" PRIu64, j > i ? "," : "",
				ops[j].func, op_name(&ops[j]), ops[j].requests);
			if (modbus)
				fprintf(f, ", \"exceptions\": %" PRIu64,
					ops[j].exceptions);
			fprintf(f, ", \"first_us\": %" PRIu64 " }", ops[j].first);
		}
		fprintf(f, " ] }");
		i = j;
	}
}

static const char *mac_s(const uint8_t *m, char *b)
{
	sprintf(b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		m[4], m[5]);
	return b;
}

#define T_NEWCLI "New client of an industrial controller"
#define T_STATE "Controller state change (start/stop/restart)"

/* The alerts each step raises in otwatch (baseline/det.c rules, after
 * learning the normal phase): engine, title, app ("" = none), source
 * (the attacker's IP, or its MAC for L2 protocols) and destination. */
static void step_alerts(FILE *f, enum atk_stage k, const struct sim_host *h)
{
	static const struct { enum atk_stage k; const char *engine, *title,
		*app; int dst; bool l2; } tab[] = {
		{ ATK_SCAN, "anomaly", "Port scan detected", "", H_PLC1, false },
		{ ATK_SCAN, "anomaly", "Port scan detected", "", H_PLC2, false },
		{ ATK_SCAN, "anomaly", "Port scan detected", "", H_PLC3, false },
		{ ATK_WRITE, "policy", T_NEWCLI, "modbus", H_PLC1, false },
		{ ATK_WRITE, "policy", T_NEWCLI, "modbus", H_PLC3, false },
		{ ATK_RESTART, "operational", T_STATE, "modbus", H_PLC2, false },
		{ ATK_DNP3, "operational", T_STATE, "dnp3", H_RTU1, false },
		{ ATK_S7, "operational", T_STATE, "s7comm", H_S7, false },
		{ ATK_IEC104, "policy", T_NEWCLI, "iec104", H_RTU2, false },
		{ ATK_BACNET, "operational", T_STATE, "bacnet", H_BAC, false },
		{ ATK_ENIP, "policy", T_NEWCLI, "enip", H_LGX, false },
		{ ATK_ENIP, "operational", T_STATE, "enip", H_LGX, false },
		{ ATK_OPCUA, "policy", T_NEWCLI, "opcua", H_OPC, false },
		{ ATK_MMS, "policy", T_NEWCLI, "mms", H_IED, false },
		/* a second GOOSE publisher of the IED's multicast group */
		{ ATK_GOOSE, "policy", T_NEWCLI, "goose", -1, true },
		{ ATK_PN, "policy", T_NEWCLI, "profinet", H_PND, true },
		{ ATK_ARP, "anomaly", OTW_DET_T_ARP_CONFLICT, "", H_PLC1, true },
	};
	char a[20], b[20];
	bool any = false;

	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (tab[i].k != k)
			continue;
		fprintf(f, "%s\n        { \"engine\": \"%s\", \"title\": \"%s\", "
			   "\"app\": \"%s\", \"src\": \"%s\", \"dst\": \"%s\" }",
			any ? "," : "", tab[i].engine, tab[i].title, tab[i].app,
			tab[i].l2 ? mac_s(h[H_ATK].mac, a) : ip_s(h[H_ATK].ip, a),
			tab[i].dst < 0 ? "01:0c:cd:01:00:01"
			: tab[i].l2 && tab[i].k != ATK_ARP ? mac_s(h[tab[i].dst].mac, b)
							   : ip_s(h[tab[i].dst].ip, b));
		any = true;
	}
	if (any)
		fprintf(f, "\n      ");
}

static int write_truth(struct sim *s, const char *path, const char *pcap,
		       uint64_t seed, const struct sim_host *hosts,
		       const struct attack *atk, uint64_t first, uint64_t last)
{
	FILE *f = fopen(path, "w");
	struct sim_op ops[SIM_MAX_OPS];
	const struct sim_op *o;
	size_t n;
	char a[16], b[16], tb[40];

	if (f == NULL)
		return -errno;
	o = sim_truth_ops(s, &n);
	memcpy(ops, o, n * sizeof(*o));
	qsort(ops, n, sizeof(*ops), op_cmp);

	fprintf(f, "{\n  \"generator\": \"otwatch simulate\",\n"
		   "  \"pcap\": \"%s\",\n  \"seed\": %" PRIu64 ",\n"
		   "  \"packets\": %" PRIu64 ",\n  \"bytes\": %" PRIu64 ",\n",
		pcap, seed, sim_written(s), sim_bytes(s));
	fprintf(f, "  \"first_us\": %" PRIu64 ",\n  \"last_us\": %" PRIu64 ",\n",
		first, last);
	fprintf(f, "  \"network\": \"192.168.10.0/24\",\n  \"gateway\": \"%s\",\n",
		ip_s(hosts[H_GW].ip, a));
	fprintf(f, "  \"attack\": {\n    \"start\": \"%s\",\n"
		   "    \"start_us\": %" PRIu64 ",\n"
		   "    \"first_frame\": %" PRIu64 ",\n"
		   "    \"attacker_ip\": \"%s\",\n"
		   "    \"attacker_mac\": \"%02x:%02x:%02x:%02x:%02x:%02x\",\n"
		   "    \"steps\": [\n",
		time_s(atk->start, tb, sizeof(tb)), atk->start,
		sim_attack_first_frame(s), ip_s(hosts[H_ATK].ip, a),
		hosts[H_ATK].mac[0], hosts[H_ATK].mac[1], hosts[H_ATK].mac[2],
		hosts[H_ATK].mac[3], hosts[H_ATK].mac[4], hosts[H_ATK].mac[5]);
	for (int k = 0; k < ATK_DONE; k++) {
		fprintf(f, "      { \"what\": \"%s\", \"start_us\": %" PRIu64
			   ", \"alerts\": [", stage_name[k], atk->stage_at[k]);
		step_alerts(f, (enum atk_stage)k, hosts);
		fprintf(f, "] }%s\n", k + 1 < ATK_DONE ? "," : "");
	}
	fprintf(f, "    ],\n    \"scan_targets\": [\"%s\", \"%s\", \"%s\"],\n"
		   "    \"scan_ports\": [",
		ip_s(NET(11), a), ip_s(NET(12), b), ip_s(NET(13), tb));
	for (size_t k = 0; k < sizeof(scan_ports) / sizeof(scan_ports[0]); k++)
		fprintf(f, "%s%u", k ? ", " : "", scan_ports[k]);
	fprintf(f, "]\n  },\n  \"devices\": [\n");
	for (int h = 0; h < H__COUNT; h++) {
		const struct sim_host *x = &hosts[h];
		fprintf(f, "    { \"mac\": \"%02x:%02x:%02x:%02x:%02x:%02x\", "
			   "\"ip\": \"%s\", \"role\": \"%s\", \"vendor\": \"%s\", "
			   "\"name\": \"%s\"",
			x->mac[0], x->mac[1], x->mac[2], x->mac[3], x->mac[4],
			x->mac[5], ip_s(x->ip, a), x->role, x->vendor, x->name);
		if (x->unit)
			fprintf(f, ", \"modbus_unit\": %u", x->unit);
		for (size_t i = 0; i < sizeof(host_ident) / sizeof(host_ident[0]); i++) {
			if (host_ident[i].h != h)
				continue;
			if (host_ident[i].model)
				fprintf(f, ", \"model\": \"%s\"",
					host_ident[i].model);
			if (host_ident[i].product_code)
				fprintf(f, ", \"product_code\": \"%s\"",
					host_ident[i].product_code);
			if (host_ident[i].firmware)
				fprintf(f, ", \"firmware\": \"%s\"",
					host_ident[i].firmware);
		}
		fprintf(f, " }%s\n", h + 1 < H__COUNT ? "," : "");
	}
	fprintf(f, "  ],\n  \"modbus\": [");
	write_convs(f, ops, n, true);
	fprintf(f, "\n  ],\n  \"ops\": [");
	write_convs(f, ops, n, false);
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

/* ---- the plant --------------------------------------------------------- */

struct plant {
	struct sim_host h[H__COUNT];
	struct sim_host *arp_hosts[H_ATK];
	struct sim_arp_chat arp;
	struct sim_dhcp_client dhcp[4];
	struct sim_dns_client dns[3];
	struct sim_mb_poll poll[9];
	struct eng_session eng;
	struct sim_dnp3_poll dnp3;
	struct sim_s7_poll s7;
	struct sim_iec104_link iec104;
	struct sim_bacnet_poll bacnet;
	struct sim_enip_poll enip;
	struct sim_opcua_poll opcua;
	struct sim_mms_poll mms;
	struct sim_goose_pub goose;
	struct sim_pn_io pn;
	struct sim_switch_task sw;
	struct sim_host *plcs[3];
	struct attack atk;
	struct sim_task *tasks[32];
	size_t n_tasks;
};

static const char *const hmi_names[] = { "plc-pump.plant.local",
	"plc-boiler.plant.local", "plc-conveyor.plant.local",
	"historian.plant.local", "wpad.plant.local" };
static const uint32_t hmi_answers[] = { NET(11), NET(12), NET(13), NET(31), 0 };
static const char *const hist_names[] = { "ns01.plant.local",
	"dc01.plant.local", "time.windows.com" };
static const uint32_t hist_answers[] = { NET(3), NET(2), 0x14655739 };

static void add(struct plant *p, struct sim_task *t, void (*step)(struct sim *,
		struct sim_task *), uint64_t first)
{
	t->step = step;
	t->next = first;
	p->tasks[p->n_tasks++] = t;
}

static void plant_build(struct plant *p, struct sim *s)
{
	memcpy(p->h, plant_hosts, sizeof(p->h));
	for (int i = 0; i < H_ATK; i++)
		p->arp_hosts[i] = &p->h[i];
	p->plcs[0] = &p->h[H_PLC1];
	p->plcs[1] = &p->h[H_PLC2];
	p->plcs[2] = &p->h[H_PLC3];

	/* boot: everyone announces itself */
	for (int i = 0; i < H_ATK; i++)
		sim_arp_garp(s, &p->h[i], T0 + (uint64_t)i * 37 * SIM_MS);

	p->arp = (struct sim_arp_chat){ .hosts = p->arp_hosts,
		.n_hosts = H_ATK, .mean = 4 * SIM_S,
		.garp_every = 1800 * SIM_S, .garp_next = T0 + 900 * SIM_S };
	add(p, &p->arp.task, sim_arp_step, T0 + SIM_S);

	for (int i = 0; i < 4; i++) { /* HMIs, EWS, SCADA lease addresses */
		static const int who[4] = { H_HMI1, H_HMI2, H_ENG, H_SCADA };
		p->dhcp[i] = (struct sim_dhcp_client){ .cli = &p->h[who[i]],
			.srv = &p->h[H_DHCP], .router = &p->h[H_GW],
			.dns = &p->h[H_DNS], .lease = 3600 };
		add(p, &p->dhcp[i].task, sim_dhcp_step,
		    T0 + (uint64_t)(1000 + 700 * i) * SIM_MS);
	}
	for (int i = 0; i < 3; i++) {
		static const int who[3] = { H_HMI1, H_HMI2, H_HIST };
		bool hist = who[i] == H_HIST;
		p->dns[i] = (struct sim_dns_client){ .cli = &p->h[who[i]],
			.srv = &p->h[H_DNS],
			.names = hist ? hist_names : hmi_names,
			.answers = hist ? hist_answers : hmi_answers,
			.n_names = hist ? 3 : 5, .period = 97 * SIM_S };
		add(p, &p->dns[i].task, sim_dns_step,
		    T0 + (uint64_t)(4000 + 300 * i) * SIM_MS);
	}
	/* pollers: HMI-01 holding regs + coils, HMI-02 input regs +
	 * discretes, both may write; the historian reads both register
	 * kinds slowly and reconnects every 5 minutes */
	for (int k = 0; k < 9; k++) {
		struct sim_mb_poll *q = &p->poll[k];
		int c = k / 3;
		*q = (struct sim_mb_poll){
			.cli = &p->h[c == 0 ? H_HMI1 : c == 1 ? H_HMI2 : H_HIST],
			.srv = p->plcs[k % 3], .n_items = 2,
			.tid = (uint16_t)sim_rand(s), .ack_delay = 200 * SIM_MS };
		if (c == 0) {
			q->items[0] = (struct sim_mb_item){ 3, 0, 20, SIM_S, 0 };
			q->items[1] = (struct sim_mb_item){ 1, 0, 32, 2 * SIM_S, 0 };
			q->write_per_mille = 4;
		} else if (c == 1) {
			q->items[0] = (struct sim_mb_item){ 4, 0, 10, SIM_S, 0 };
			q->items[1] = (struct sim_mb_item){ 2, 0, 16, 2 * SIM_S, 0 };
			q->write_per_mille = 4;
		} else {
			q->items[0] = (struct sim_mb_item){ 3, 100, 50, 5 * SIM_S, 0 };
			q->items[1] = (struct sim_mb_item){ 4, 0, 30, 5 * SIM_S, 0 };
			q->reconnect = 300 * SIM_S;
		}
		add(p, &q->task, sim_modbus_poll_step,
		    T0 + 6 * SIM_S + (uint64_t)k * 113 * SIM_MS);
	}
	p->eng = (struct eng_session){ .eng = &p->h[H_ENG], .dns = &p->h[H_DNS],
		.plcs = p->plcs, .n_plcs = 3 };
	add(p, &p->eng.task, eng_step, T0 + 120 * SIM_S);

	/* HMI-01 is the DNP3 master, HMI-02 reads the S7-300, the
	 * historian watches the BACnet controller, SCADA-01 the IEC-104 RTU */
	p->dnp3 = (struct sim_dnp3_poll){ .cli = &p->h[H_HMI1],
		.srv = &p->h[H_RTU1], .master = 1, .outstation = 10,
		.aseq = (uint8_t)sim_range(s, 0, 15), .period = 2 * SIM_S };
	add(p, &p->dnp3.task, sim_dnp3_poll_step, T0 + 7 * SIM_S);
	p->s7 = (struct sim_s7_poll){ .cli = &p->h[H_HMI2], .srv = &p->h[H_S7],
		.pduref = (uint16_t)sim_range(s, 1, 0x7fff),
		.period = 1500 * SIM_MS };
	add(p, &p->s7.task, sim_s7_poll_step, T0 + 7500 * SIM_MS);
	p->iec104 = (struct sim_iec104_link){ .cli = &p->h[H_SCADA],
		.srv = &p->h[H_RTU2], .ca = 1, .gi_every = 300 * SIM_S,
		.test_every = 10 * SIM_S };
	add(p, &p->iec104.task, sim_iec104_step, T0 + 8 * SIM_S);
	p->bacnet = (struct sim_bacnet_poll){ .cli = &p->h[H_HIST],
		.srv = &p->h[H_BAC], .instance = 1001,
		.invoke = (uint8_t)sim_range(s, 0, 255), .period = 3 * SIM_S };
	add(p, &p->bacnet.task, sim_bacnet_step, T0 + 8500 * SIM_MS);

	/* SCADA-01 also reads the Logix' tags (the Logix runs I/O with its
	 * adapter), the OPC UA server and the IED over MMS: five OT servers,
	 * as a SCADA front end polls; the historian asks the switch's SNMP
	 * agent; the S7-300 is the PROFINET IO-controller of the ET 200SP */
	p->enip = (struct sim_enip_poll){ .cli = &p->h[H_SCADA],
		.srv = &p->h[H_LGX], .io = &p->h[H_ADP], .srv_id = &lgx_id,
		.io_id = &adp_id, .o2t = 0x2a8c0001u + (uint32_t)sim_range(s, 0, 0xfffe),
		.t2o = 0x7d310001u + (uint32_t)sim_range(s, 0, 0xfffe),
		.period = SIM_S };
	add(p, &p->enip.task, sim_enip_step, T0 + 9 * SIM_S);
	p->opcua = (struct sim_opcua_poll){ .cli = &p->h[H_SCADA],
		.srv = &p->h[H_OPC], .sv = &opc_sv, .period = 3 * SIM_S };
	add(p, &p->opcua.task, sim_opcua_step, T0 + 9500 * SIM_MS);
	p->mms = (struct sim_mms_poll){ .cli = &p->h[H_SCADA],
		.srv = &p->h[H_IED], .ied = &ied_bay, .invoke = 1,
		.period = 4 * SIM_S };
	add(p, &p->mms.task, sim_mms_step, T0 + 10 * SIM_S);
	p->goose = (struct sim_goose_pub){ .ied_host = &p->h[H_IED],
		.ied = &ied_bay, .period = 2 * SIM_S };
	add(p, &p->goose.task, sim_goose_step, T0 + 10500 * SIM_MS);
	p->pn = (struct sim_pn_io){ .ctl = &p->h[H_S7], .dev = &p->h[H_PND],
		.d = &pn_dev, .gw = NET(1), .period = SIM_S };
	add(p, &p->pn.task, sim_pn_step, T0 + 11 * SIM_S);
	p->sw = (struct sim_switch_task){ .sw = &p->h[H_SW], .mgr = &p->h[H_HIST],
		.d = &sw_cell };
	add(p, &p->sw.task, sim_switch_step, T0 + 3 * SIM_S);

	p->atk = (struct attack){ .me = &p->h[H_ATK], .hosts = p->h,
		.n_hosts = H__COUNT, .plcs = { p->plcs[0], p->plcs[1], p->plcs[2] },
		.rtu1 = &p->h[H_RTU1], .s7 = &p->h[H_S7], .rtu2 = &p->h[H_RTU2],
		.bac = &p->h[H_BAC], .lgx = &p->h[H_LGX], .opc = &p->h[H_OPC],
		.ied = &p->h[H_IED], .pnd = &p->h[H_PND], .hmi = &p->h[H_HMI1],
		.goose = &p->goose };
	add(p, &p->atk.task, attack_step, SIM_NEVER); /* started by run() */
}

/* Run tasks in time order until the normal phase has ~80% of the frames,
 * start the attack, and stop once it is over and the target is met. */
static int run(struct plant *p, struct sim *s, uint64_t packets)
{
	uint64_t normal = packets / 5 * 4;
	bool started = false;
	int rc;

	for (;;) {
		struct sim_task *t = NULL;
		for (size_t i = 0; i < p->n_tasks; i++)
			if (t == NULL || p->tasks[i]->next < t->next)
				t = p->tasks[i];
		if (!started && sim_frames(s) >= normal) {
			p->atk.task.next = t->next;
			t = &p->atk.task;
			started = true;
		}
		if (started && p->atk.stage == ATK_DONE && sim_frames(s) >= packets)
			return 0;
		if (t->next == SIM_NEVER)
			return 0;
		if ((rc = sim_advance(s, t->next)) != 0)
			return rc;
		t->step(s, t);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: otwatch simulate --out FILE.pcap [--seed N] [--packets N]\n"
		"                        [--truth FILE.json]\n"
		"  --out      classic pcap to write (required)\n"
		"  --seed     PRNG seed: same seed, same bytes (default 1)\n"
		"  --packets  approximate total frames; the normal phase scales,\n"
		"             the attack fills the last ~20%% (default %d)\n"
		"  --truth    ground-truth JSON (default <out>.truth.json)\n",
		DEFAULT_PACKETS);
}

int otw_cmd_simulate(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "packets", required_argument, NULL, 'n' },
		{ "truth", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *truth = NULL;
	char *truth_buf = NULL;
	uint64_t seed = 1, packets = DEFAULT_PACKETS, first;
	struct plant *p;
	struct sim *s;
	int c, rc;

	while ((c = getopt_long(argc, argv, "o:s:n:t:h", lo, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 't': truth = optarg; break;
		case 's':
			if (otw_parse_u64(optarg, 0, UINT64_MAX, &seed) != 0)
				goto bad;
			break;
		case 'n':
			if (otw_parse_u64(optarg, 100, 2000000000ull, &packets) != 0)
				goto bad;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (out == NULL || optind != argc)
		goto bad;
	if (truth == NULL) {
		if (asprintf(&truth_buf, "%s.truth.json", out) == -1)
			return 1;
		truth = truth_buf;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		free(truth_buf);
		return 1;
	}
	if ((rc = sim_create(out, seed, &s)) != 0) {
		fprintf(stderr, "otwatch simulate: %s: %s\n", out, otw_strerror(rc));
		goto out_p;
	}
	plant_build(p, s);
	first = T0;
	rc = run(p, s, packets);
	if (rc == 0)
		rc = sim_advance(s, SIM_NEVER - 1); /* write everything queued */
	if (rc == 0)
		rc = write_truth(s, truth, out, seed, p->h, &p->atk, first,
				 sim_last(s));
	if (rc != 0)
		fprintf(stderr, "otwatch simulate: %s\n", otw_strerror(rc));
	else
		fprintf(stderr, "otwatch simulate: %" PRIu64 " packets, %" PRIu64
				" bytes to %s, truth %s\n",
			sim_written(s), sim_bytes(s), out, truth);
	{
		int rc2 = sim_destroy(s);
		if (rc == 0 && rc2 != 0) {
			fprintf(stderr, "otwatch simulate: %s: %s\n", out,
				otw_strerror(rc2));
			rc = rc2;
		}
	}
out_p:
	free(p);
	free(truth_buf);
	return rc == 0 ? 0 : 1;
bad:
	usage(stderr);
	return 2;
}
