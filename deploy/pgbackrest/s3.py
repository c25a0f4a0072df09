#!/usr/bin/env python3
"""A small S3 client (Python standard library, AWS Signature Version 4) for what pgBackRest does
not carry itself: the encrypted configuration archives copied to the object store of repository 2,
under a prefix of its bucket (deploy/scripts/backup config-offsite, deploy/scripts/rebuild-host).

Settings come from the environment, named as in the stack's env file: BACKUP_S3_BUCKET,
BACKUP_S3_ENDPOINT, BACKUP_S3_PORT, BACKUP_S3_REGION, BACKUP_S3_URI_STYLE (host|path),
BACKUP_S3_CA_FILE; the keys from the files named by BACKUP_S3_KEY_FILE and
BACKUP_S3_KEY_SECRET_FILE (never from the command line).

  s3.py put KEY FILE          upload FILE as KEY (atomic on S3: the object appears whole or not)
  s3.py get KEY FILE          download KEY into FILE (written to FILE.part, then renamed)
  s3.py list PREFIX           "KEY SIZE LAST_MODIFIED_EPOCH" per object, sorted by key
  s3.py delete KEY
  s3.py self-test             the signer against AWS's published Signature Version 4 examples
"""
import datetime
import email.utils
import hashlib
import hmac
import http.client
import os
import ssl
import sys
import urllib.parse
import xml.etree.ElementTree as ET

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _hmac(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def quote(s, safe="-_.~"):
    return urllib.parse.quote(s, safe=safe)


def sign(method, path, query, headers, payload_hash, access_key, secret_key, region, service, amz_date):
    """The Authorization header value. headers: name -> value (every one is signed); path is
    already URI-encoded; query: a list of (name, value) pairs, not encoded."""
    canonical_query = "&".join(f"{quote(k)}={quote(v)}" for k, v in sorted(query))
    names = sorted(h.lower() for h in headers)
    lowered = {k.lower(): " ".join(str(v).split()) for k, v in headers.items()}
    canonical_headers = "".join(f"{n}:{lowered[n]}\n" for n in names)
    signed = ";".join(names)
    canonical = "\n".join([method, path, canonical_query, canonical_headers, signed, payload_hash])
    day = amz_date[:8]
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret_key).encode(), day), region), service), "aws4_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={signature}"


class S3Error(Exception):
    pass


class Client:
    def __init__(self, env):
        def need(name):
            v = env.get(name, "")
            if not v:
                raise S3Error(f"{name} is not set")
            return v

        self.bucket = need("BACKUP_S3_BUCKET")
        self.endpoint = need("BACKUP_S3_ENDPOINT")
        self.port = int(env.get("BACKUP_S3_PORT") or 443)
        self.region = env.get("BACKUP_S3_REGION") or "us-east-1"
        self.path_style = (env.get("BACKUP_S3_URI_STYLE") or "host") == "path"
        try:
            with open(need("BACKUP_S3_KEY_FILE")) as f:
                self.access_key = f.read().strip()
            with open(need("BACKUP_S3_KEY_SECRET_FILE")) as f:
                self.secret_key = f.read().strip()
        except OSError as e:
            raise S3Error(f"cannot read the object store's keys: {e}") from None
        ca = env.get("BACKUP_S3_CA_FILE") or None
        self.tls = ssl.create_default_context(cafile=ca)

    def _request(self, method, key="", query=(), body=b"", payload_hash=None):
        host = self.endpoint if self.path_style else f"{self.bucket}.{self.endpoint}"
        path = "/" + (f"{self.bucket}/" if self.path_style else "") + quote(key, safe="-_.~/")
        if payload_hash is None:
            payload_hash = hashlib.sha256(body).hexdigest() if isinstance(body, bytes) else EMPTY_SHA256
        amz_date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        host_header = host if self.port == 443 else f"{host}:{self.port}"
        headers = {"host": host_header, "x-amz-date": amz_date, "x-amz-content-sha256": payload_hash}
        headers["Authorization"] = sign(method, path, list(query), headers, payload_hash,
                                        self.access_key, self.secret_key, self.region, "s3", amz_date)
        url = path + ("?" + "&".join(f"{quote(k)}={quote(v)}" for k, v in query) if query else "")
        conn = http.client.HTTPSConnection(host, self.port, context=self.tls, timeout=60)
        try:
            conn.request(method, url, body=body if body else None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as e:
            raise S3Error(f"{method} https://{host_header}{path}: {e}") from None
        finally:
            conn.close()
        if resp.status >= 300:
            raise S3Error(f"{method} https://{host_header}{path}: HTTP {resp.status} {data[:300].decode(errors='replace')}")
        return data

    def put(self, key, filename):
        with open(filename, "rb") as f:
            body = f.read()
        self._request("PUT", key, body=body)

    def get(self, key, filename):
        data = self._request("GET", key)
        tmp = filename + ".part"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, filename)

    def delete(self, key):
        self._request("DELETE", key)

    def list(self, prefix):
        out, token = [], None
        while True:
            query = [("list-type", "2"), ("prefix", prefix)]
            if token:
                query.append(("continuation-token", token))
            root = ET.fromstring(self._request("GET", query=sorted(query)))
            ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
            for c in root.findall(f"{ns}Contents"):
                when = datetime.datetime.fromisoformat(c.findtext(f"{ns}LastModified").replace("Z", "+00:00"))
                out.append((c.findtext(f"{ns}Key"), int(c.findtext(f"{ns}Size")), int(when.timestamp())))
            if root.findtext(f"{ns}IsTruncated") != "true":
                break
            token = root.findtext(f"{ns}NextContinuationToken")
        return sorted(out)


def self_test():
    """AWS's published examples: the S3 GET Object example (docs: sig-v4-header-based-auth) and
    get-vanilla from the Signature Version 4 test suite."""
    cases = [
        ("S3 GET Object example",
         sign("GET", "/test.txt", [], {"Host": "examplebucket.s3.amazonaws.com", "Range": "bytes=0-9",
                                      "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": "20130524T000000Z"},
              EMPTY_SHA256, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
              "us-east-1", "s3", "20130524T000000Z"),
         "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
         "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
         "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
        ("test suite get-vanilla",
         sign("GET", "/", [], {"Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z"}, EMPTY_SHA256,
              "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", "service", "20150830T123600Z"),
         "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
         "SignedHeaders=host;x-amz-date, "
         "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    ]
    bad = 0
    for name, got, want in cases:
        if got == want:
            print(f"ok   {name}")
        else:
            print(f"FAIL {name}:\n  got  {got}\n  want {want}")
            bad += 1
    return 1 if bad else 0


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    cmd, args = argv[1], argv[2:]
    if cmd == "self-test":
        return self_test()
    want = {"put": 2, "get": 2, "list": 1, "delete": 1}
    if cmd not in want or len(args) != want[cmd]:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        c = Client(os.environ)
        if cmd == "put":
            c.put(*args)
        elif cmd == "get":
            c.get(*args)
        elif cmd == "delete":
            c.delete(*args)
        else:
            for key, size, when in c.list(args[0]):
                print(key, size, when)
    except S3Error as e:
        print(f"s3: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
