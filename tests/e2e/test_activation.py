#!/usr/bin/env python3
"""e2e: `otwatch setup` (validation, certificate import: chain, expiry,
key match) and signed activation: `otwatch activation keygen|issue|apply`
and POST/GET /api/v1/activation over real HTTPS. Every refusal (unsigned,
tampered, expired, not yet valid, another sensor, untrusted key, no
trusted key, malformed) is checked on both paths, and refusals change
nothing stored.
usage: test_activation.py OTWATCH
"""
import base64, datetime, json, os, subprocess, sys, tempfile

from consolefix import Console
from test_console import Client, check, FAILS

OTW = sys.argv[1]


def otw(*args):
    return subprocess.run([OTW] + list(args), capture_output=True, text=True)


def certs(d):
    """CA, a leaf it signed, an expired leaf, a self-signed leaf, a wrong key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    now = datetime.datetime.utcnow()
    name = lambda cn: x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    def key():
        return ec.generate_private_key(ec.SECP256R1())
    def cert(subj, skey, issuer, ikey, nb, na, ca=False):
        b = (x509.CertificateBuilder().subject_name(name(subj)).issuer_name(name(issuer))
             .public_key(skey.public_key()).serial_number(x509.random_serial_number())
             .not_valid_before(nb).not_valid_after(na)
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        return b.sign(ikey, hashes.SHA256())
    def write(path, *objs):
        with open(path, "wb") as f:
            for o in objs:
                if isinstance(o, x509.Certificate):
                    f.write(o.public_bytes(serialization.Encoding.PEM))
                else:
                    f.write(o.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
        return path
    day = datetime.timedelta(days=1)
    cak, lk, ok = key(), key(), key()
    ca = cert("test CA", cak, "test CA", cak, now - day, now + 30 * day, ca=True)
    p = {"ca": write(os.path.join(d, "ca.pem"), ca),
         "leaf": write(os.path.join(d, "leaf.pem"), cert("sensor", lk, "test CA", cak, now - day, now + 30 * day)),
         "key": write(os.path.join(d, "leaf.key"), lk),
         "other_key": write(os.path.join(d, "other.key"), ok),
         "expired": write(os.path.join(d, "expired.pem"), cert("sensor", lk, "test CA", cak, now - 10 * day, now - day)),
         "selfsigned": write(os.path.join(d, "self.pem"), cert("sensor", lk, "sensor", lk, now - day, now + day))}
    return p


def setup_cli(tmp):
    db = os.path.join(tmp, "setup-store")
    os.makedirs(db)
    base = ["setup", "--db", db, "--sensor-name", "s1", "--interfaces", "eth1"]
    bad = [(["--sensor-name", "bad name"], "sensor_name"), (["--interfaces", "eth1,,eth2"], "interfaces"),
           (["--timezone", "../../etc/passwd"], "timezone"), (["--timezone", "Mars/Olympus"], "timezone"),
           (["--proxy", "ftp://x"], "proxy"), (["--mode", "offline"], "mode"),
           (["--mgmt-address", "host:99999"], "mgmt_address"), (["--cert", "import"], "cert-file")]
    for extra, word in bad:
        r = otw(*(base + extra))
        check(r.returncode == 2 and word in r.stderr, "setup refuses %s: %s" % (extra, r.stderr.strip()))
    c = certs(tmp)
    imp = base + ["--cert", "import", "--cert-file"]
    for args, word, what in [
            ([c["leaf"], "--key-file", c["other_key"], "--ca-file", c["ca"]], "does not match", "wrong key"),
            ([c["expired"], "--key-file", c["key"], "--ca-file", c["ca"]], "expired", "expired certificate"),
            ([c["leaf"], "--key-file", c["key"]], "chain does not verify", "unknown CA"),
            ([c["selfsigned"], "--key-file", c["key"], "--ca-file", c["ca"]], "chain does not verify", "self-signed leaf")]:
        r = otw(*(imp + args))
        check(r.returncode == 1 and word in r.stderr, "cert import refused, %s: %s" % (what, r.stderr.strip()))
    check(not os.path.exists(os.path.join(db, "console.pem")), "refused certificates wrote nothing")
    r = otw("activation", "show", "--db", db)
    check("sensor.name" not in r.stdout, "refused setups stored nothing")
    r = otw(*(imp + [c["leaf"], "--key-file", c["key"], "--ca-file", c["ca"], "--mode", "managed",
                     "--timezone", "Europe/Berlin", "--mgmt-address", "mgmt.example:4443",
                     "--proxy", "http://proxy.local:3128"]))
    check(r.returncode == 0, "setup with an imported certificate (%s)" % r.stderr.strip())
    check(os.path.exists(os.path.join(db, "console.pem")), "imported certificate written for the console")
    r = otw("activation", "show", "--db", db)
    check("sensor.name              s1" in r.stdout and "sensor.id" in r.stdout, "setup stored name and id")


def b64(s):
    return base64.b64encode(s).decode()


def main():
    fx = Console(OTW, packets=2000)
    tmp = fx.tmp
    try:
        setup_cli(tmp)
        run(fx, tmp)
    finally:
        fx.stop()
    print("%d failures" % len(FAILS))
    return 1 if FAILS else 0


def run(fx, tmp):
    k, pub = os.path.join(tmp, "sign.pem"), os.path.join(tmp, "sign.pub")
    k2, pub2 = os.path.join(tmp, "rogue.pem"), os.path.join(tmp, "rogue.pub")
    check(otw("activation", "keygen", "--key", k, "--pub", pub).returncode == 0, "keygen")
    check(oct(os.stat(k).st_mode & 0o777) == "0o600", "signing key is mode 0600")
    check(otw("activation", "keygen", "--key", k, "--pub", pub).returncode == 1, "keygen never overwrites a key")
    otw("activation", "keygen", "--key", k2, "--pub", pub2)

    admin = Client(fx.port)
    admin.login("admin", fx.pw["admin"])
    def issue(name, **kw):
        args = ["activation", "issue", "--key", kw.get("key", k), "--sensor-name", kw.get("sensor", "plant-s1"),
                "--sensor-id", kw.get("sid", sid), "--mode", "managed", "--site", "hamburg", "--zone", "line-1",
                "--out", os.path.join(tmp, name)]
        if "nb" in kw:
            args += ["--not-before", kw["nb"]]
        args += ["--not-after", kw["na"]] if "na" in kw else ["--days", "30"]
        r = otw(*args)
        check(r.returncode == 0, "issue %s (%s)" % (name, r.stderr.strip()))
        return os.path.join(tmp, name)

    # before setup installs a trusted key: no activation is accepted
    st, js, _ = admin.req("GET", "/api/v1/activation")
    check(st == 200 and js["activated"] is False and js["trusted_key"] is False, "not activated at first")
    sid = "0" * 32
    f = issue("early.json", sid=sid)
    r = otw("activation", "apply", f, "--db", fx.db)
    check(r.returncode == 3 and "no-trusted-key" in r.stderr, "no trusted key -> refused (%s)" % r.stderr.strip())
    r = otw("setup", "--db", fx.db, "--sensor-name", "plant-s1", "--interfaces", "eth1", "--activation-key", pub)
    check(r.returncode == 0, "setup installs the trusted key (%s)" % r.stderr.strip())
    sid = [l.split()[1] for l in otw("activation", "show", "--db", fx.db).stdout.splitlines()
           if l.startswith("sensor.id")][0]

    good = issue("good.json")
    doc = json.load(open(good))
    unsigned = dict(doc); del unsigned["signature"]
    payload = json.loads(base64.b64decode(doc["payload"]))
    tampered = dict(doc, payload=b64(json.dumps(dict(payload, zone="line-2")).encode()))
    cases = [
        ("unsigned", unsigned, 422, "unsigned"),
        ("tampered", tampered, 422, "tampered"),
        ("expired", json.load(open(issue("exp.json", nb="2020-01-01T00:00:00Z", na="2021-01-01T00:00:00Z"))), 422, "expired"),
        ("not yet valid", json.load(open(issue("fut.json", nb="2090-01-01T00:00:00Z", na="2091-01-01T00:00:00Z"))), 422, "not-yet-valid"),
        ("another sensor id", json.load(open(issue("sid.json", sid="f" * 32))), 422, "other-sensor"),
        ("another sensor name", json.load(open(issue("name.json", sensor="plant-s2"))), 422, "other-sensor"),
        ("untrusted key", json.load(open(issue("rogue.json", key=k2))), 422, "untrusted"),
        ("untrusted key posing as trusted", dict(json.load(open(os.path.join(tmp, "rogue.json"))), key_id=doc["key_id"]), 422, "tampered"),
        ("malformed", {"format": "otwatch-activation-1", "payload": "!!"}, 400, "malformed"),
        ("wrong format", dict(doc, format="x"), 400, "malformed"),
    ]
    st, before, _ = admin.req("GET", "/api/v1/activation")
    for what, body, code, why in cases:
        st, js, _ = admin.req("POST", "/api/v1/activation", body)
        check(st == code and js.get("refusal") == why and js.get("error"),
              "POST %s -> %d %s (got %d %s: %s)" % (what, code, why, st, js.get("refusal"), js.get("error")))
        path = os.path.join(tmp, "case.json")
        json.dump(body, open(path, "w"))
        r = otw("activation", "apply", path, "--db", fx.db)
        check(r.returncode == 3 and "(%s)" % why in r.stderr, "CLI apply %s -> %s (%s)" % (what, why, r.stderr.strip()))
    st, after, _ = admin.req("GET", "/api/v1/activation")
    check(after == before and after["activated"] is False, "refusals activated nothing")

    an = Client(fx.port)
    an.login("uanalyst", fx.pw["analyst"])
    st, _, _ = an.req("POST", "/api/v1/activation", doc)
    check(st == 403, "analyst may not activate (got %d)" % st)
    st, js, _ = admin.req("POST", "/api/v1/activation", doc)
    check(st == 200 and js["activated"] and js["valid_now"] and js["mode"] == "managed" and
          js["site"] == "hamburg" and js["zone"] == "line-1", "admin applies the signed file (%d %s)" % (st, js))
    st, js, _ = an.req("GET", "/api/v1/activation")
    check(st == 200 and js["sensor_name"] == "plant-s1" and js["sensor_id"] == sid, "analyst reads the activation")
    r = otw("activation", "apply", good, "--db", fx.db)
    check(r.returncode == 0 and "activated" in r.stdout, "CLI applies the same file")
    st, au, _ = admin.req("GET", "/api/v1/audit?action=activation.")
    acts = [(e["user"], e["action"]) for e in au["items"]]
    check(("admin", "activation.apply") in acts and ("cli", "activation.apply") in acts and
          ("admin", "activation.refused") in acts, "activation and refusals audited")


if __name__ == "__main__":
    sys.exit(main())
