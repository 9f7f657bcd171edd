#!/usr/bin/env python3
"""Alert evidence pcaps, checked by tshark (an independent reader).

`otwatch analyze --learn-seconds T --evidence DIR` on the simulated plant
writes DIR/<n>.pcap for the n-th alert. Each must be a pcap tshark reads
without error, hold at least one packet, every packet must involve the
alert's source (IP, or MAC for L2 alerts), every packet must be no older than 60 s before the alert's
first_seen, and for an alert on an industrial protocol at least one packet
must be of that protocol (the operation behind the alert is in the file).
usage: evidence_check.py OTWATCH WORKDIR
"""
import datetime, json, os, shutil, struct, subprocess, sys

# otwatch app -> a name tshark puts in frame.protocols for it
TSHARK_PROTO = {"modbus": "mbtcp", "dnp3": "dnp3", "s7comm": "s7comm",
                "iec104": "iec60870_104", "bacnet": "bvlc", "enip": "enip",
                "opcua": "opcua", "mms": "mms"}

def tshark(pcap, *args):  # its output lines; fails the test on an error
    r = subprocess.run(["tshark", "-r", pcap, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("tshark failed on %s: %s" % (pcap, r.stderr.strip()))
    return r.stdout.splitlines()

def iso_us(s):
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
    return int(d.replace(tzinfo=datetime.timezone.utc).timestamp() * 1e6)

def main():
    otw, work = sys.argv[1], sys.argv[2]
    if shutil.which("tshark") is None:
        print("tshark missing"); sys.exit(77)
    os.makedirs(work, exist_ok=True)
    pcap = os.path.join(work, "ev.pcap")
    evd = os.path.join(work, "evidence")
    shutil.rmtree(evd, ignore_errors=True)
    subprocess.run([otw, "simulate", "--out", pcap, "--seed", "7"], check=True,
                   stdout=subprocess.DEVNULL)
    truth = json.load(open(pcap + ".truth.json"))
    learn_s = (truth["attack"]["start_us"] - truth["first_us"]) / 1e6
    out = subprocess.run([otw, "analyze", "--json", "--learn-seconds", "%.6f" % learn_s,
                          "--evidence", evd, pcap],
                         check=True, capture_output=True, text=True).stdout
    alerts = [json.loads(l) for l in out.splitlines() if '"type":"alert"' in l]
    if not alerts:
        raise SystemExit("no alerts: nothing to check")
    # capinfos (libwiretap) must read every file; one tshark pass then
    # dissects them all, concatenated (same header: ns, Ethernet, snaplen).
    names = [os.path.join(evd, "%d.pcap" % n) for n in range(1, len(alerts) + 1)]
    present = [f for f in names if os.path.exists(f)]
    r = subprocess.run(["capinfos", "-c", "-M", *present], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("capinfos refused an evidence file: " + r.stderr.strip())
    counts, blob = {}, b""
    for f in present:
        b = open(f, "rb").read()
        if not blob:
            blob = b[:24]
        elif b[:24] != blob[:24]:
            raise SystemExit("%s: unexpected pcap header" % f)
        off, n = 24, 0
        while off < len(b):
            off += 16 + struct.unpack_from("<I", b, off + 8)[0]
            n += 1
        counts[f] = n
        blob += b[24:]
    allp = os.path.join(work, "all-evidence.pcap")
    open(allp, "wb").write(blob)
    # the same packet in several files must not look like a retransmission
    rows = tshark(allp, "-o", "tcp.analyze_sequence_numbers:FALSE", "-T", "fields", "-e", "frame.time_epoch", "-e", "ip.src",
                  "-e", "ip.dst", "-e", "arp.src.proto_ipv4",
                  "-e", "arp.dst.proto_ipv4", "-e", "eth.src", "-e", "eth.dst",
                  "-e", "frame.protocols")
    if len(rows) != sum(counts.values()):
        raise SystemExit("tshark read %d packets, the files hold %d" % (len(rows), sum(counts.values())))
    files, at = [], 0
    for f in names:
        if f not in counts:
            files.append(None)
            continue
        files.append(rows[at:at + counts[f]])
        at += counts[f]
    bad = 0
    for n, (a, rows) in enumerate(zip(alerts, files), 1):
        what = "%d %s %s->%s" % (n, a["title"], a.get("src_ip", "-"), a.get("dst_ip", "-"))
        if rows is None:
            print("MISSING", what); bad += 1; continue
        if not rows:
            print("EMPTY", what); bad += 1; continue
        src = a.get("src_ip")
        floor = iso_us(a["first_seen"]) - 60_000_000
        for r in rows:
            c = r.split("\t")
            if float(c[0]) * 1e6 < floor - 1:
                print("TOO OLD", what, r); bad += 1; break
            if src and src not in c[1:7]:
                print("FOREIGN PACKET", what, r); bad += 1; break
        app = a.get("app")
        if app in TSHARK_PROTO and not any(
                TSHARK_PROTO[app] in r.split("\t")[7].split(":") for r in rows):
            print("NO %s PACKET" % app, what); bad += 1
        print("ok %-60s %3d packets" % (what, len(rows)))
    print("evidence: %d alerts, %d bad" % (len(alerts), bad))
    sys.exit(1 if bad else 0)

main()
