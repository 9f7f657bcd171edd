#!/usr/bin/env python3
"""e2e: `otwatch console` over real HTTPS on loopback, on a store made by
`otwatch analyze --store` from the simulated plant.

Checks: TLS only (no plaintext, no TLS < 1.2); every endpoint of the role
matrix without a session (401), with each role (403 below the minimum);
CSRF; bad bodies (400/411/413/415) change nothing; lockout; paging against
`otwatch inventory --json`; sign-out.
usage: test_console.py OTWATCH
"""
import base64, http.client, json, os, re, socket, ssl, subprocess, sys, time, urllib.parse

from consolefix import Console

OTW = sys.argv[1]
ALERTADD = sys.argv[2] if len(sys.argv) > 2 else None
FAILS = []

def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)

def ctx(max_version=None):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    if max_version:
        c.minimum_version = ssl.TLSVersion.TLSv1
        c.maximum_version = max_version
        c.set_ciphers("ALL:@SECLEVEL=0")
    return c

class Client:
    def __init__(self, port):
        self.port, self.cookie, self.csrf = port, None, None

    def req(self, method, path, body=None, raw=None, ctype="application/json",
            csrf=True, headers=None):
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx(), timeout=30)
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        if csrf and self.csrf and method != "GET":
            h["X-CSRF-Token"] = self.csrf
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        if data is not None:
            h["Content-Type"] = ctype
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        txt = r.read()
        sc = r.getheader("Set-Cookie")
        c.close()
        try:
            js = json.loads(txt) if txt else None
        except ValueError:
            js = None
        return r.status, js, sc

    def login(self, user, pw):
        st, js, sc = self.req("POST", "/api/v1/session", {"username": user, "password": pw})
        if st == 200:
            self.cookie = sc.split(";")[0]
            self.csrf = js["csrf_token"]
        return st

# (method, path, minimum role: 0 none, 1 readonly, 2 analyst, 3 admin)
MATRIX = [
    ("GET", "/api/v1/session", 1), ("DELETE", "/api/v1/session", 1),
    ("GET", "/api/v1/devices", 1), ("GET", "/api/v1/connections", 1),
    ("GET", "/api/v1/operations", 1), ("GET", "/api/v1/health", 1),
    ("GET", "/api/v1/users", 3), ("POST", "/api/v1/users", 3),
    ("DELETE", "/api/v1/users/nobody", 3), ("PATCH", "/api/v1/users/nobody", 3),
    ("GET", "/api/v1/tokens", 3), ("POST", "/api/v1/tokens", 3), ("DELETE", "/api/v1/tokens/nobody", 3),
    ("GET", "/api/v1/audit", 3), ("GET", "/api/v1/openapi.json", 1), ("POST", "/api/v1/session", 0),
    ("GET", "/api/v1/setup", 3), ("POST", "/api/v1/setup", 3), ("GET", "/api/v1/map", 1),
    ("GET", "/api/v1/activation", 1), ("POST", "/api/v1/activation", 3),
    ("GET", "/api/v1/alerts", 1), ("GET", "/api/v1/alerts/999999", 1),
    ("POST", "/api/v1/alerts/999999", 2),
]
ROLES = {"readonly": 1, "analyst": 2, "admin": 3}

def main():
    fx = Console(OTW)
    ATTACKER["ip"] = fx.truth["attack"]["attacker_ip"]
    try:
        run(fx.port, fx.pw, fx.users, fx.db)
    finally:
        rc = fx.stop()
        check(rc == 0, "console stops cleanly on SIGTERM (rc %s)" % rc)
    print("%d failures" % len(FAILS))
    return 1 if FAILS else 0

ATTACKER = {}

def truth_attacker(db):
    return ATTACKER.get("ip")

