#!/usr/bin/env python3
"""First render of the console's inventory page in headless Chromium
(tests/e2e/cdp.py): sign in as admin, then load #/devices afresh RUNS
times and read the page's own user-timing mark (set when the first page
of rows is in the DOM), i.e. navigation start to rows rendered.
usage: ui_render.py PORT ADMIN_PASSWORD [RUNS]"""
import json, os, statistics, sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from cdp import Browser  # noqa: E402

port, pw = int(sys.argv[1]), sys.argv[2]
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
url = "https://127.0.0.1:%d/" % port
b = Browser()
try:
    b.open_page()
    b.call("Emulation.setDeviceMetricsOverride", {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    b.goto(url)
    b.wait_for("!document.querySelector('#login').hidden || !document.querySelector('#app').hidden")
    b.eval("""(() => { document.querySelector('#login-user').value = 'admin';
        document.querySelector('#login-pw').value = %s;
        document.querySelector('#login-form').requestSubmit(); })()""" % json.dumps(pw))
    b.wait_for("!document.querySelector('#app').hidden")
    # a first start shows the setup wizard: store a setup through the API
    b.eval("""fetch('/api/v1/setup').then(r => r.json()).then(s => s.complete ? 0 :
        fetch('/api/v1/session').then(r => r.json()).then(me => fetch('/api/v1/setup', {method: 'POST',
        headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token},
        body: JSON.stringify({sensor_name: 'bench', interfaces: 'eth1', timezone: 'UTC', mode: 'local'})})))""")
    times = []
    for i in range(runs + 1):
        b.goto(url + "?r=%d#/devices" % i)
        b.wait_for("performance.getEntriesByName('otw:list:devices').length > 0 && "
                   "document.querySelectorAll('table[data-list=devices] tbody tr').length === 100", 30)
        t = b.eval("performance.getEntriesByName('otw:list:devices')[0].startTime")
        if i > 0:  # the first load warms the cache
            times.append(t)
    print("ui first render of #/devices (100 rows): median %.0f ms, max %.0f ms over %d loads"
          % (statistics.median(times), max(times), len(times)))
finally:
    b.close()
