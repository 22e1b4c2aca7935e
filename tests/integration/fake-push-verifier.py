#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# A scripted Keylime v3.0 push verifier over plain HTTP on loopback, for
# testing how the agent copes with a verifier that misbehaves. It checks no
# quote: it hands out sessions, attestations and a "pass" verdict, and answers
# with a fault instead whenever the test queued one for that route.
#
#   fake-push-verifier.py PORT PORTFILE REQUESTLOG [INTERVAL]
#
# PORT 0 picks a free one (written to PORTFILE). Every request of the agent is
# appended to REQUESTLOG as "<CLOCK_MONOTONIC s> <METHOD> <route> <status>",
# followed by the body kind when a fault was answered.
# Faults are queued with POST /_test/fault and a JSON object:
#   route        session | proof | capabilities | evidence | latest
#   status       the HTTP status answered (410 also ends attestation for good)
#   retry_after  the Retry-After header, a string
#   delay        seconds to wait before answering (a slow verifier)
#   body         json (the usual answer or a JSON:API error), invalid-json,
#                missing-field, html (the usual answer typed text/html),
#                huge (a 20 MiB JSON document), endless (80 MiB, no length)
import base64, http.server, json, os, secrets, sys, threading, time

port, portfile, requestlog = int(sys.argv[1]), sys.argv[2], sys.argv[3]
interval = int(sys.argv[4]) if len(sys.argv) > 4 else 1
lock = threading.Lock()
faults = {}        # route -> list of fault objects, oldest first
tokens = set()     # bearer tokens handed out; forgotten when restarted
counter = {}       # agent id -> attestations created
terminated = False
JSON_API = "application/vnd.api+json"


def log(method, route, status, fault=""):
    with lock, open(requestlog, "a") as f:
        f.write(f"{time.monotonic():.3f} {method} {route} {status} {fault}".rstrip() + "\n")


def take_fault(route):
    with lock:
        q = faults.get(route)
        return q.pop(0) if q else None


def route_of(method, parts):
    # parts of /v3.0/...: ["sessions"], ["sessions", id], ["agents", id, "attestations"[, n|latest]]
    if parts[:1] == ["sessions"]:
        return {("POST", 1): "session", ("PATCH", 2): "proof"}.get((method, len(parts)))
    if len(parts) >= 3 and parts[0] == "agents" and parts[2] == "attestations":
        if method == "POST" and len(parts) == 3:
            return "capabilities"
        if method == "PATCH" and len(parts) == 4:
            return "evidence"
        if method == "GET" and parts[3:] == ["latest"]:
            return "latest"
    return None


def error_doc(status, detail):
    return {"errors": [{"status": str(status), "title": "fault", "detail": detail}]}