def run(port, pw, users, db):
    PW.update(pw)
    # TLS only: plaintext gets no HTTP answer; TLS 1.1 is refused
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    s.settimeout(5)
    try:
        data = s.recv(100)
    except OSError:
        data = b""
    s.close()
    check(not data.startswith(b"HTTP/"), "plaintext HTTP gets no HTTP reply")
    try:
        with socket.create_connection(("127.0.0.1", port), 5) as raw:
            with ctx(ssl.TLSVersion.TLSv1_1).wrap_socket(raw):
                pass
        check(False, "TLS 1.1 refused")
    except (ssl.SSLError, OSError):
        check(True, "TLS 1.1 refused")

    anon = Client(port)
    st, js, _ = anon.req("GET", "/api/v1/nope")
    check(st == 404 and js and "error" in js, "unknown endpoint -> 404 with a JSON error")

    clients = {}
    for role, u in users.items():
        c = Client(port)
        check(c.login(u, pw[role]) == 200, "%s signs in" % role)
        clients[role] = c
    walk_openapi(port, clients)
    hostile_input(port, clients["admin"])
    for role, c in clients.items():
        for m, p, need in MATRIX:
            if m == "DELETE" and p == "/api/v1/session":
                continue
            body = None
            if m == "POST":
                body = {"username": "m_" + role, "role": "readonly", "password": "Matrix-Pass-123"} \
                    if "users" in p else {"action": "close"}
            st, _, _ = c.req(m, p, body)
            if ROLES[role] < need:
                check(st == 403, "%s %s as %s -> 403 (got %d)" % (m, p, role, st))
            else:
                check(st not in (401, 403) and st < 500, "%s %s as %s allowed (got %d)" % (m, p, role, st))

    admin = clients["admin"]
    st, _, _ = admin.req("POST", "/api/v1/users", {"username": "x1", "role": "readonly",
                                                  "password": "Abcdefgh-1234"}, csrf=False)
    check(st == 403, "state change without X-CSRF-Token -> 403 (got %d)" % st)
    st, before, _ = admin.req("GET", "/api/v1/users")
    bad = [
        ("invalid JSON", dict(raw=b"{not json"), 400),
        ("JSON array", dict(raw=b"[1,2]"), 400),
        ("wrong content type", dict(raw=b"{}", ctype="text/plain"), 415),
        ("70 KiB body", dict(raw=b"{\"a\":\"" + b"x" * 70000 + b"\"}"), 413),
        ("injection in user name", dict(body={"username": "a'; DROP TABLE users;--", "role": "admin",
                                              "password": "Abcdefgh-1234"}), 400),
        ("path in user name", dict(body={"username": "../../etc/passwd", "role": "admin",
                                         "password": "Abcdefgh-1234"}), 400),
        ("unknown role", dict(body={"username": "r1", "role": "root", "password": "Abcdefgh-1234"}), 400),
        ("weak password", dict(body={"username": "r2", "role": "readonly", "password": "short"}), 400),
        ("duplicate user", dict(body={"username": "uanalyst", "role": "admin", "password": "Abcdefgh-1234"}), 409),
    ]
    for what, kw, want in bad:
        st, js, _ = admin.req("POST", "/api/v1/users", **kw)
        check(st == want and js is not None and "error" in js,
              "%s -> %d with a clear error (got %d %s)" % (what, want, st, js and js.get("error")))
    st, after, _ = admin.req("GET", "/api/v1/users")
    names = lambda d: sorted(u["username"] for u in d["items"] if not u["username"].startswith("m_"))
    check(names(before) == names(after), "rejected requests stored nothing")
    check(next(u for u in after["items"] if u["username"] == "uanalyst")["role"] == "analyst",
          "a rejected duplicate did not change the stored user")

    # inventory: the API lists what `otwatch inventory --json` lists
    inv = subprocess.run([OTW, "inventory", "--store", db, "--json"], capture_output=True, text=True)
    n_dev = sum(1 for l in inv.stdout.splitlines() if l.startswith("{") and json.loads(l).get("type") == "device")
    st, js, _ = clients["readonly"].req("GET", "/api/v1/devices?limit=1000")
    check(st == 200 and js["total"] == n_dev and n_dev > 3,
          "devices total %s == inventory's %d" % (js and js["total"], n_dev))
    st, js2, _ = clients["readonly"].req("GET", "/api/v1/devices?limit=2&offset=1")
    check(len(js2["items"]) == 2 and js2["items"][0]["mac"] == js["items"][1]["mac"], "paging")
    # key-ordered cursor paging: following "next" lists the same devices
    seen, url = [], "/api/v1/devices?limit=3"
    while True:
        st, pg, _ = clients["readonly"].req("GET", url)
        seen += [d["mac"] for d in pg["items"]]
        check(pg["total"] == n_dev, "cursor page total %d" % pg["total"])
        if "next" not in pg:
            break
        url = "/api/v1/devices?limit=3&after=" + pg["next"]
    check(seen == [d["mac"] for d in js["items"]], "cursor paging lists every device once, in order")
    st, pg, _ = clients["readonly"].req("GET", "/api/v1/devices?limit=3&offset=3")
    check([d["mac"] for d in pg["items"]] == seen[3:6], "offset paging agrees with the cursor")
    for bad in ("zz", "00" * 16, "g" * 34, "00" * 17 + "&q=x"):
        st, _, _ = clients["readonly"].req("GET", "/api/v1/devices?after=" + bad)
        check(st == 400, "bad cursor %r -> 400 (got %d)" % (bad[:12], st))
    st, js3, _ = clients["readonly"].req("GET", "/api/v1/devices?q=%s" % js["items"][0]["mac"])
    check(js3["total"] == 1, "filter by MAC finds one device")
    st, mp, _ = clients["readonly"].req("GET", "/api/v1/map")
    ips = {ip for n in mp["nodes"] for ip in n["ips"]}
    check(st == 200 and len(mp["nodes"]) == n_dev and mp["edges"] and
          all(e[0] in ips and e[1] in ips and e[2] >= 1 for e in mp["edges"]),
          "map: every device, edges only between them (%d edges)" % len(mp.get("edges", [])))
    st, mp2, _ = clients["readonly"].req("GET", "/api/v1/map?nodes=2&edges=1")
    check(len(mp2["nodes"]) == 2 and len(mp2["edges"]) <= 1 and mp2["truncated"], "map caps nodes and edges")
    st, js4, _ = clients["readonly"].req("GET", "/api/v1/operations?q=modbus")
    check(st == 200 and js4["total"] > 0, "operations list has Modbus rows (%s)" % js4.get("total"))

    # alerts: the store holds the attack's alerts; actions by role
    ro, an = clients["readonly"], clients["analyst"]
    st, js, _ = ro.req("GET", "/api/v1/alerts?status=open")
    check(st == 200 and js["total"] >= 5, "open alerts listed (%s)" % (js or {}).get("total"))
    scan = [a for a in js["items"] if a["title"] == "Port scan detected"]
    check(len(scan) >= 1 and scan[0]["src_ip"] == truth_attacker(db), "port scan alert from the attacker")
    aid = js["items"][0]["id"]
    st, one, _ = ro.req("GET", "/api/v1/alerts/%d" % aid)
    check(st == 200 and one["id"] == aid and one["recommendation"], "one alert with a recommendation")
    st, _, _ = ro.req("POST", "/api/v1/alerts/%d" % aid, {"action": "close"})
    check(st == 403, "read-only may not close an alert (got %d)" % st)
    st, _, _ = an.req("POST", "/api/v1/alerts/%d" % aid, {"action": "explode"})
    check(st == 400, "unknown action -> 400 (got %d)" % st)
    st, _, _ = an.req("POST", "/api/v1/alerts/abc", {"action": "close"})
    check(st == 404, "bad alert id -> 404 (got %d)" % st)
    st, x, _ = an.req("POST", "/api/v1/alerts/%d" % aid, {"action": "close", "note": "pen test"})
    check(st == 200 and x["status"] == "closed" and x["note"] == "pen test", "analyst closes with a note")
    st, js2, _ = ro.req("GET", "/api/v1/alerts?status=open")
    check(js2["total"] == js["total"] - 1, "closed alert left the open list")
    st, js3, _ = ro.req("GET", "/api/v1/alerts?status=nonsense")
    check(st == 400, "bad status filter -> 400")

    # evidence: the pcap kept for the alert, byte for byte, as a download
    def raw_get(client, path):
        c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx(), timeout=30)
        c.request("GET", path, headers={"Cookie": client.cookie} if client and client.cookie else {})
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, r.getheader("Content-Type"), r.getheader("Content-Disposition"), body
    ev = os.path.join(db, "evidence", "%d.pcap" % aid)
    st, ctype, disp, body = raw_get(ro, "/api/v1/alerts/%d/pcap" % aid)
    check(st == 200 and ctype == "application/vnd.tcpdump.pcap" and "attachment" in (disp or "")
          and os.path.exists(ev) and body == open(ev, "rb").read() and len(body) > 24,
          "alert pcap downloaded byte for byte (%d, %d bytes)" % (st, len(body)))
    cap = subprocess.run(["capinfos", "-c", ev], capture_output=True, text=True)
    check(cap.returncode == 0 and "Number of packets" in cap.stdout, "the evidence is a pcap capinfos reads")
    st, _, _, _ = raw_get(None, "/api/v1/alerts/%d/pcap" % aid)
    check(st == 401, "alert pcap without a session -> 401 (got %d)" % st)
    st, _, _, _ = raw_get(ro, "/api/v1/alerts/999999/pcap")
    check(st == 404, "pcap of no alert -> 404 (got %d)" % st)
    os.rename(ev, ev + ".away")
    st, _, _, body = raw_get(ro, "/api/v1/alerts/%d/pcap" % aid)
    check(st == 404 and b"no packets" in body, "alert without kept packets -> 404 with a reason")
    os.rename(ev + ".away", ev)

    # lockout: 5 misses lock the account, even for the right password
    c = Client(port)
    codes = [c.login("ureadonly", "Wrong-password-1") for _ in range(5)]
    check(codes == [401] * 5, "wrong passwords -> 401 (%s)" % codes)
    check(c.login("ureadonly", pw["readonly"]) == 423, "locked after 5 misses -> 423")
    check(Client(port).login("nosuchuser", "Whatever-123") == 401, "unknown user -> 401, same as a wrong password")

    # sign-out ends the session
    a = clients["analyst"]
    st, _, _ = a.req("DELETE", "/api/v1/session")
    check(st == 204, "sign out -> 204")
    st, _, _ = a.req("GET", "/api/v1/devices")
    check(st == 401, "old session after sign-out -> 401")

    tokens_and_audit(port, clients, db)
    websocket_push(port, db)

    # the UI is served, with security headers
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=ctx(), timeout=10)
    conn.request("GET", "/")
    r = conn.getresponse()
    body = r.read()
    check(r.status == 200 and b"app.js" in body, "UI index served")
    check("default-src 'self'" in (r.getheader("Content-Security-Policy") or ""), "CSP header")
    conn.close()

