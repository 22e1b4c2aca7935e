#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Decodes registrar and push-API answers the way Keylime's Rust push agent
# (rust-keylime keylime_push_model_agent 0.2.9) does, and says what it would
# refuse. docs/KEYLIME.md has the table this follows.
#
#   keylime-answer-check.py DIR
#   keylime-answer-check.py --self-test
#
# DIR holds <endpoint>.<status>.json and optionally <endpoint>.<status>.headers
# (raw header lines, an HTTP status line is skipped). Endpoints: version,
# register, activate, session-create, session-authenticate, attestation-create,
# attestation-evidence, error (any 4xx). Required: session-create,
# session-authenticate, attestation-create, attestation-evidence, register,
# activate.
#
# Prints "endpoint: field: problem" per failure and exits 1, or prints
# "ok: N answers checked" and exits 0. Exit 2: usage error or a required
# answer missing. Warnings (stderr) do not fail.
import base64, binascii, email.utils, json, os, re, sys, tempfile

ENDPOINTS = ("version", "register", "activate", "session-create", "session-authenticate",
             "attestation-create", "attestation-evidence", "error")
REQUIRED = ("session-create", "session-authenticate", "attestation-create",
            "attestation-evidence", "register", "activate")
U64_MAX = 2**64 - 1
U32_MAX = 2**32 - 1


