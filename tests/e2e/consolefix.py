"""Fixture shared by the console tests: a store made by `otwatch analyze`
from the simulated plant (learning its normal phase, so its attack raises
alerts), three users (one per role) and a running `otwatch console`."""
import json, os, socket, subprocess, tempfile, time


class Console:
    def __init__(self, otw, packets=6000):
        self.otw = otw
        self.tmp = tempfile.mkdtemp(prefix="otw-console-")
        pcap = os.path.join(self.tmp, "sim.pcap")
        self.db = os.path.join(self.tmp, "store")
        subprocess.run([otw, "simulate", "--out", pcap, "--packets", str(packets)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.truth = json.load(open(pcap + ".truth.json"))
        learn = (self.truth["attack"]["start_us"] - self.truth["first_us"]) / 1e6
        subprocess.run([otw, "analyze", "--store", self.db, "--learn-seconds", "%.3f" % learn,
                        pcap], check=True, stdout=subprocess.DEVNULL)
        out = subprocess.run([otw, "user", "init", "--db", self.db], check=True,
                             capture_output=True, text=True).stdout
        self.pw = {"admin": out.strip().split()[-1]}
        for role in ("analyst", "readonly"):
            self.pw[role] = "Pw-%s-%s" % (role, os.urandom(4).hex())
            f = os.path.join(self.tmp, role + ".pw")
            with open(f, "w") as fh:
                fh.write(self.pw[role] + "\n")
            subprocess.run([otw, "user", "add", "u" + role, "--role", role,
                            "--password-file", f, "--db", self.db], check=True)
        self.users = {"admin": "admin", "analyst": "uanalyst", "readonly": "ureadonly"}
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.srv = subprocess.Popen(
            [otw, "console", "--db", self.db, "--listen", "127.0.0.1:%d" % self.port],
            stderr=open(os.path.join(self.tmp, "console.log"), "w"))
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                break
            except OSError:
                time.sleep(0.1)

    def stop(self):
        self.srv.terminate()
        self.srv.wait(10)
        return self.srv.returncode