def sample(path):
    return re.sub(r"\{[^}]+\}", "nobody", path)

def walk_openapi(port, clients):
    """Every operation of the served OpenAPI document: 401 without a
    session, 403 below its role, 403 without CSRF when it changes state,
    and routed (never "no such endpoint"). The hand-written MATRIX must
    agree with the document's roles, so neither drifts alone."""
    st, doc, _ = clients["readonly"].req("GET", "/api/v1/openapi.json")
    check(st == 200 and doc["openapi"].startswith("3."), "OpenAPI 3 document served (got %d)" % st)
    ops = [(m.upper(), p, ROLE_OF[o["x-otw-role"]]) for p, item in doc["paths"].items() for m, o in item.items()]
    check(len(ops) >= 18, "document lists %d operations" % len(ops))
    check(all(o.get("summary") and o.get("responses") for it in doc["paths"].values() for o in it.values()),
          "every operation has a summary and responses")
    doc_ops = {(m, sample(p)): r for m, p, r in ops}
    for m, p, role in MATRIX:
        key = (m, re.sub(r"/(nobody|999999)$", "/nobody", p))
        check(doc_ops.get(key) == role, "MATRIX %s %s role %d == document's %s" % (m, p, role, doc_ops.get(key)))
    anon = Client(port)
    for m, p, need in ops:
        url = sample(p)
        body = {} if m in ("POST", "PUT", "PATCH") else None
        if need == 0:
            continue
        st, js, _ = anon.req(m, url, body)
        check(st == 401 and js and js.get("error"), "%s %s without a session -> 401 (got %d)" % (m, p, st))
        for role, level in ROLES.items():
            if level < need:
                st, _, _ = clients[role].req(m, url, body)
                check(st == 403, "%s %s as %s -> 403 (got %d)" % (m, p, role, st))
        top = clients["admin"]
        if m != "GET":
            st, js, _ = top.req(m, url, body, csrf=False)
            check(st == 403 and "CSRF" in js["error"], "%s %s without X-CSRF-Token -> 403 (got %d)" % (m, p, st))
        else:
            st, js, _ = top.req(m, url)
        check(not (st == 404 and js and js.get("error") == "no such endpoint"),
              "%s %s is routed (got %d)" % (m, p, st))