class Checker:
    def __init__(self):
        self.failures = []
        self.warnings = []
        self.endpoint = ""

    def fail(self, field, problem):
        self.failures.append(f"{self.endpoint}: {field}: {problem}")
        return False

    def warn(self, field, problem):
        self.warnings.append(f"warning: {self.endpoint}: {field}: {problem}")

    # --- serde-like primitive checks ----------------------------------------
    def field(self, parent, key, path, what, accepts, required, nullable):
        """A struct field the agent decodes as `what`; accepts(v) says whether
        a present, non-null value has the right JSON type. Returns it or None."""
        if not isinstance(parent, dict):
            return None
        if key not in parent:
            if required:
                self.fail(path, "missing (required by the agent)")
            return None
        v = parent[key]
        if v is None:
            if not nullable:
                self.fail(path, f"null where the agent needs {what}")
            return None
        if not accepts(v):
            self.fail(path, f"is {kind(v)}, the agent needs {what}")
            return None
        return v

    def obj(self, parent, key, path, required=True, nullable=False):
        """A struct field: a JSON object. Returns it or None."""
        return self.field(parent, key, path, "an object", lambda v: isinstance(v, dict), required, nullable)

    def string(self, parent, key, path, required=True, nullable=False):
        return self.field(parent, key, path, "a string", lambda v: isinstance(v, str), required, nullable)

    def uint(self, parent, key, path, required=True, nullable=False, maximum=U64_MAX):
        """u64/usize/u32: a JSON integer >= 0 (serde_json refuses 5.0 and -1)."""
        v = self.field(parent, key, path, "an unsigned integer",
                       lambda v: isinstance(v, int) and not isinstance(v, bool), required, nullable)
        if v is None:
            return None
        if v < 0 or v > maximum:
            self.fail(path, f"{v} is out of range for the agent's unsigned integer")
            return None
        return v

    def boolean(self, parent, key, path):
        if not isinstance(parent, dict):
            return None
        if key not in parent:
            return self.fail(path, "missing (required by the agent)")
        if not isinstance(parent[key], bool):
            return self.fail(path, f"is {kind(parent[key])}, the agent needs true/false")
        return parent[key]

    def array(self, parent, key, path, required=True, nullable=False):
        return self.field(parent, key, path, "a list", lambda v: isinstance(v, list), required, nullable)

    def strings(self, parent, key, path, required=True, nullable=False):
        a = self.array(parent, key, path, required, nullable)
        if a is None:
            return None
        for i, s in enumerate(a):
            if not isinstance(s, str):
                self.fail(f"{path}[{i}]", f"is {kind(s)}, the agent needs a string")
        return a

    def time(self, parent, key, path, required=True, nullable=False):
        """chrono DateTime<Utc> as serde decodes it (see parse_chrono)."""
        s = self.string(parent, key, path, required, nullable)
        if s is None:
            return None
        problem = parse_chrono(s)
        if problem:
            self.fail(path, f"{s!r} is not a time chrono's DateTime<Utc> accepts: {problem}")
            return None
        return s

    def b64(self, s, path, what="standard base64"):
        if s is None:
            return None
        problem = b64_problem(s)
        if problem:
            self.fail(path, f"not {what} ({problem})")
            return None
        return base64.b64decode(s)

    # --- shared structures --------------------------------------------------
    def jsonapi_data(self, body, with_id=False):
        if not isinstance(body, dict):
            self.fail("(body)", f"is {kind(body)}, the agent needs a JSON object")
            return None
        data = self.obj(body, "data", "data")
        if data is None:
            return None
        self.string(data, "type", "data.type")
        if with_id:
            if "id" not in data:
                self.fail("data.id", "missing (required by the agent)")
            elif isinstance(data["id"], bool) or not isinstance(data["id"], str):
                self.fail("data.id", f"is {kind(data['id'])}, the agent (0.2.9) needs a string "
                          "(JSON:API ids are strings; Keylime sends a UUID)")
        return self.obj(data, "attributes", "data.attributes")

    def v2_envelope(self, body):
        if not isinstance(body, dict):
            self.fail("(body)", f"is {kind(body)}, the agent needs a JSON object")
            return None
        if "code" not in body:
            self.fail("code", "missing (required by the agent)")
        elif isinstance(body["code"], bool) or not isinstance(body["code"], (int, float)):
            self.fail("code", f"is {kind(body['code'])}, the agent needs a number")
        self.string(body, "status", "status")
        if "results" not in body:
            self.fail("results", "missing (required by the agent)")
            return None
        return body["results"]

    def v2_results(self, body):
        """The envelope's results, which the agent needs as an object; or None."""
        results = self.v2_envelope(body)
        if results is None:
            return None
        if not isinstance(results, dict):
            self.fail("results", f"is {kind(results)}, the agent needs an object")
            return None
        return results

    def objects(self, lst, path):
        """(index, path, item) for each object in the list lst; other items fail."""
        for i, item in enumerate(lst or []):
            p = f"{path}[{i}]"
            if not isinstance(item, dict):
                self.fail(p, f"is {kind(item)}, the agent needs an object")
                continue
            yield i, p, item

    def pcr_banks(self, parent, key, path, required=True, nullable=False):
        banks = self.obj(parent, key, path, required, nullable)
        if banks is None:
            return None
        for bank in ("sha1", "sha256", "sha384", "sha512", "sm3_256"):
            lst = self.array(banks, bank, f"{path}.{bank}", required=False, nullable=True)
            for i, n in enumerate(lst or []):
                if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= U32_MAX:
                    self.fail(f"{path}.{bank}[{i}]", f"{n!r} is not a u32 PCR number")
        if isinstance(parent.get(key), list):
            self.fail(path, "a flat list; the agent needs an object keyed by bank")
        return banks

    def certification_key(self, k, path):
        if not isinstance(k, dict):
            return self.fail(path, f"is {kind(k)}, the agent needs an object")
        for f in ("key_algorithm", "key_class", "server_identifier", "local_identifier", "public"):
            self.string(k, f, f"{path}.{f}")
        self.uint(k, "key_size", f"{path}.key_size")
        self.strings(k, "allowable_hash_algorithms", f"{path}.allowable_hash_algorithms",
                     required=False, nullable=True)
        self.strings(k, "allowable_signature_schemes", f"{path}.allowable_signature_schemes",
                     required=False, nullable=True)
        return True

    def chosen_parameters(self, p, path):
        """ChosenParameters::try_from: LogParameters first, then CertificationParameters
        with at least one field set. Returns 'log', 'cert' or None (refused)."""
        if not isinstance(p, dict):
            self.fail(path, f"is {kind(p)}, the agent needs an object")
            return None
        if isinstance(p.get("format"), str) and \
                all(p.get(f) is None or (isinstance(p[f], int) and not isinstance(p[f], bool) and p[f] >= 0)
                    for f in ("starting_offset", "entry_count")):
            return "log"
        sub = Checker()
        sub.endpoint = self.endpoint
        for f in ("challenge", "hash_algorithm", "signature_scheme"):
            sub.string(p, f, f"{path}.{f}", required=False, nullable=True)
        sub.pcr_banks(p, "selected_subjects", f"{path}.selected_subjects", required=False, nullable=True)
        if p.get("certification_key") is not None:
            sub.certification_key(p["certification_key"], f"{path}.certification_key")
        if sub.failures:
            self.failures.extend(sub.failures)
            self.fail(path, "neither log parameters (format string, unsigned offsets) nor "
                      "certification parameters: the agent cannot decode the answer")
            return None
        if not any(p.get(f) is not None for f in ("challenge", "hash_algorithm", "signature_scheme",
                                                  "selected_subjects", "certification_key")):
            self.fail(path, "no field the agent recognises (log parameters need 'format')")
            return None
        return "cert"

    def headers_retry_after(self, headers, status):
        ra = headers.get("retry-after")
        if ra is None:
            return
        if 200 <= status < 300:
            self.fail("Retry-After", "on a success answer: the agent waits and sends the request again")
        problem = retry_after_problem(ra)
        if problem:
            self.fail("Retry-After", f"{ra!r}: {problem}; the agent ignores it")

    # --- endpoints ------------------------------------------------------------
    def check_version(self, status, body, headers):
        if not 200 <= status < 300:
            self.warn("(status)", f"{status}: the agent then tries its own API versions one by one")
            return
        results = self.v2_results(body)
        if results is None:
            return
        self.string(results, "current_version", "results.current_version")
        self.strings(results, "supported_versions", "results.supported_versions")

    def check_register(self, status, body, headers):
        if not 200 <= status < 300:
            self.fail("(status)", f"{status}: the agent treats registration as failed")
            return
        results = self.v2_results(body)
        if results is None:
            return
        if "blob" not in results:
            self.fail("results.blob", "missing (required by the agent: deserialize_with, no default)")
            return
        if results["blob"] is None:
            self.fail("results.blob", "null: the agent gets an empty credential and cannot activate")
            return
        if not isinstance(results["blob"], str):
            self.fail("results.blob", f"is {kind(results['blob'])}, the agent needs a base64 string")
            return
        raw = self.b64(results["blob"], "results.blob")
        if raw is not None and (len(raw) < 8 or raw[:4] != b"\xba\xdc\xc0\xde"):
            self.fail("results.blob", "does not start with the credential magic 0xBADCC0DE")

    def check_activate(self, status, body, headers):
        if not 200 <= status < 300:
            self.fail("(status)", f"{status}: the agent treats activation as failed")
            return
        results = self.v2_envelope(body)
        if results is not None and not isinstance(results, (dict, list)):
            self.fail("results", f"is {kind(results)}, the agent needs an object (empty is fine)")

    def check_session_create(self, status, body, headers):
        if not 200 <= status < 300:
            self.fail("(status)", f"{status}: the agent counts an authentication attempt as failed")
            return
        attrs = self.jsonapi_data(body, with_id=True)
        if attrs is None:
            return
        self.string(attrs, "agent_id", "data.attributes.agent_id")
        req = self.array(attrs, "authentication_requested", "data.attributes.authentication_requested")
        if req is not None and not req:
            self.fail("data.attributes.authentication_requested", "empty: the agent gives up")
        for i, p, item in self.objects(req, "data.attributes.authentication_requested"):
            self.string(item, "authentication_class", f"{p}.authentication_class")
            self.string(item, "authentication_type", f"{p}.authentication_type")
            cp = self.obj(item, "chosen_parameters", f"{p}.chosen_parameters")
            ch = self.string(cp, "challenge", f"{p}.chosen_parameters.challenge")
            if i == 0:
                self.b64(ch, f"{p}.chosen_parameters.challenge")
        self.time(attrs, "created_at", "data.attributes.created_at")
        self.time(attrs, "challenges_expire_at", "data.attributes.challenges_expire_at")

    def check_session_authenticate(self, status, body, headers):
        if not 200 <= status < 300:
            self.fail("(status)", f"{status}: the agent counts an authentication attempt as failed "
                      "(a refused proof is 200 with evaluation \"fail\" in Keylime)")
            return
        attrs = self.jsonapi_data(body, with_id=True)
        if attrs is None:
            return
        a = "data.attributes"
        self.string(attrs, "agent_id", f"{a}.agent_id")
        ev = self.string(attrs, "evaluation", f"{a}.evaluation")
        if ev is not None and ev not in ("pass", "fail"):
            self.fail(f"{a}.evaluation", f"{ev!r}: the agent takes a token only on \"pass\"")
        token = self.string(attrs, "token", f"{a}.token", required=False, nullable=True)
        if ev == "pass" and token is None:
            self.fail(f"{a}.token", "missing on a pass: the agent has no token")
        auth = self.array(attrs, "authentication", f"{a}.authentication")
        for i, p, item in self.objects(auth, f"{a}.authentication"):
            self.string(item, "authentication_class", f"{p}.authentication_class")
            self.string(item, "authentication_type", f"{p}.authentication_type")
            cp = self.obj(item, "chosen_parameters", f"{p}.chosen_parameters")
            self.string(cp, "challenge", f"{p}.chosen_parameters.challenge")
            d = self.obj(item, "data", f"{p}.data")
            self.string(d, "message", f"{p}.data.message")
            self.string(d, "signature", f"{p}.data.signature")
        self.time(attrs, "created_at", f"{a}.created_at")
        self.time(attrs, "challenges_expire_at", f"{a}.challenges_expire_at")
        self.time(attrs, "response_received_at", f"{a}.response_received_at")
        self.time(attrs, "token_expires_at", f"{a}.token_expires_at", required=False, nullable=True)
        if ev == "pass" and attrs.get("token_expires_at") is None:
            self.warn(f"{a}.token_expires_at", "absent: the agent assumes its fallback lifetime")

    def check_attestation_create(self, status, body, headers):
        if status != 201:
            self.fail("(status)", f"{status}: only 201 moves the agent to sending evidence")
            return
        loc = headers.get("location")
        if loc is None:
            self.fail("Location", "missing: the agent cannot send evidence")
        elif not loc or re.search(r"[\x00-\x20\x7f]", loc):
            self.fail("Location", f"{loc!r} is not an RFC 3986 URI reference")
        attrs = self.jsonapi_data(body)
        if attrs is None:
            return
        a = "data.attributes"
        self.string(attrs, "stage", f"{a}.stage")
        self.time(attrs, "capabilities_received_at", f"{a}.capabilities_received_at",
                  required=False, nullable=True)
        self.time(attrs, "challenges_expire_at", f"{a}.challenges_expire_at", required=False, nullable=True)
        reqs = self.array(attrs, "evidence_requested", f"{a}.evidence_requested")
        kinds = {}
        for i, p, item in self.objects(reqs, f"{a}.evidence_requested"):
            self.string(item, "evidence_class", f"{p}.evidence_class")
            et = self.string(item, "evidence_type", f"{p}.evidence_type")
            cp = item.get("chosen_parameters")
            decoded = None if cp is None else self.chosen_parameters(cp, f"{p}.chosen_parameters")
            if et is not None and et not in kinds:
                kinds[et] = (p, cp, decoded)
        if reqs is None:
            return
        # response_handler::process_negotiation_response
        if "tpm_quote" not in kinds:
            self.fail(f"{a}.evidence_requested", "no tpm_quote: the agent refuses the answer")
        else:
            p, cp, decoded = kinds["tpm_quote"]
            if cp is None:
                self.fail(f"{p}.chosen_parameters", "missing: the agent refuses a tpm_quote without parameters")
            elif decoded == "log":
                self.fail(f"{p}.chosen_parameters", "decodes as log parameters (has 'format'): the agent refuses it")
            elif decoded == "cert":
                for f in ("challenge", "signature_scheme", "hash_algorithm"):
                    if cp.get(f) is None:
                        self.fail(f"{p}.chosen_parameters.{f}", "absent: the agent quotes with an empty value")
                if cp.get("selected_subjects") is None:
                    self.fail(f"{p}.chosen_parameters.selected_subjects", "absent: the agent quotes no PCR")
                if cp.get("challenge") is not None:
                    self.b64(cp["challenge"], f"{p}.chosen_parameters.challenge")
        if "ima_log" not in kinds:
            self.fail(f"{a}.evidence_requested", "no ima_log: the agent refuses the answer")
        else:
            p, cp, decoded = kinds["ima_log"]
            if decoded != "log" and cp is None:
                self.fail(f"{p}.chosen_parameters", "missing: the agent needs format and starting_offset")
            elif decoded == "cert":
                self.fail(f"{p}.chosen_parameters", "no 'format': the agent does not take it as log parameters")
            elif decoded == "log" and cp.get("starting_offset") is None:
                self.warn(f"{p}.chosen_parameters.starting_offset", "absent: the agent sends the log from 0")
        if "uefi_log" not in kinds:
            self.warn(f"{a}.evidence_requested", "no uefi_log: the newest stored agent source refuses such "
                      "an answer (response_handler.rs); Keylime requests it only under a measured-boot policy")
        else:
            p, cp, decoded = kinds["uefi_log"]
            if cp is not None and decoded != "log":
                self.fail(f"{p}.chosen_parameters", "not log parameters: 'format' is required")

    def check_attestation_evidence(self, status, body, headers):
        if status != 202:
            self.fail("(status)", f"{status}: the agent counts the evidence as rejected")
            return
        sub = Checker()
        sub.endpoint = self.endpoint
        sub._evidence_body(body)
        if sub.failures:
            self.failures.extend(sub.failures)
            self.fail("(body)", "EvidenceHandlingResponse does not decode: the agent ignores "
                      "meta.seconds_to_next_attestation and waits its own interval")
        self.warnings.extend(sub.warnings)
        if isinstance(body, dict):
            meta = body.get("meta")
            if not isinstance(meta, dict) or meta.get("seconds_to_next_attestation") is None:
                self.fail("meta.seconds_to_next_attestation", "absent: the agent waits its own interval")
            if isinstance(body.get("data"), dict) and "seconds_to_next_attestation" in \
                    (body["data"].get("attributes") or {}):
                self.warn("data.attributes.seconds_to_next_attestation", "ignored by the agent (it reads meta)")

    def _evidence_body(self, body):
        if isinstance(body, dict):
            meta = self.obj(body, "meta", "meta", required=False, nullable=True)
            self.uint(meta, "seconds_to_next_attestation", "meta.seconds_to_next_attestation",
                      required=False, nullable=True)
            ja = self.obj(body, "jsonapi", "jsonapi", required=False, nullable=True)
            self.string(ja, "version", "jsonapi.version")
        attrs = self.jsonapi_data(body)
        if attrs is None:
            return
        a = "data.attributes"
        self.string(attrs, "stage", f"{a}.stage")
        for f in ("capabilities_received_at", "challenges_expire_at", "evidence_received_at"):
            self.time(attrs, f, f"{a}.{f}", required=False, nullable=True)
        si = self.obj(attrs, "system_info", f"{a}.system_info", required=False, nullable=True)
        if si is not None:
            self.time(si, "boot_time", f"{a}.system_info.boot_time")
        evs = self.array(attrs, "evidence", f"{a}.evidence")
        for i, p, item in self.objects(evs, f"{a}.evidence"):
            self.string(item, "evidence_class", f"{p}.evidence_class")
            self.string(item, "evidence_type", f"{p}.evidence_type")
            self._capabilities(item, f"{p}.capabilities")
            if item.get("chosen_parameters") is not None:
                self.chosen_parameters(item["chosen_parameters"], f"{p}.chosen_parameters")
            self._evidence_data(item, f"{p}.data")

    def _capabilities(self, item, path):
        if "capabilities" not in item:
            return self.fail(path, "missing (required by the agent)")
        caps = item["capabilities"]
        if not isinstance(caps, dict):
            return self.fail(path, f"is {kind(caps)}, the agent needs an object")
        cert, log = Checker(), Checker()
        cert.endpoint = log.endpoint = self.endpoint
        cert.string(caps, "component_version", f"{path}.component_version")
        cert.strings(caps, "hash_algorithms", f"{path}.hash_algorithms")
        cert.strings(caps, "signature_schemes", f"{path}.signature_schemes")
        cert.pcr_banks(caps, "available_subjects", f"{path}.available_subjects")
        for j, k in enumerate(cert.array(caps, "certification_keys", f"{path}.certification_keys") or []):
            cert.certification_key(k, f"{path}.certification_keys[{j}]")
        log.string(caps, "evidence_version", f"{path}.evidence_version", required=False, nullable=True)
        log.uint(caps, "entry_count", f"{path}.entry_count")
        log.boolean(caps, "supports_partial_access", f"{path}.supports_partial_access")
        log.boolean(caps, "appendable", f"{path}.appendable")
        log.strings(caps, "formats", f"{path}.formats")
        if cert.failures and log.failures:
            best = cert if item.get("evidence_class") == "certification" else log
            self.failures.extend(best.failures)
            return self.fail(path, "neither certification nor log capabilities")
        return True

    def _evidence_data(self, item, path):
        if "data" not in item:
            return self.fail(path, "missing (required by the agent)")
        d = item["data"]
        if not isinstance(d, dict):
            return self.fail(path, f"is {kind(d)}, the agent needs an object")
        if "subject_data" in d:
            if not isinstance(d["subject_data"], str):
                return self.fail(f"{path}.subject_data", f"is {kind(d['subject_data'])}, the agent needs a string")
            self.string(d, "message", f"{path}.message")
            self.string(d, "signature", f"{path}.signature")
        elif "entry_count" in d:
            self.uint(d, "entry_count", f"{path}.entry_count")
            self.string(d, "entries", f"{path}.entries")
        elif "entries" in d:
            self.string(d, "entries", f"{path}.entries")
        else:
            return self.fail(path, "none of subject_data (tpm_quote), entry_count+entries (ima_log), "
                             "entries (uefi_log)")
        return True

    def check_error(self, status, body, headers):
        if not 400 <= status < 500:
            self.fail("(status)", f"{status} is not a 4xx")
        if status == 429 and "retry-after" not in headers:
            self.warn("Retry-After", "absent on 429: the agent backs off by its own policy")
        if body is None:
            return
        if isinstance(body, dict) and "errors" in body:
            errs = body["errors"]
            if not isinstance(errs, list) or not errs:
                self.fail("errors", "JSON:API needs a non-empty list")
                return
            for i, e in enumerate(errs):
                if not isinstance(e, dict):
                    self.fail(f"errors[{i}]", f"is {kind(e)}, JSON:API needs an object")
                    continue
                if "status" in e and not isinstance(e["status"], str):
                    self.fail(f"errors[{i}].status", "JSON:API needs a string")
                elif isinstance(e.get("status"), str) and e["status"] != str(status):
                    self.fail(f"errors[{i}].status", f"{e['status']!r} differs from the HTTP status {status}")
        elif isinstance(body, dict) and "code" in body:
            self.v2_envelope(body)
        else:
            self.fail("(body)", "neither a JSON:API errors document nor a v2 {code, status, results} envelope")


