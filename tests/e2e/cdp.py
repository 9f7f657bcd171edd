"""A minimal Chrome DevTools Protocol driver over --remote-debugging-pipe.

Chromium reads NUL-terminated JSON commands on fd 3 and writes replies and
events on fd 4, so a real headless browser can be driven with the standard
library only (CI has Debian's chromium but no npm registry for playwright).
"""
import base64, json, os, select, shutil, subprocess, tempfile, time


class CDPError(Exception):
    pass


class Browser:
    def __init__(self, exe=None, timeout=30.0):
        # Debian's /usr/bin/chromium is a wrapper script: run the binary
        for c in (exe, "/usr/lib/chromium/chromium", shutil.which("chromium"),
                  shutil.which("chromium-browser")):
            if c and os.access(c, os.X_OK):
                exe = c
                break
        else:
            exe = None
        if exe is None:
            raise FileNotFoundError("chromium not installed")
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="otw-chromium-")
        to_chrome_r, self._w = os.pipe()   # we write commands
        self._r, from_chrome_w = os.pipe()  # we read replies
        # chromium wants the pipe ends at fds 3 (in) and 4 (out)
        def child_fds():  # move out of the way first: either may be 3 or 4
            a, b = os.dup(to_chrome_r), os.dup(from_chrome_w)
            a2, b2 = os.dup2(a, 100), os.dup2(b, 101)
            os.dup2(a2, 3)
            os.dup2(b2, 4)
        self.proc = subprocess.Popen(
            [exe, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-pipe", "--ignore-certificate-errors",
             "--no-first-run", "--no-default-browser-check",
             "--user-data-dir=" + self.profile, "about:blank"],
            preexec_fn=child_fds, pass_fds=(3, 4),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._id = 0
        self.events = []
        self.session = None

    def _send(self, method, params=None, session=None):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._w, json.dumps(msg).encode() + b"\0")
        return self._id

    def _read_one(self, deadline):
        while b"\0" not in self._buf:
            left = deadline - time.time()
            if left <= 0:
                raise CDPError("timeout waiting for chromium")
            r, _, _ = select.select([self._r], [], [], left)
            if r:
                chunk = os.read(self._r, 1 << 16)
                if not chunk:
                    raise CDPError("chromium closed the pipe")
                self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session="page"):
        sid = self.session if session == "page" else session
        mid = self._send(method, params, sid)
        deadline = time.time() + self.timeout
        while True:
            m = self._read_one(deadline)
            if m.get("id") == mid:
                if "error" in m:
                    raise CDPError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def open_page(self):
        t = self.call("Target.createTarget", {"url": "about:blank"}, session=None)
        a = self.call("Target.attachToTarget", {"targetId": t["targetId"], "flatten": True},
                      session=None)
        self.session = a["sessionId"]
        self.call("Page.enable")
        self.call("Runtime.enable")
        self.call("Security.setIgnoreCertificateErrors", {"ignore": True})

    def goto(self, url):
        self.call("Page.navigate", {"url": url})

    def eval(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "awaitPromise": True,
                                           "returnByValue": True})
        if "exceptionDetails" in r:
            raise CDPError("JS: %s" % r["exceptionDetails"].get("text"))
        return r.get("result", {}).get("value")

    def wait_for(self, expr, timeout=15.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.eval(expr):
                    return True
            except CDPError:
                pass
            time.sleep(0.1)
        raise CDPError("timed out waiting for: " + expr)

    def screenshot(self, path):
        r = self.call("Page.captureScreenshot", {"format": "png"})
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def close(self):
        try:
            self.call("Browser.close", session=None)
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for fd in (self._w, self._r):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)