INJECT = ["' OR 1=1 --", "<script>alert(1)</script>", "../../etc/passwd", "a\u0000b", "%00",
          "${jndi:ldap://127.0.0.1/x}", "A" * 5000, "admin\r\nX-Injected: 1"]
FIELDS = ["username", "password", "name", "role", "action", "note", "sensor_name", "mgmt_address",
          "interfaces", "timezone", "proxy", "mode", "payload", "signature"]

def snapshot(admin, ops):
    """Every parameterless GET the admin can read (users, tokens, audit,
    alerts, inventory, ...): what "nothing stored changed" compares."""
    snap = {}
    for m, p, _ in ops:
        if m == "GET" and "{" not in p and p not in ("/api/v1/session",):
            st, js, _ = admin.req("GET", p + ("?status=any&limit=1000" if p.endswith("alerts") else ""))
            snap[p] = (st, json.dumps(js, sort_keys=True))
    return snap

def hostile_input(port, admin):
    """Injection strings and oversized or malformed bodies on every
    state-changing operation of the document -> a clear 4xx, and nothing
    stored changes (every list the admin can read is byte-identical)."""
    st, doc, _ = admin.req("GET", "/api/v1/openapi.json")
    ops = [(m.upper(), p, ROLE_OF[o["x-otw-role"]]) for p, item in doc["paths"].items() for m, o in item.items()]
    before = snapshot(admin, ops)
    n = 0
    for m, p, _ in ops:
        if m == "GET" or (m, p) == ("DELETE", "/api/v1/session"):
            continue
        urls = [sample(p)] + ([re.sub(r"\{[^}]+\}", urllib.parse.quote(x[:200], safe=""), p) for x in INJECT]
                              if "{" in p else [])
        for url in urls:
            tries = [dict(raw=b"{\"a\":\"" + b"x" * 70000 + b"\"}"), dict(raw=b"{not json"),
                     dict(raw=b"[1]"), dict(raw=b"{}", ctype="text/plain")] if m != "DELETE" else [{}]
            tries += [dict(body={f: x for f in FIELDS}) for x in INJECT] if m != "DELETE" else []
            for kw in tries:
                st, js, _ = admin.req(m, url, **kw)
                n += 1
                if not (400 <= st < 500 and js and js.get("error")):
                    check(False, "%s %s %s -> clear 4xx (got %d %s)" % (m, url[:60], str(kw)[:60], st, js))
    check(n > 50, "%d hostile requests sent" % n)
    after = snapshot(admin, ops)
    changed = [p for p in before if before[p] != after[p]]
    check(not changed, "hostile requests changed nothing stored (%s)" % changed)

