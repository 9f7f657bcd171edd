#!/usr/bin/env python3
"""Browser test: Debian's headless Chromium drives the console UI over real
HTTPS (tests/e2e/cdp.py, DevTools over a pipe). Signs in, browses the
inventory and alerts, closes an alert as an analyst, checks the read-only
role sees no actions and no user admin, and keeps screenshots in OUTDIR.
usage: test_ui.py OTWATCH OUTDIR   (exit 77 when chromium is missing)
"""
import http.client, json, os, ssl, subprocess, sys

from cdp import Browser, CDPError
from consolefix import Console

FAILS = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def api_alerts(port, fx):
    """Open alerts as the API sees them (admin session)."""
    ctx = ssl._create_unverified_context()
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=20)
    c.request("POST", "/api/v1/session", json.dumps({"username": "admin", "password": fx.pw["admin"]}),
              {"Content-Type": "application/json"})
    r = c.getresponse()
    cookie = r.getheader("Set-Cookie").split(";")[0]
    r.read()
    c.close()
    c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=20)
    c.request("GET", "/api/v1/alerts?status=open&limit=1000", headers={"Cookie": cookie})
    d = json.loads(c.getresponse().read())
    c.close()
    return d


def sign_in(b, url, user, pw):
    b.goto(url)
    b.wait_for("document.querySelector('#login') && !document.querySelector('#login').hidden"
               " || document.querySelector('#app') && !document.querySelector('#app').hidden")
    b.eval("""(() => { document.querySelector('#login-user').value = %s;
        document.querySelector('#login-pw').value = %s;
        document.querySelector('#login-form').requestSubmit(); })()""" % (json.dumps(user), json.dumps(pw)))
    b.wait_for("!document.querySelector('#app').hidden")
    check(b.eval("getComputedStyle(document.querySelector('#login')).display === 'none'"),
          "%s signed in: the sign-in form is really gone" % user)


def setup_state(fx):
    r = subprocess.run([fx.otw, "activation", "show", "--db", fx.db], capture_output=True, text=True)
    return r.stdout


def wizard(b, url, fx, out):
    """First start: the admin gets the setup wizard; a bad time zone is
    refused with the field named; a good form stores the settings (read
    back with the CLI) and the wizard is gone on the next sign-in."""
    sign_in(b, url, "admin", fx.pw["admin"])
    b.wait_for("document.querySelector('#wizard') !== null")
    check(True, "admin sees the setup wizard on first start")
    b.screenshot(os.path.join(out, "00-wizard.png"))
    def fill(**kw):
        b.eval("(() => { const f = document.querySelector('#wizard'); %s f.requestSubmit(); })()" % "".join(
            "f.querySelector('[name=%s]').value = %s;" % (k, json.dumps(v)) for k, v in kw.items()))
    fill(sensor_name="plant-s1", interfaces="eth1,eth2", timezone="Mars/Olympus", mode="managed")
    b.wait_for("document.querySelector('#wizard .error').textContent.length > 0")
    msg = b.eval("document.querySelector('#wizard .error').textContent")
    check("timezone" in msg, "wizard refuses a bad time zone: %s" % msg)
    check("sensor.name" not in setup_state(fx), "refused wizard stored nothing")
    fill(timezone="Europe/Berlin", mgmt_address="mgmt.example:4443")
    b.wait_for("document.querySelector('#wizard') === null && document.querySelectorAll('.tile').length >= 4")
    st = setup_state(fx)
    check("plant-s1" in st and "sensor.id" in st, "wizard stored the sensor name and made an id")
    b.eval("document.querySelector('#logout').click()")
    b.wait_for("!document.querySelector('#login').hidden")
    sign_in(b, url, "admin", fx.pw["admin"])
    b.wait_for("document.querySelectorAll('.tile').length >= 4")
    check(b.eval("document.querySelector('#wizard') === null"), "no wizard once setup is complete")
    b.eval("document.querySelector('#logout').click()")
    b.wait_for("!document.querySelector('#login').hidden")


