"""A small HTTP client for tests and benches that talk to a real server (gunicorn) over a socket:
cookies kept by name, CSRF taken from the page, multipart uploads, no redirects followed.
Several clients may share one cookie jar (one browser behind a load balancer)."""
import http.client
import re
import uuid
from urllib.parse import urlencode

CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def header(self, name, default=""):
        return next((v for k, v in self.headers if k.lower() == name.lower()), default)


class Client:
    def __init__(self, port, host="127.0.0.1", cookies=None, timeout=60):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies = {} if cookies is None else cookies
        self._conn = None

    def _connection(self):
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        return self._conn

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (0, 1):  # a kept-alive connection the server closed: reconnect once
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                raw = conn.getresponse()
                data = raw.read()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.close()
                if attempt:
                    raise
        response = Response(raw.status, raw.getheaders(), data)
        for name, value in response.headers:
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                if val.strip('"'):
                    self.cookies[key.strip()] = val
                else:
                    self.cookies.pop(key.strip(), None)
        if raw.getheader("Connection", "").lower() == "close":
            self.close()
        return response

    def get(self, path, **headers):
        return self.request("GET", path, headers=headers)

    def csrf(self, page):
        found = CSRF_FIELD.search(page.body)
        assert found, f"no CSRF field on the page ({page.status})"
        return found.group(1).decode()

    def post(self, path, fields, files=None, csrf_from=None):
        """POST a form. `csrf_from`: the path of the page the form is on (fetched for its token)."""
        fields = dict(fields)
        if csrf_from is not None:
            fields["csrfmiddlewaretoken"] = self.csrf(self.get(csrf_from))
        if not files:
            body = urlencode(fields, doseq=True).encode()
            return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
        boundary = uuid.uuid4().hex
        parts = []
        for key, values in fields.items():
            for value in values if isinstance(values, (list, tuple)) else [values]:
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
        for key, (filename, content, media_type) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"; filename="{filename}"\r\n'
                         f"Content-Type: {media_type}\r\n\r\n".encode() + content + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def login(self, username, password):
        return self.post("/accounts/login/", {"username": username, "password": password},
                         csrf_from="/accounts/login/")