ROLE_OF = {"none": 0, "readonly": 1, "analyst": 2, "admin": 3}

def tokens_and_audit(port, clients, db):
    admin, an = clients["admin"], Client(port)
    an.login("uanalyst", PW["analyst"])
    # tokens: admin only; the secret is shown once; bearer needs no CSRF
    st, _, _ = an.req("POST", "/api/v1/tokens", {"name": "x", "role": "readonly"})
    check(st == 403, "analyst may not make tokens (got %d)" % st)
    st, tk, _ = admin.req("POST", "/api/v1/tokens", {"name": "ci-bot", "role": "analyst"})
    check(st == 201 and tk["token"].startswith("otw_"), "admin makes a token (got %d)" % st)
    st, _, _ = admin.req("POST", "/api/v1/tokens", {"name": "ci-bot", "role": "readonly"})
    check(st == 409, "duplicate token name -> 409 (got %d)" % st)
    for bad in ({"name": "a b", "role": "readonly"}, {"name": "t1", "role": "root"},
                {"name": "<script>", "role": "admin"}, {"name": "x" * 41, "role": "admin"}):
        st, js, _ = admin.req("POST", "/api/v1/tokens", bad)
        check(st == 400 and "error" in js, "bad token request %s -> 400" % json.dumps(bad)[:40])
    st, ls, _ = admin.req("GET", "/api/v1/tokens")
    check(st == 200 and [t["name"] for t in ls["items"]] == ["ci-bot"] and
          "token" not in ls["items"][0] and ls["items"][0]["created_by"] == "admin",
          "token list has the name, role and maker, never the secret")
    bot = Client(port)
    auth = {"Authorization": "Bearer " + tk["token"]}
    st, js, _ = bot.req("GET", "/api/v1/devices?limit=1", headers=auth)
    check(st == 200 and js["total"] > 0, "bearer token reads devices (got %d)" % st)
    st, js, _ = bot.req("GET", "/api/v1/alerts?status=open&limit=1", headers=auth)
    aid = js["items"][0]["id"]
    st, x, _ = bot.req("POST", "/api/v1/alerts/%d" % aid, {"action": "mute"}, headers=auth)
    check(st == 200 and x["status"] == "muted", "analyst token mutes an alert without CSRF (got %d)" % st)
    st, _, _ = bot.req("GET", "/api/v1/users", headers=auth)
    check(st == 403, "analyst token may not list users (got %d)" % st)
    for h in ({"Authorization": "Bearer otw_" + "0" * 64}, {"Authorization": "Basic YWRtaW46eA=="},
              {"Authorization": "Bearer " + tk["token"][:-1]}):
        st, _, _ = bot.req("GET", "/api/v1/devices", headers=h)
        check(st == 401, "bad Authorization %s... -> 401 (got %d)" % (h["Authorization"][:12], st))
    # a bad token is refused even next to a valid session cookie
    st, _, _ = admin.req("GET", "/api/v1/devices", headers={"Authorization": "Bearer nope"})
    check(st == 401, "invalid bearer with a valid cookie -> 401 (got %d)" % st)
    cli = subprocess.run([OTW, "console", "token", "list", "--db", db], capture_output=True, text=True)
    check(cli.returncode != 0 or "ci-bot" in cli.stdout, "CLI lists the API-made token")
    st, _, _ = admin.req("DELETE", "/api/v1/tokens/ci-bot")
    check(st == 204, "admin revokes the token (got %d)" % st)
    st, _, _ = bot.req("GET", "/api/v1/devices", headers=auth)
    check(st == 401, "revoked token -> 401 (got %d)" % st)

    # role change ends the user's sessions
    c = Client(port)
    check(c.login("uanalyst", PW["analyst"]) == 200, "analyst signs in again")
    st, js, _ = admin.req("PATCH", "/api/v1/users/uanalyst", {"role": "readonly"})
    check(st == 200 and js["role"] == "readonly", "admin changes a role (got %d)" % st)
    st, _, _ = c.req("GET", "/api/v1/devices")
    check(st == 401, "the changed user's session ended (got %d)" % st)
    st, _, _ = admin.req("PATCH", "/api/v1/users/admin", {"role": "readonly"})
    check(st == 409, "admin cannot demote themself (got %d)" % st)
    st, _, _ = admin.req("PATCH", "/api/v1/users/uanalyst", {"role": "analyst"})

    # audit: every change above, with its user; admin only; paging
    an = Client(port)
    an.login("uanalyst", PW["analyst"])
    st, _, _ = an.req("GET", "/api/v1/audit")
    check(st == 403, "non-admin may not read the audit (got %d)" % st)
    st, au, _ = admin.req("GET", "/api/v1/audit?limit=500")
    acts = [(e["user"], e["action"], e["object"]) for e in au["items"]]
    for want in [("admin", "token.add", "ci-bot"), ("admin", "token.delete", "ci-bot"),
                 ("admin", "user.role", "uanalyst"), ("admin", "session.sign_in", "admin"),
                 ("ureadonly", "session.fail", "ureadonly"), ("ureadonly", "session.lockout", "ureadonly"),
                 ("ureadonly", "session.locked", "ureadonly"), ("nosuchuser", "session.fail", "nosuchuser"),
                 ("admin", "user.add", "m_admin"), ("uanalyst", "session.sign_out", "uanalyst")]:
        check(want in acts, "audit has %s" % (want,))
    check(not any(a[1] == "user.add" and a[2] in ("x1", "r1", "r2") for a in acts),
          "refused requests left no audit entry")
    check(all("remote=127.0.0.1" in e["detail"] for e in au["items"]), "audit entries name the remote address")
    ids = [e["id"] for e in au["items"]]
    check(ids == sorted(ids, reverse=True), "audit newest first")
    st, p2, _ = admin.req("GET", "/api/v1/audit?offset=2&limit=3")
    check([e["id"] for e in p2["items"]] == ids[2:5] and p2["total"] == au["total"], "audit paging")
    st, f, _ = admin.req("GET", "/api/v1/audit?action=token.")
    check(f["items"] and all(e["action"].startswith("token.") for e in f["items"]), "audit action filter")

