"""A local RFC 3161 time-stamping authority: the real `openssl ts -reply` behind
a small HTTP handler, standing in for a remote TSA (tests have no network)."""
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import tsp

TSA_CNF = """
[ tsa ]
default_tsa = tsa_config1
[ tsa_config1 ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.crt
certs = $dir/ca.crt
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5.6
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _run(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


class LocalTSA:
    """modes: ok, garbage, wrong-hash, slow, error (HTTP 503), refuse (TSA status 'rejection'),
    hang (takes the request, never answers, until the mode changes or `hang_seconds` pass)."""

    def __init__(self, eku="timeStamping"):
        self.dir = Path(tempfile.mkdtemp(prefix="lz-tsa-"))
        self.mode = "ok"
        self.requests = 0
        self.slow_seconds = 3
        self.hang_seconds = 300
        d = str(self.dir)
        _run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=Liuzheng Test Root CA", "-days", "30",
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
        _run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "tsa.key",
             "-out", "tsa.csr", "-subj", "/CN=Liuzheng Test TSA", cwd=d)
        ext = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n"
        if eku:
            ext += f"extendedKeyUsage=critical,{eku}\n"
        (self.dir / "ext.cnf").write_text(ext)
        _run("x509", "-req", "-in", "tsa.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
             "-out", "tsa.crt", "-days", "30", "-extfile", "ext.cnf", cwd=d)
        (self.dir / "serial").write_text("01\n")
        (self.dir / "tsa.cnf").write_text(TSA_CNF.format(dir=d))
        self.ca_file = str(self.dir / "ca.crt")
        self._lock = threading.Lock()
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with tsa._lock:
                    tsa.requests += 1
                if tsa.mode == "hang":
                    end = time.monotonic() + tsa.hang_seconds
                    while tsa.mode == "hang" and time.monotonic() < end:
                        time.sleep(0.1)
                    return  # the connection is closed with no answer at all
                answer = tsa.answer(body)
                if answer is None:
                    self.send_response(503)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reply(self, query: bytes) -> bytes:
        with self._lock, tempfile.TemporaryDirectory() as tmp:
            q, r = Path(tmp) / "q.tsq", Path(tmp) / "r.tsr"
            q.write_bytes(query)
            _run("ts", "-reply", "-config", str(self.dir / "tsa.cnf"), "-queryfile", str(q), "-out", str(r), cwd=tmp)
            return r.read_bytes()

    def answer(self, body: bytes):
        if self.mode == "garbage":
            return b"<html>not a timestamp</html>"
        if self.mode == "error":
            return None
        if self.mode == "slow":
            time.sleep(self.slow_seconds)
        if self.mode == "wrong-hash":
            req = tsp.TimeStampReq.load(body)
            req["message_imprint"]["hashed_message"] = b"\x42" * 32
            body = req.dump(force=True)
        if self.mode == "refuse":
            return tsp.TimeStampResp({"status": {"status": "rejection", "status_string": ["no"]}}).dump()
        return self.reply(body)

    def openssl_verify(self, der: bytes, digest_hex: str) -> subprocess.CompletedProcess:
        """The independent check: openssl itself, as a court's expert would run it."""
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "token.tsr"
            path.write_bytes(der)
            return subprocess.run(["openssl", "ts", "-verify", "-digest", digest_hex, "-in", str(path),
                                   "-CAfile", self.ca_file], capture_output=True, text=True)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