CHECKS = {
    "version": Checker.check_version,
    "register": Checker.check_register,
    "activate": Checker.check_activate,
    "session-create": Checker.check_session_create,
    "session-authenticate": Checker.check_session_authenticate,
    "attestation-create": Checker.check_attestation_create,
    "attestation-evidence": Checker.check_attestation_evidence,
    "error": Checker.check_error,
}


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a float"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    return "an object"


def b64_problem(s):
    """base64 crate STANDARD engine: alphabet A-Za-z0-9+/, canonical '=' padding,
    no whitespace, no non-zero trailing bits."""
    if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", s):
        return "characters outside the standard alphabet"
    if len(s) % 4:
        return "length not a multiple of 4 (padding required)"
    try:
        raw = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError) as e:
        return str(e)
    if base64.b64encode(raw).decode() != s:
        return "non-canonical encoding"
    return None


# chrono 0.4 DateTime<Utc> Deserialize = DateTime<FixedOffset>::from_str =
# parse_rfc3339_relaxed: date, 'T'/'t'/' ', time with optional fraction, optional
# spaces, then 'Z'/'z', 'UTC' (any case) or a +hh:mm / +hhmm offset; nothing after
# but whitespace. Numeric fields take 1-2 digits (year 4, or signed); a naive time
# (no offset), a missing seconds field or ',' as decimal mark are refused.
_CHRONO = re.compile(
    r"(?P<y>[+-]\d{4,}|\d{4})\s*-\s*(?P<mo>\d{1,2})\s*-\s*(?P<d>\d{1,2})"
    r"[Tt ]\s*(?P<h>\d{1,2})\s*:\s*(?P<mi>\d{1,2})\s*:\s*(?P<s>\d{1,2})"
    r"(?:\.(?P<f>\d+))?\s*"
    r"(?P<tz>[Zz]|[Uu][Tt][Cc]|[+-](?P<oh>\d{2})(?:[: ]\s*|\s*)(?P<om>\d{2}))\s*")


