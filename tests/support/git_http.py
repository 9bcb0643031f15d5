#!/usr/bin/env python3
"""A private git server for the tests: git's smart HTTP protocol (git
http-backend as a CGI program) over 127.0.0.1, answering only requests with
HTTP basic auth for USER:PASSWORD and 401 (asking for credentials) to the
rest; with USER `-`, a public server that asks for none. Prints its port on stdout once it listens; runs until killed.

    git_http.py REPO_ROOT USER PASSWORD [LOG]

LOG, when given, gets one line per request: the path and whether the
credentials were right ("ok", "wrong" or "none").
"""
import base64
import http.server
import os
import subprocess
import sys

root, user, password = sys.argv[1], sys.argv[2], sys.argv[3]
log = sys.argv[4] if len(sys.argv) > 4 else None
want = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def note(self, verdict):
        if log:
            with open(log, "a") as f:
                f.write(f"{self.path} {verdict}\n")

    def handle_one(self):
        auth = self.headers.get("Authorization")
        if user != "-" and auth != want:
            self.note("none" if auth is None else "wrong")
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="private"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.note("ok")
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        env = dict(
            os.environ,
            GIT_PROJECT_ROOT=root,
            GIT_HTTP_EXPORT_ALL="1",
            PATH_INFO=path,
            QUERY_STRING=query,
            REQUEST_METHOD=self.command,
            CONTENT_TYPE=self.headers.get("Content-Type", ""),
            CONTENT_LENGTH=str(len(body)),
            REMOTE_USER=user,
        )
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.split(b"\r\n"):
            name, _, value = line.decode().partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = handle_one
    do_POST = handle_one


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
