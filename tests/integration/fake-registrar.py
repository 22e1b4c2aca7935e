#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# A minimal Keylime-v2 registrar over HTTPS for testing the agent on its own:
# MakeCredential through tpm2_makecredential, auth_tag checked with Python's
# hmac. Every request is appended to the event log as one line.
#
#   [FAKE_REGISTRAR_PORT=N] [FAKE_REGISTRAR_STATUS=5xx] [FAKE_REGISTRAR_CLOSE_WHILE=PATH]
#       fake-registrar.py CERT KEY PORTFILE EVENTLOG [VERIFIER_URL]
#
# With FAKE_REGISTRAR_STATUS every request is answered with that status (an
# instance that fails), logged as "<METHOD> <agent id> <status>". With
# FAKE_REGISTRAR_CLOSE_WHILE, while PATH exists every connection is accepted
# and closed at once, before TLS (a TCP forwarder whose backend is down),
# logged as "CLOSE"; once PATH is gone the registrar answers.
import base64, hashlib, hmac, http.server, json, os, secrets, ssl, string, subprocess, sys, tempfile

cert, key, portfile, eventlog = sys.argv[1:5]
verifier_url = sys.argv[5] if len(sys.argv) > 5 else None
fail_status = int(os.environ.get("FAKE_REGISTRAR_STATUS", "0"))
close_while = os.environ.get("FAKE_REGISTRAR_CLOSE_WHILE")
agents = {}


def log(line):
    with open(eventlog, "a") as f:
        f.write(line + "\n")


def tpm_name(tpm2b_public):
    # TPM2B_PUBLIC: u16 size, then TPMT_PUBLIC whose second u16 is nameAlg.
    area = tpm2b_public[2:]
    assert int.from_bytes(tpm2b_public[:2], "big") == len(area)
    name_alg = area[2:4]
    assert name_alg == b"\x00\x0b", "only SHA-256 names in this test"
    return name_alg + hashlib.sha256(area).digest()


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, code, results):
        body = json.dumps({"code": code, "status": "Success" if code == 200 else "Error",
                           "results": results}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))

    def agent_id(self):
        parts = self.path.split("/")
        if len(parts) != 4 or parts[2] != "agents" or not parts[1].startswith("v2"):
            return None
        return parts[3]

    def failed(self, method):
        if not fail_status:
            return False
        self.body()
        log(f"{method} {self.agent_id()} {fail_status}")
        self.reply(fail_status, {})
        return True

    def do_POST(self):
        if self.failed("POST"):
            return
        aid = self.agent_id()
        req = self.body()
        ek = base64.b64decode(req["ek_tpm"])
        ak = base64.b64decode(req["aik_tpm"])
        if aid in agents and (agents[aid]["ek"], agents[aid]["ak"]) != (ek, ak):
            log(f"POST {aid} refused")
            return self.reply(403, {})
        secret = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        with tempfile.TemporaryDirectory() as d:
            open(f"{d}/ek.pub", "wb").write(ek)
            open(f"{d}/secret", "w").write(secret)
            subprocess.run(["tpm2_makecredential", "-T", "none", "-e", f"{d}/ek.pub", "-s", f"{d}/secret",
                            "-n", tpm_name(ak).hex(), "-o", f"{d}/blob"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            blob = open(f"{d}/blob", "rb").read()
        agents[aid] = {"ek": ek, "ak": ak, "secret": secret, "active": False}
        log(f"POST {aid} ekcert={'yes' if req.get('ekcert') else 'no'}")
        self.reply(200, {"blob": base64.b64encode(blob).decode()})

    def do_PUT(self):
        if self.failed("PUT"):
            return
        aid = self.agent_id()
        req = self.body()
        a = agents.get(aid)
        if not a:
            return self.reply(404, {})
        key = base64.b64encode(a["secret"].encode())
        want = hmac.new(key, aid.encode(), hashlib.sha384).hexdigest()
        if not hmac.compare_digest(want, req.get("auth_tag", "")):
            log(f"PUT {aid} bad-tag")
            del agents[aid]
            return self.reply(400, {})
        a["active"] = True
        log(f"PUT {aid} ok")
        self.reply(200, {"verifier_url": verifier_url} if verifier_url else {})

    def log_message(self, *args):
        pass


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)


class Server(http.server.HTTPServer):
    # TLS per connection, so that one can be closed before the handshake.
    def get_request(self):
        sock, addr = self.socket.accept()
        if close_while and os.path.exists(close_while):
            log("CLOSE")
            sock.close()
            raise OSError("closed on purpose")
        return ctx.wrap_socket(sock, server_side=True), addr


srv = Server(("127.0.0.1", int(os.environ.get("FAKE_REGISTRAR_PORT", "0"))), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