def parse_chrono(s):
    m = _CHRONO.fullmatch(s.lstrip())
    if not m:
        if re.fullmatch(r"\s*\d{4}-\d{1,2}-\d{1,2}[Tt ]\d{1,2}:\d{1,2}(:\d{1,2}(\.\d+)?)?\s*", s):
            return "no UTC offset (chrono needs 'Z' or +hh:mm)"
        return "not RFC 3339"
    mo, d, h, mi, sec = (int(m.group(x)) for x in ("mo", "d", "h", "mi", "s"))
    y = int(m.group("y"))
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 23 and mi <= 59 and sec <= 60):
        return "field out of range"
    import calendar
    if y >= 1 and d > calendar.monthrange(y, mo)[1]:
        return "no such day"
    if m.group("oh") is not None and (int(m.group("oh")) > 23 or int(m.group("om")) > 59):
        return "offset out of range"
    return None


def retry_after_problem(v):
    """resilient_client.rs parse_retry_after: u64 seconds, else an HTTP-date."""
    if re.fullmatch(r"\+?\d+", v) and int(v) <= U64_MAX:
        return None
    try:
        if email.utils.parsedate_to_datetime(v) is not None and re.search(r"GMT$", v):
            return None
    except (TypeError, ValueError, IndexError):
        pass
    return "neither whole seconds nor an HTTP-date"


