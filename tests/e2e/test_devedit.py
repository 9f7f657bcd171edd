#!/usr/bin/env python3
"""e2e: inventory management over real HTTPS (`otwatch console`) and the
CLI on the same store: device edit, merge/unmerge, delete, CSV export and
import, names and DHCP ranges, monitor rules. Roles: readonly reads only;
CSRF is required; bad input is a 4xx JSON error and changes nothing (the
CSV export before and after is compared); every change is audited with the
session or CLI user.
usage: test_devedit.py OTWATCH
"""
import csv, http.client, io, json, subprocess, sys, urllib.parse

from consolefix import Console
from test_console import Client, check, ctx, FAILS

OTW = sys.argv[1]


def cli(db, *args, ok=True):
    p = subprocess.run([OTW, *args, "--store", db], capture_output=True, text=True)
    if ok:
        check(p.returncode == 0, "cli %s -> rc %d %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p


def devices(db):
    out = cli(db, "devices", "list", "--json").stdout
    return {d["key"]: d for d in map(json.loads, out.splitlines())}


def audit_users(db):
    """(user, action) of the audit table, via the store (lmdb python bindings
    are not assumed: the CLI has no audit reader, so read it with mdb_dump)."""
    p = subprocess.run(["mdb_dump", "-p", "-s", "audit", db], capture_output=True, text=True)
    return p.stdout if p.returncode == 0 else None


def run(fx):
    db = fx.db
    an, ro = Client(fx.port), Client(fx.port)
    check(an.login(fx.users["analyst"], fx.pw["analyst"]) == 200, "analyst signs in")
    check(ro.login(fx.users["readonly"], fx.pw["readonly"]) == 200, "readonly signs in")
    devs = devices(db)
    keys = sorted(k for k, d in devs.items() if k.startswith("mac:") and d["ips"])
    check(len(keys) >= 3, "store has MAC-keyed devices (%d)" % len(keys))
    a, b, c = keys[0], keys[1], keys[2]
    q = urllib.parse.quote

    # --- edit: role, CSRF, validation, then the real thing
    st, _, _ = ro.req("PATCH", "/api/v1/devices/" + a, {"name": "x"})
    check(st == 403, "readonly may not edit (%d)" % st)
    st, _, _ = an.req("PATCH", "/api/v1/devices/" + a, {"name": "x"}, csrf=False)
    check(st == 403, "edit without CSRF token refused (%d)" % st)
    for body, what in (({"type": "toaster"}, "unknown type"), ({"name": 5}, "name not a string"),
                       ({"name": "n" * 80}, "name too long"), ({"authorized": "maybe"}, "bad authorized"),
                       ({}, "empty edit")):
        st, js, _ = an.req("PATCH", "/api/v1/devices/" + a, body)
        check(st == 400 and js and "error" in js, "edit %s -> 400 JSON (%d %s)" % (what, st, js))
    st, js, _ = an.req("PATCH", "/api/v1/devices/mac:02:00:00:00:00:99", {"name": "x"})
    check(st == 404, "edit of an unknown device -> 404 (%d)" % st)
    st, js, _ = an.req("PATCH", "/api/v1/devices/" + a,
                       {"name": "Boiler PLC", "type": "plc", "notes": "rack 3, \"left\"", "authorized": True})
    check(st == 200 and js.get("name") == "Boiler PLC" and js.get("type") == "plc"
          and js.get("type_evidence") == "operator" and js.get("authorized") is True,
          "analyst edits a device: %s" % js)
    d = devices(db)[a]
    check(d.get("name") == "Boiler PLC" and d.get("device_type") == "plc" and
          d.get("type_evidence") == ["operator"] and "learned_type" in d and d.get("authorized") is True,
          "otwatch devices shows the override and keeps the learned type (%s, learned %s)"
          % (d.get("device_type"), d.get("learned_type")))
    st, js, _ = ro.req("GET", "/api/v1/devices?q=" + q("Boiler"))
    st, js, _ = ro.req("GET", "/api/v1/devices?limit=1000")
    row = [x for x in js["items"] if x.get("key") == a]
    check(st == 200 and row and row[0].get("name") == "Boiler PLC", "device list shows the name")

    # --- merge b into a: one device with both IPs; unmerge; chains refused
    st, js, _ = an.req("POST", "/api/v1/devices/%s/merge" % b, {"into": "nonsense"})
    check(st == 400, "merge into a bad key -> 400 (%d)" % st)
    st, js, _ = an.req("POST", "/api/v1/devices/%s/merge" % a, {"into": a})
    check(st == 400, "merge into itself -> 400 (%d)" % st)
    st, js, _ = an.req("POST", "/api/v1/devices/%s/merge" % b, {"into": a})
    check(st == 200, "merge b into a (%d %s)" % (st, js))
    st, js, _ = an.req("POST", "/api/v1/devices/%s/merge" % c, {"into": b})
    check(st == 400, "merge into an alias refused (%d %s)" % (st, js))
    st, js, _ = ro.req("GET", "/api/v1/devices/" + a)
    check(st == 200 and b in js.get("aliases", []) and set(devs[b]["ips"]) <= set(js["ips"]),
          "detail of the survivor lists the alias and its IPs: %s" % js.get("ips"))
    st, js2, _ = ro.req("GET", "/api/v1/devices/" + b)
    check(st == 200 and js2.get("key") == a, "alias key shows the survivor")
    d = devices(db)
    check(b not in d and b in d[a].get("aliases", []) and set(devs[b]["ips"]) <= set(d[a]["ips"]),
          "otwatch devices: one device for both keys")
    st, js, _ = an.req("POST", "/api/v1/devices/%s/unmerge" % b, {})
    check(st == 200 and b in devices(db), "unmerge gives b back")
    st, js, _ = an.req("POST", "/api/v1/devices/%s/unmerge" % b, {})
    check(st == 404, "unmerge of a device not merged -> 404 (%d)" % st)

    # --- names, DHCP ranges, monitor rules
    ip = devs[a]["ips"][0]
    net = ".".join(ip.split(".")[:3]) + ".0/24"
    for body, want in (({"kind": "subnet", "spec": net, "name": "Cell A"}, 200),
                       ({"kind": "vlan", "spec": "20", "name": "Process"}, 200),
                       ({"kind": "port", "spec": "tcp/502", "name": "Modbus"}, 200),
                       ({"kind": "dhcp", "spec": ip + "-" + ip}, 200),
                       ({"kind": "subnet", "spec": "10.0.0.1/8", "name": "x"}, 400),
                       ({"kind": "planet", "spec": "1", "name": "x"}, 400),
                       ({"kind": "vlan", "spec": "5000", "name": "x"}, 400),
                       ({"kind": "dhcp", "spec": "10.0.0.9-10.0.0.1"}, 400)):
        st, js, _ = an.req("POST", "/api/v1/names", body)
        check(st == want, "names %s -> %d (%d %s)" % (body, want, st, js))
    st, _, _ = ro.req("POST", "/api/v1/names", {"kind": "vlan", "spec": "21", "name": "x"})
    check(st == 403, "readonly may not add names (%d)" % st)
    st, js, _ = ro.req("GET", "/api/v1/names")
    check(st == 200 and len(js["items"]) == 4, "names list has 4 entries (%s)" % js)
    d = devices(db)[a]
    check(d.get("subnet") == "Cell A" and d.get("dynamic") is True,
          "device shows its subnet name and dynamic address (%s %s)" % (d.get("subnet"), d.get("dynamic")))
    st, js, _ = ro.req("GET", "/api/v1/devices/" + a)
    check(js.get("subnet") == "Cell A" and js.get("dynamic") is True, "console detail shows names")
    nets = [json.loads(l) for l in cli(db, "inventory", "--json").stdout.splitlines()
            if '"type":"subnet"' in l]
    check(any(n["cidr"] == net and n.get("name") == "Cell A" for n in nets),
          "otwatch inventory names the subnet: %s" % nets)
    st, _, _ = an.req("DELETE", "/api/v1/names?kind=vlan&spec=20")
    check(st == 200, "delete a VLAN name (%d)" % st)
    st, _, _ = an.req("DELETE", "/api/v1/names?kind=vlan&spec=20")
    check(st == 404, "delete it again -> 404 (%d)" % st)
    cli_names = cli(db, "names", "list", "--json").stdout.splitlines()
    check(len(cli_names) == 3, "otwatch names list agrees (%d)" % len(cli_names))

    st, js, _ = an.req("POST", "/api/v1/monitor", {"rule": "exclude vlan 20"})
    check(st == 200 and js.get("rule") == "exclude vlan 20", "add a monitor rule")
    st, js, _ = an.req("POST", "/api/v1/monitor", {"rule": "exclude vlan 20"})
    check(st == 409, "the same rule again -> 409 (%d)" % st)
    st, js, _ = an.req("POST", "/api/v1/monitor", {"rule": "drop everything"})
    check(st == 400, "bad rule -> 400 (%d)" % st)
    st, js, _ = ro.req("GET", "/api/v1/monitor")
    check(st == 200 and js["items"] == ["exclude vlan 20"], "rules listed: %s" % js)
    st, _, _ = an.req("DELETE", "/api/v1/monitor?rule=" + q("exclude vlan 20"))
    check(st == 200 and cli(db, "monitor", "list").stdout == "", "rule deleted")

    # --- CSV export/import
    conn = http.client.HTTPSConnection("127.0.0.1", fx.port, context=ctx())
    conn.request("GET", "/api/v1/inventory/export", headers={"Cookie": ro.cookie})
    r = conn.getresponse()
    text = r.read().decode()
    conn.close()
    check(r.status == 200 and r.getheader("Content-Type").startswith("text/csv"), "export is text/csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    row = [x for x in rows if x["key"] == a]
    check(row and row[0]["name"] == "Boiler PLC" and row[0]["notes"] == 'rack 3, "left"'
          and row[0]["authorized"] == "yes", "CSV row carries the operator fields (RFC 4180 quoting)")
    cli_text = cli(db, "devices", "export").stdout
    # (text mode reads the CLI's CRLF record ends as LF)
    check(text.replace("\r\n", "\n") == cli_text and text.count("\r\n") == len(rows) + 1,
          "console and CLI exports are identical, CRLF record ends")
    bad = "key,name,authorized\r\n%s,Good name,yes\r\nmac:zz,Bad,yes\r\n%s,x,perhaps\r\n" % (c, c)
    st, js, _ = an.req("POST", "/api/v1/inventory/import", {"csv": bad})
    check(st == 400 and [l["line"] for l in js.get("lines", [])] == [3, 4],
          "import with bad lines -> 400 naming lines 3 and 4: %s" % js)
    check(devices(db)[c].get("name") != "Good name", "a bad file applies nothing (not even its good line)")
    st, js, _ = an.req("POST", "/api/v1/inventory/import", {"csv": "key,name\n\"%s,x\n" % c})
    check(st == 400 and js["lines"][0]["line"] == 2, "unterminated quote -> 400 with its line")
    st, js, _ = an.req("POST", "/api/v1/inventory/import",
                       {"csv": 'key,name,notes\n%s,"Pump, west","two\nlines"\n' % c})
    check(st == 200 and js.get("changed") == 1, "good import applies (%s)" % js)
    d = devices(db)[c]
    check(d.get("name") == "Pump, west" and d.get("notes") == "two\nlines", "imported fields stored")
    st, js, _ = an.req("POST", "/api/v1/inventory/import", {"csv": text})
    check(st == 200, "re-importing an export is accepted (%s)" % js)

    # --- delete: gone from lists, audited; unknown key 404
    st, _, _ = ro.req("DELETE", "/api/v1/devices/" + c)
    check(st == 403, "readonly may not delete (%d)" % st)
    st, _, _ = an.req("DELETE", "/api/v1/devices/" + c)
    check(st == 200 and c not in devices(db), "delete removes the device")
    st, _, _ = an.req("DELETE", "/api/v1/devices/" + c)
    check(st == 404, "delete again -> 404 (%d)" % st)

    # --- CLI side: user from --user, audit holds both users
    cli(db, "devices", "edit", b, "--notes", "from cli", "--user", "carol")
    p = cli(db, "devices", "edit", b, "--type", "toaster", ok=False)
    check(p.returncode == 1 and "toaster" in p.stderr, "CLI refuses an unknown type")
    dump = audit_users(db)
    if dump is None:
        print("skip audit dump (mdb_dump missing)")
    else:
        for who, act in ((fx.users["analyst"], "device.edit"), (fx.users["analyst"], "device.merge"),
                         (fx.users["analyst"], "device.delete"), (fx.users["analyst"], "monitor.add"),
                         ("carol", "device.edit")):
            check(who in dump and act in dump, "audit has %s by %s" % (act, who))


def main():
    fx = Console(OTW)
    try:
        run(fx)
    finally:
        rc = fx.stop()
        check(rc == 0, "console stops cleanly (rc %s)" % rc)
    print("%d failures" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