class Handler(http.server.BaseHTTPRequestHandler):
    def send(self, status, doc, ctype=JSON_API, headers=()):
        body = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def authorised(self):
        auth = self.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and auth[7:] in tokens

    # The usual answers: (status, document, extra headers).
    def session(self, parts, req):
        sid = secrets.token_hex(8)
        challenge = base64.b64encode(secrets.token_bytes(16)).decode()
        return 200, {"data": {"type": "session", "id": sid, "attributes": {
            "authentication_requested": [{"authentication_class": "pop", "authentication_type": "tpm_pop",
                                          "chosen_parameters": {"challenge": challenge}}]}}}, []

    def proof(self, parts, req):
        token = f"{parts[1]}.{secrets.token_hex(16)}"
        with lock:
            tokens.add(token)
        return 200, {"data": {"type": "session", "id": parts[1], "attributes": {
            "evaluation": "pass", "token": token}}}, []

    def capabilities(self, parts, req):
        if not self.authorised():
            return 401, error_doc(401, "token expired"), []
        offered = req["data"]["attributes"]["evidence_supported"]
        assert any(e["evidence_type"] == "tpm_quote" for e in offered)
        with lock:
            n = counter[parts[1]] = counter.get(parts[1], -1) + 1
        location = f"/v3.0/agents/{parts[1]}/attestations/{n}"
        quote = {"evidence_class": "certification", "evidence_type": "tpm_quote", "chosen_parameters": {
            "challenge": base64.b64encode(secrets.token_bytes(16)).decode(), "signature_scheme": "rsassa",
            "hash_algorithm": "sha256", "selected_subjects": {"sha256": [0, 1, 2, 3, 4, 5, 6, 7, 15]}}}
        return 201, {"data": {"type": "attestation", "id": str(n), "attributes": {
            "stage": "awaiting_evidence", "evidence_requested": [quote]}}}, [("Location", location)]

    def evidence(self, parts, req):
        if not self.authorised():
            return 401, error_doc(401, "token expired"), []
        item = req["data"]["attributes"]["evidence_collected"][0]
        if item["evidence_type"] != "tpm_quote" or not item["data"]["message"]:
            return 400, error_doc(400, "no quote"), []
        return 202, {"data": {"type": "attestation", "id": parts[3], "attributes": {
            "stage": "evaluating_evidence"}}, "meta": {"seconds_to_next_attestation": interval}}, []

    def latest(self, parts, req):
        if not self.authorised():
            return 401, error_doc(401, "token expired"), []
        return 200, {"data": {"type": "attestation", "id": "latest", "attributes": {
            "evaluation": "pass", "stage": "verification_complete"}}}, []

    def faulty(self, route, fault, status, doc, headers):
        global terminated
        time.sleep(fault.get("delay", 0))
        status = fault.get("status", status)
        if status == 410:
            terminated = True
        if "retry_after" in fault:
            headers = headers + [("Retry-After", fault["retry_after"])]
        kind = fault.get("body", "json")
        if status >= 400 and kind == "json":
            doc = error_doc(status, f"fault on {route}")
        if kind == "missing-field" and "data" in doc:
            attrs = doc["data"]["attributes"]
            attrs.pop("evidence_requested", None)
            doc.pop("meta", None)
            attrs.pop("evaluation", None)
            attrs.pop("token", None)
            attrs.pop("authentication_requested", None)
        if kind == "endless":
            return self.endless(route, status)
        log(self.command, route, status, kind)
        if kind == "invalid-json":
            return self.send(status, b'{"data": {"attributes": {"stage": "awaiting_evidence", ', headers=headers)
        if kind == "huge":
            return self.send(status, b'{"data": "' + b"x" * (20 << 20) + b'"}', headers=headers)
        return self.send(status, doc, "text/html" if kind == "html" else JSON_API, headers)

    def endless(self, route, status):
        log(self.command, route, status, "endless")
        self.send_response(status)
        self.send_header("Content-Type", JSON_API)
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = b" " * (1 << 20)
        try:
            self.wfile.write(b'{"data": "')
            for _ in range(80):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def control(self):
        fault = json.loads(self.body())
        with lock:
            faults.setdefault(fault["route"], []).append(fault)
        self.send(200, {})

    def handle_any(self):
        if self.command == "POST" and self.path == "/_test/fault":
            return self.control()
        parts = self.path.split("/")[1:]
        route = route_of(self.command, parts[1:]) if parts[:1] == ["v3.0"] else None
        raw = self.body()
        if route is None:
            log(self.command, "other", 404)
            return self.send(404, error_doc(404, "no such route"))
        if terminated:
            log(self.command, route, 410)
            return self.send(410, error_doc(410, "attestation of this node has ended"))
        status, doc, headers = getattr(self, route)(parts[1:], json.loads(raw) if raw else None)
        fault = take_fault(route)
        if fault:
            return self.faulty(route, fault, status, doc, headers)
        log(self.command, route, status)
        self.send(status, doc, headers=headers)

    do_GET = do_POST = do_PATCH = handle_any

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", port), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