def main():
    otw, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    try:
        b = Browser()
    except FileNotFoundError:
        print("SKIP: chromium not installed (apt install chromium)")
        return 77
    fx = Console(otw)
    url = "https://127.0.0.1:%d/" % fx.port
    try:
        b.open_page()
        b.call("Emulation.setDeviceMetricsOverride",
               {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
        # a wrong password shows an error and no app
        b.goto(url)
        b.wait_for("!document.querySelector('#login').hidden")
        b.eval("""(() => { document.querySelector('#login-user').value = 'admin';
            document.querySelector('#login-pw').value = 'Wrong-password-1';
            document.querySelector('#login-form').requestSubmit(); })()""")
        b.wait_for("document.querySelector('#login-err').textContent.length > 0")
        check(b.eval("document.querySelector('#app').hidden"), "wrong password: app stays hidden")
        b.screenshot(os.path.join(out, "01-login-error.png"))

        wizard(b, url, fx, out)

        sign_in(b, url, "uanalyst", fx.pw["analyst"])
        check("uanalyst" in b.eval("document.querySelector('#who').textContent"), "analyst signed in")
        b.wait_for("document.querySelectorAll('.tile').length >= 4")
        b.screenshot(os.path.join(out, "02-overview.png"))
        if len(sys.argv) > 3:  # a new alert is pushed to the open page
            b.eval("document.querySelector('[data-k=\"records.device\"]').textContent = '-'")
            b.wait_for("document.querySelector('[data-k=\"records.device\"]').textContent !== '-'")
            check(True, "overview tiles refresh from the WebSocket tick")
            subprocess.run([sys.argv[3], fx.db, "Pushed to the browser"], check=True, stdout=subprocess.DEVNULL)
            b.wait_for("document.querySelector('.toast') && document.querySelector('.toast').textContent.includes('Pushed to the browser')")
            check(True, "a new alert shows as a toast without reloading")
            b.screenshot(os.path.join(out, "02b-alert-toast.png"))

        b.goto(url + "#/devices")
        b.wait_for("document.querySelectorAll('table[data-list=devices] tbody tr').length > 0")
        rows = b.eval("document.querySelectorAll('table[data-list=devices] tbody tr').length")
        check(rows >= 5, "device table lists %s devices" % rows)
        b.screenshot(os.path.join(out, "03-devices.png"))

        # the device map draws every device, grouped by subnet; wheel zooms
        b.goto(url + "#/map")
        b.wait_for("document.querySelector('#map') && document.querySelector('#map').dataset.drawn")
        txt = b.eval("document.querySelector('.toolbar').textContent")
        check(txt.startswith("%d devices" % rows) and "subnets" in txt and " 0 links" not in txt,
              "map shows the %d devices and their links: %s" % (rows, txt))
        n0 = b.eval("Number(document.querySelector('#map').dataset.drawn)")
        b.eval("document.querySelector('#map').dispatchEvent(new WheelEvent('wheel', {deltaY: -200, clientX: 200, clientY: 300, bubbles: true}))")
        b.wait_for("Number(document.querySelector('#map').dataset.drawn) > %d" % n0)
        check(True, "wheel zoom redraws the map")
        b.screenshot(os.path.join(out, "03b-map.png"))

        b.goto(url + "#/alerts")
        b.wait_for("document.querySelectorAll('table[data-list=alerts] tbody tr').length > 0")
        before = api_alerts(fx.port, fx)["total"]
        shown = b.eval("document.querySelectorAll('table[data-list=alerts] tbody tr').length")
        check(shown == before, "alerts page shows the %d open alerts (%s)" % (before, shown))
        b.screenshot(os.path.join(out, "04-alerts.png"))
        first = b.eval("document.querySelector('table[data-list=alerts] tbody tr').dataset.alert")
        b.eval("[...document.querySelector('table[data-list=alerts] tbody tr').querySelectorAll('button')]"
               ".find(x => x.textContent === 'Close').click()")
        b.wait_for("document.querySelectorAll('table[data-list=alerts] tbody tr').length === %d" % (before - 1))
        after = api_alerts(fx.port, fx)
        check(after["total"] == before - 1 and all(str(a["id"]) != first for a in after["items"]),
              "closing in the UI closed alert %s in the store" % first)
        check(b.eval("[...document.querySelectorAll('nav a')].find(a => a.dataset.view === 'users').hidden"),
              "analyst sees no Users page")
        b.eval("document.querySelector('#logout').click()")
        b.wait_for("!document.querySelector('#login').hidden")

        sign_in(b, url, "ureadonly", fx.pw["readonly"])
        b.goto(url + "#/alerts")
        b.wait_for("document.querySelectorAll('table[data-list=alerts] tbody tr').length > 0")
        check(b.eval("document.querySelectorAll('table[data-list=alerts] button').length") == 0,
              "read-only sees alerts without action buttons")
        b.screenshot(os.path.join(out, "05-readonly-alerts.png"))
        b.eval("document.querySelector('#logout').click()")
        b.wait_for("!document.querySelector('#login').hidden")

        sign_in(b, url, "admin", fx.pw["admin"])
        b.goto(url + "#/users")
        b.wait_for("[...document.querySelectorAll('td')].some(td => td.textContent === 'uanalyst')")
        check(True, "admin sees the user list")
        b.screenshot(os.path.join(out, "06-users.png"))
        # a token made in the UI is shown once and works as a bearer
        b.eval("""(() => { document.querySelector('input[aria-label="token name"]').value = 'ui-bot';
            [...document.querySelectorAll('button')].find(x => x.textContent === 'Make token').click(); })()""")
        b.wait_for("document.querySelector('.secret code') !== null")
        tok = b.eval("document.querySelector('.secret code').textContent")
        check(tok.startswith("otw_") and len(tok) == 68, "UI shows the new token once")
        c = http.client.HTTPSConnection("127.0.0.1", fx.port, context=ssl._create_unverified_context(), timeout=20)
        c.request("GET", "/api/v1/health", headers={"Authorization": "Bearer " + tok})
        check(c.getresponse().status == 200, "the UI-made token authenticates")
        c.close()
        b.goto(url + "#/audit")
        b.wait_for("document.querySelectorAll('table[data-list=audit] tbody tr').length > 0")
        acts = b.eval("[...document.querySelectorAll('table[data-list=audit] tbody tr td:nth-child(3)')].map(t => t.textContent)")
        check("token.add" in acts and "session.sign_in" in acts and "session.fail" in acts,
              "audit page lists the token, the sign-ins and the failed sign-in")
        b.screenshot(os.path.join(out, "07-audit.png"))
    except CDPError as e:
        check(False, "browser: %s" % e)
        try:
            b.screenshot(os.path.join(out, "failure.png"))
        except Exception:
            pass
    finally:
        b.close()
        fx.stop()
    print("%d failures; screenshots in %s" % (len(FAILS), out))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