def read_headers(path):
    headers = {}
    if not os.path.exists(path):
        return headers
    with open(path, encoding="latin-1") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line or line.startswith("HTTP/") or ":" not in line:
                continue
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return headers


def check_dir(d, out=sys.stdout, err=sys.stderr):
    if not os.path.isdir(d):
        print(f"keylime-answer-check: {d}: not a directory", file=err)
        return 2
    found = {}
    for name in sorted(os.listdir(d)):
        m = re.fullmatch(r"(?P<ep>[a-z-]+)\.(?P<st>\d{3})\.json", name)
        if not m:
            continue
        if m.group("ep") not in ENDPOINTS:
            print(f"keylime-answer-check: {name}: unknown endpoint", file=err)
            return 2
        found.setdefault(m.group("ep"), []).append((int(m.group("st")), name))
    missing = [e for e in REQUIRED if e not in found]
    if missing:
        print(f"keylime-answer-check: {d}: no answer for {', '.join(missing)}", file=err)
        return 2
    c = Checker()
    n = 0
    for ep in ENDPOINTS:
        for status, name in found.get(ep, []):
            n += 1
            c.endpoint = ep if len(found[ep]) == 1 else f"{ep}.{status}"
            headers = read_headers(os.path.join(d, name[:-len(".json")] + ".headers"))
            with open(os.path.join(d, name), "rb") as f:
                text = f.read()
            body = None
            if text.strip():
                try:
                    body = json.loads(text)
                except (ValueError, UnicodeDecodeError) as e:
                    if ep != "error":
                        c.fail("(body)", f"not JSON: {e}")
                        continue
            elif ep != "error":
                c.fail("(body)", "empty: the agent needs a JSON document")
                continue
            c.headers_retry_after(headers, status)
            CHECKS[ep](c, status, body, headers)
    for w in c.warnings:
        print(w, file=err)
    for f in c.failures:
        print(f, file=out)
    if c.failures:
        return 1
    print(f"ok: {n} answers checked", file=out)
    return 0


