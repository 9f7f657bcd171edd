#!/usr/bin/env python3
"""The simulated plant is byte-correct for tshark (stdlib + tshark).

  sim_tshark_check.py OTWATCH WORKDIR

Writes the plant (seed 3) and asks tshark about it: every protocol the
simulator emits must be present, decoded as that protocol, with no frame
marked malformed and no expert error anywhere in the capture; a few
fields per protocol must read back as the simulator wrote them (what the
inventory and the truth rely on). Exits 77 (meson: skipped) without
tshark.
"""
import os
import shutil
import subprocess
import sys

# protocol (a frame.protocols layer) -> minimum frames the plant emits
PROTOCOLS = {
    "modbus": 100, "dnp3": 20, "s7comm": 20, "iec60870_104": 20,
    "bacapp": 20, "dhcp": 4, "dns": 4, "arp": 50, "enip": 20, "cip": 20,
    "cipio": 100, "opcua": 20, "mms": 20, "goose": 20, "pn_dcp": 4,
    "pn_io": 100, "lldp": 4, "snmp": 4,
}

# (field, value that must be among its values in the capture)
FIELDS = [
    ("enip.lir.name", "1756-L83E/B LOGIX5583E"),
    ("enip.lir.name", "1734-AENT/B"),
    ("cip.symbol", "Packer_Speed"),
    ("opcua.ProductUri", "urn:kepware.com:KEPServerEX"),
    ("opcua.SecurityPolicyUri",
     "http://opcfoundation.org/UA/SecurityPolicy#None"),
    ("mms.vendorName", "ABB"),
    ("mms.modelName", "REF615"),
    ("mms.revision", "5.0.3"),
    ("mms.Identifier", "BAY01CTRL"),
    ("mms.domainId", "BAY01MEAS"),
    ("goose.gocbRef", "BAY01CTRL/LLN0$GO$gcbTrip"),
    ("goose.datSet", "BAY01CTRL/LLN0$dsTrip"),
    ("pn_dcp.suboption_device_nameofstation", "et200sp-mixer"),
    ("pn_dcp.suboption_vendor_id", "0x002a"),
    ("lldp.tlv.system.name", "sw-cell-01"),
    ("snmp.value.octets",
     "Hirschmann Railswitch RSP35 HiOS-3S-08.7.02".encode().hex()),
]


def main():
    exe, work = sys.argv[1:3]
    if shutil.which("tshark") is None:
        print("tshark not installed: skipped")
        return 77
    os.makedirs(work, exist_ok=True)
    pcap = os.path.join(work, "plant.pcap")
    subprocess.run([exe, "simulate", "--out", pcap, "--seed", "3"],
                   check=True, stdout=subprocess.DEVNULL)
    fields = ["frame.number", "frame.protocols", "_ws.malformed",
              "_ws.expert.severity", "_ws.expert.message"] + \
        sorted({f for f, _ in FIELDS})
    cmd = ["tshark", "-n", "-r", pcap, "-T", "fields", "-E", "separator=\t",
           "-E", "occurrence=a", "-E", "aggregator=\x1f"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True)
    errs = []
    if out.returncode != 0:
        errs.append("tshark failed: " + out.stderr.strip()[:300])
    count = {p: 0 for p in PROTOCOLS}
    vals = {f: set() for f in fields}
    for line in out.stdout.splitlines():
        row = dict(zip(fields, line.split("\t")))
        layers = set(row.get("frame.protocols", "").split(":"))
        for p in PROTOCOLS:
            count[p] += p in layers
        # severity: 0x00800000 = error (epan/proto.h PI_ERROR)
        sev = [int(x) for x in row.get("_ws.expert.severity", "").split("\x1f")
               if x]
        if row.get("_ws.malformed") or any(x >= 0x00800000 for x in sev):
            errs.append("frame %s (%s): malformed or expert error: %s"
                        % (row["frame.number"], row["frame.protocols"],
                           row.get("_ws.expert.message")))
        for f, _ in FIELDS:
            for v in row.get(f, "").split("\x1f"):
                if v:
                    vals[f].add(v.replace(":", "") if f == "snmp.value.octets"
                                else v)
    for p, least in PROTOCOLS.items():
        print("%-14s %6d frames" % (p, count[p]))
        if count[p] < least:
            errs.append("%s: %d frames, want >= %d" % (p, count[p], least))
    for f, want in FIELDS:
        if want not in vals[f]:
            errs.append("%s lacks %r (has %s)" % (f, want, sorted(vals[f])[:4]))
    for e in errs[:40]:
        print("MISMATCH:", e)
    print("simulate/tshark: %d protocols, %d fields, %d mismatches"
          % (len(PROTOCOLS), len(FIELDS), len(errs)))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