PW = {}

class WS:
    """A minimal WebSocket client (RFC 6455) over TLS: enough to read the
    console's text frames. status is the handshake's HTTP status."""
    def __init__(self, port, headers):
        raw = socket.create_connection(("127.0.0.1", port), 10)
        self.s = ctx().wrap_socket(raw)
        self.s.settimeout(5)
        key = base64.b64encode(os.urandom(16)).decode()
        h = "".join("%s: %s\r\n" % kv for kv in headers.items())
        self.s.sendall(("GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n"
                        % (port, key, h)).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            d = self.s.recv(4096)
            if not d:
                break
            self.buf += d
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        try:
            self.status = int(head.split()[1])
        except (IndexError, ValueError):
            self.status = 0

    def _need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d

    def frame(self):
        self._need(2)
        op, ln = self.buf[0] & 15, self.buf[1] & 127
        off = 2
        if ln == 126:
            self._need(4); ln = int.from_bytes(self.buf[2:4], "big"); off = 4
        elif ln == 127:
            self._need(10); ln = int.from_bytes(self.buf[2:10], "big"); off = 10
        self._need(off + ln)
        data, self.buf = self.buf[off:off + ln], self.buf[off + ln:]
        return op, data

    def until(self, pred, seconds=6):
        """JSON messages until pred(msg) holds; None on close or timeout."""
        end = time.time() + seconds
        while time.time() < end:
            try:
                op, data = self.frame()
            except (EOFError, OSError, socket.timeout):
                return None
            if op == 8:
                return None
            if op == 1:
                m = json.loads(data)
                if pred(m):
                    return m
        return None

def websocket_push(port, db):
    c = Client(port)
    c.login("uanalyst", PW["analyst"])
    w = WS(port, {})
    check(w.status != 101, "WebSocket without a session refused (HTTP %d)" % w.status)
    w = WS(port, {"Cookie": c.cookie, "Origin": "https://evil.example"})
    check(w.status != 101, "WebSocket from another Origin refused (HTTP %d)" % w.status)
    w = WS(port, {"Cookie": c.cookie, "Origin": "https://127.0.0.1:%d" % port})
    check(w.status == 101, "signed-in WebSocket upgraded (HTTP %d)" % w.status)
    t = w.until(lambda m: m["type"] == "tick")
    check(t is not None and t["records"]["device"] > 0 and "last_alert" in t, "tick with records and counters")
    if ALERTADD:
        new = int(subprocess.run([ALERTADD, db, "WebSocket push test"], capture_output=True,
                                 text=True, check=True).stdout)
        m = w.until(lambda m: m["type"] == "alerts")
        check(m is not None and [a["id"] for a in m["items"]] == [new] and
              m["items"][0]["title"] == "WebSocket push test", "new alert %d pushed (%s)" % (new, m))
    st, _, _ = c.req("DELETE", "/api/v1/session")
    check(w.until(lambda m: False, 4) is None and st == 204, "sign-out ends the push")

if __name__ == "__main__":
    sys.exit(main())