# --- self-test: answers as Keylime 7.14 would give them ------------------------
CHAL = base64.b64encode(bytes(range(16))).decode()
BLOB = base64.b64encode(b"\xba\xdc\xc0\xde\x00\x00\x00\x01" + b"\x00" * 8).decode()
SID = "4f6c1a2e-9d1b-4a51-9d0c-2b6e3f0a7c11"


def good_answers():
    cert_key = {"key_class": "asymmetric", "key_algorithm": "rsa", "key_size": 2048,
                "server_identifier": "ak", "local_identifier": "000b" + "ab" * 32,
                "public": "AAEACwAF", "allowable_hash_algorithms": ["sha256"],
                "allowable_signature_schemes": ["rsassa"]}
    tpm_caps = {"component_version": "2.0", "hash_algorithms": ["sha256"], "signature_schemes": ["rsassa"],
                "available_subjects": {"sha256": list(range(24))}, "certification_keys": [cert_key]}
    tpm_params = {"challenge": CHAL, "signature_scheme": "rsassa", "hash_algorithm": "sha256",
                  "selected_subjects": {"sha1": None, "sha256": list(range(24))},
                  "certification_key": cert_key}
    ima_caps = {"entry_count": 12, "supports_partial_access": True, "appendable": True,
                "formats": ["text/plain"]}
    uefi_caps = {"evidence_version": "2.1", "entry_count": 40, "supports_partial_access": False,
                 "appendable": False, "formats": ["application/octet-stream"]}
    times = {"capabilities_received_at": "2025-06-01T10:00:00.123456+00:00",
             "challenges_expire_at": "2025-06-01T10:05:00.123456+00:00"}
    auth = [{"authentication_class": "pop", "authentication_type": "tpm_pop",
             "chosen_parameters": {"challenge": CHAL}, "data": {"message": "/1RDR4AX", "signature": "ABQACw=="}}]
    return {
        "version.200": ({"code": 200, "status": "Success",
                         "results": {"current_version": "2.6", "supported_versions": ["2.1", "2.6", "3.0"]}}, ""),
        "register.200": ({"code": 200, "status": "Success", "results": {"blob": BLOB}}, ""),
        "activate.200": ({"code": 200, "status": "Success", "results": {}}, ""),
        "session-create.200": ({"data": {"type": "session", "id": SID, "attributes": {
            "agent_id": "node1", "authentication_requested": [
                {"authentication_class": "pop", "authentication_type": "tpm_pop",
                 "chosen_parameters": {"challenge": CHAL}}],
            "created_at": "2025-06-01T10:00:00.123456+00:00",
            "challenges_expire_at": "2025-06-01T10:01:00.123456+00:00"}}}, ""),
        "session-authenticate.200": ({"data": {"type": "session", "id": SID, "attributes": {
            "agent_id": "node1", "evaluation": "pass", "token": SID + ".c2VjcmV0",
            "authentication": auth, "created_at": "2025-06-01T10:00:00.123456+00:00",
            "challenges_expire_at": "2025-06-01T10:01:00.123456+00:00",
            "response_received_at": "2025-06-01T10:00:01.5+00:00",
            "token_expires_at": "2025-06-01T10:03:01Z"}}}, ""),
        "attestation-create.201": ({"data": {"type": "attestation", "id": "0", "attributes": dict(
            stage="awaiting_evidence", evidence_requested=[
                {"evidence_class": "certification", "evidence_type": "tpm_quote", "chosen_parameters": tpm_params},
                {"evidence_class": "log", "evidence_type": "uefi_log",
                 "chosen_parameters": {"format": "application/octet-stream"}},
                {"evidence_class": "log", "evidence_type": "ima_log",
                 "chosen_parameters": {"starting_offset": 0, "format": "text/plain"}}],
            system_info={"boot_time": "2025-06-01T09:00:00+00:00"}, **times),
            "links": {"self": "/v3.0/agents/node1/attestations/0"}}},
            "HTTP/1.1 201 Created\nLocation: /v3.0/agents/node1/attestations/0\n"
            "Content-Type: application/vnd.api+json\n"),
        "attestation-evidence.202": ({"data": {"type": "attestation", "id": "0", "attributes": dict(
            stage="evaluating_evidence", evidence=[
                {"evidence_class": "certification", "evidence_type": "tpm_quote", "capabilities": tpm_caps,
                 "chosen_parameters": tpm_params,
                 "data": {"message": "/1RDRw==", "signature": "ABQ=", "subject_data": "AQAAAA=="}},
                {"evidence_class": "log", "evidence_type": "uefi_log", "capabilities": uefi_caps,
                 "chosen_parameters": {"format": "application/octet-stream"}, "data": {"entries": "AAAA"}},
                {"evidence_class": "log", "evidence_type": "ima_log", "capabilities": ima_caps,
                 "chosen_parameters": {"starting_offset": 0, "format": "text/plain"},
                 "data": {"entries": "10 abc ima-ng sha256:00 boot_aggregate\n", "entry_count": 1}}],
            system_info={"boot_time": "2025-06-01T09:00:00+00:00"},
            evidence_received_at="2025-06-01T10:00:02.000001+00:00", **times)},
            "meta": {"seconds_to_next_attestation": 2}}, ""),
        "error.429": ({"errors": [{"status": "429", "code": "premature_attestation", "title": "Too Many Requests",
                                   "detail": "Wait 2 seconds"}]}, "Retry-After: 2\n"),
    }


def without(d, *path):
    import copy
    d = copy.deepcopy(d)
    cur = d
    for p in path[:-1]:
        cur = cur[p]
    del cur[path[-1]]
    return d


def with_value(d, value, *path):
    import copy
    d = copy.deepcopy(d)
    cur = d
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value
    return d


def self_test():
    good = good_answers()
    A = ("data", "attributes")
    cases = [
        # (name, replace {file: (body, headers)} or None to delete, expected rc, expected text in output)
        ("good answers", {}, 0, "ok: 8 answers checked"),
        ("session without created_at", {"session-create.200": (without(good["session-create.200"][0], *A, "created_at"), "")},
         1, "session-create: data.attributes.created_at: missing"),
        ("session id as number", {"session-create.200": (with_value(good["session-create.200"][0], 7, "data", "id"), "")},
         1, "session-create: data.id: is an integer"),
        ("naive timestamp", {"session-create.200": (with_value(good["session-create.200"][0], "2025-06-01T10:00:00.123456",
                                                               *A, "challenges_expire_at"), "")},
         1, "no UTC offset"),
        ("authentication list missing", {"session-authenticate.200": (without(good["session-authenticate.200"][0], *A, "authentication"), "")},
         1, "session-authenticate: data.attributes.authentication: missing"),
        ("response_received_at missing", {"session-authenticate.200": (without(good["session-authenticate.200"][0], *A, "response_received_at"), "")},
         1, "data.attributes.response_received_at: missing"),
        ("authentication data.signature missing",
         {"session-authenticate.200": (without(good["session-authenticate.200"][0], *A, "authentication", 0, "data", "signature"), "")},
         1, "authentication[0].data.signature: missing"),
        ("evaluation success", {"session-authenticate.200": (with_value(good["session-authenticate.200"][0], "success", *A, "evaluation"), "")},
         1, "evaluation: 'success'"),
        ("202 without evidence list", {"attestation-evidence.202": (without(good["attestation-evidence.202"][0], *A, "evidence"), "")},
         1, "attestation-evidence: data.attributes.evidence: missing"),
        ("seconds_to_next_attestation in attributes",
         {"attestation-evidence.202": (with_value(without(good["attestation-evidence.202"][0], "meta"), 2, *A, "seconds_to_next_attestation"), "")},
         1, "meta.seconds_to_next_attestation: absent"),
        ("evidence item without capabilities",
         {"attestation-evidence.202": (without(good["attestation-evidence.202"][0], *A, "evidence", 2, "capabilities"), "")},
         1, "evidence[2].capabilities: missing"),
        ("201 without Location", {"attestation-create.201": (good["attestation-create.201"][0], "")},
         1, "attestation-create: Location: missing"),
        ("ima_log without format",
         {"attestation-create.201": (without(good["attestation-create.201"][0], *A, "evidence_requested", 2, "chosen_parameters", "format"),
                                     good["attestation-create.201"][1])},
         1, "evidence_requested[2].chosen_parameters"),
        ("flat available_subjects",
         {"attestation-evidence.202": (with_value(good["attestation-evidence.202"][0], [0, 1], *A, "evidence", 0, "capabilities",
                                                  "available_subjects"), "")},
         1, "available_subjects"),
        ("register without blob", {"register.200": ({"code": 200, "status": "Success", "results": {}}, "")},
         1, "register: results.blob: missing"),
        ("activate 400", {"activate.200": None, "activate.400": ({"code": 400, "status": "bad", "results": {}}, "")},
         1, "activate: (status): 400"),
        ("bad Retry-After", {"error.429": (good["error.429"][0], "Retry-After: soon\n")},
         1, "error: Retry-After: 'soon'"),
        ("Retry-After on 202", {"attestation-evidence.202": (good["attestation-evidence.202"][0], "Retry-After: 5\n")},
         1, "attestation-evidence: Retry-After: on a success answer"),
        ("missing required file", {"session-create.200": None}, 2, "no answer for session-create"),
    ]
    import io
    failed = 0
    for name, change, want_rc, want_text in cases:
        files = dict(good)
        files.update(change)
        with tempfile.TemporaryDirectory() as d:
            for key, val in files.items():
                if val is None:
                    continue
                body, headers = val
                with open(os.path.join(d, key + ".json"), "w") as f:
                    json.dump(body, f)
                if headers:
                    with open(os.path.join(d, key + ".headers"), "w") as f:
                        f.write(headers)
            out, err = io.StringIO(), io.StringIO()
            rc = check_dir(d, out, err)
        text = out.getvalue() + err.getvalue()
        if rc != want_rc or want_text not in text:
            failed += 1
            print(f"FAIL {name}: rc {rc} (want {want_rc}), output:\n{text}")
        else:
            print(f"pass {name}")
    time_cases = [("2025-06-01T10:00:00Z", True), ("2025-06-01T10:00:00.123456+00:00", True),
                  ("2025-06-01t10:00:00z", True), ("2025-06-01 10:00:00+0200", True),
                  ("2025-06-01T10:00:00.123456789123-05:30", True), ("2025-06-01T10:00:00 UTC", True),
                  ("2025-06-01T10:00:00", False), ("2025-06-01T10:00Z", False), ("2025-06-01", False),
                  ("2025-06-01T10:00:00,5Z", False), ("2025-06-01T10:00:00+00", False),
                  ("2025-02-30T10:00:00Z", False), ("1717236000", False)]
    for s, ok in time_cases:
        got = parse_chrono(s) is None
        if got != ok:
            failed += 1
            print(f"FAIL time {s!r}: accepted={got}, want {ok}")
    for v, ok in [("2", True), ("120", True), ("Wed, 21 Oct 2015 07:28:00 GMT", True), ("1.5", False),
                  ("-1", False), ("soon", False)]:
        if (retry_after_problem(v) is None) != ok:
            failed += 1
            print(f"FAIL Retry-After {v!r}")
    if failed:
        print(f"self-test: {failed} failed")
        return 1
    print("self-test: ok")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        return self_test()
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: keylime-answer-check.py DIR | --self-test", file=sys.stderr)
        return 2
    return check_dir(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
