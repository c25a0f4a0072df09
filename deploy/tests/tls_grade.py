#!/usr/bin/env python3
"""Check SSL Labs' A+ conditions (the rating guide testssl.sh 3.x implements) from the findings
of `testssl --jsonfile` (Debian's 3.0.8 prints no grade). Prints a one-line summary; exits 1
listing every finding that would keep the grade below A+."""

import json
import sys

# (id, predicate on the finding text, what A+ needs)
REQUIRED = [
    ("SSLv2", lambda f: f.startswith("not offered"), "SSLv2 not offered"),
    ("SSLv3", lambda f: f.startswith("not offered"), "SSLv3 not offered"),
    ("TLS1", lambda f: f.startswith("not offered"), "TLS 1.0 not offered"),
    ("TLS1_1", lambda f: f.startswith("not offered"), "TLS 1.1 not offered"),
    ("TLS1_2", lambda f: f.startswith("offered"), "TLS 1.2 offered"),
    ("TLS1_3", lambda f: f.startswith("offered"), "TLS 1.3 offered"),
    ("cipherlist_NULL", lambda f: f.startswith("not offered"), "no NULL ciphers"),
    ("cipherlist_aNULL", lambda f: f.startswith("not offered"), "no anonymous ciphers"),
    ("cipherlist_EXPORT", lambda f: f.startswith("not offered"), "no export ciphers"),
    ("cipherlist_LOW", lambda f: f.startswith("not offered"), "no low-grade ciphers"),
    ("cipherlist_3DES_IDEA", lambda f: f.startswith("not offered"), "no 3DES/IDEA"),
    ("cipherlist_AVERAGE", lambda f: f.startswith("not offered"), "no CBC (non-AEAD) ciphers"),
    ("PFS", lambda f: f.startswith("offered"), "forward secrecy"),
    ("secure_renego", lambda f: "supported" in f and "not" not in f, "secure renegotiation"),
    ("cert_chain_of_trust", lambda f: f.startswith("passed"), "trusted chain"),
    ("cert_expirationStatus", lambda f: "expired" not in f.lower(), "certificate valid"),
]


def main():
    findings = json.load(open(sys.argv[1]))
    by_id = {f["id"]: f for f in findings}
    problems = []
    for fid, ok, need in REQUIRED:
        f = by_id.get(fid)
        if f is None or not ok(f["finding"]):
            problems.append(f"{need}: {fid}={f['finding'] if f else 'missing'}")
    hsts = by_id.get("HSTS_time", {}).get("finding", "")
    try:
        secs = int(hsts.split("=")[1].split()[0])
    except (IndexError, ValueError):
        secs = 0
    if secs < 15552000:
        problems.append(f"HSTS max-age >= 180 days: {hsts or 'no HSTS'}")
    key = by_id.get("cert_keySize", {}).get("finding", "")
    bits = int("".join(c for c in key.split("bits")[0] if c.isdigit()) or 0)
    if not ((key.startswith("EC") and bits >= 256) or (key.startswith("RSA") and bits >= 2048)):
        problems.append(f"strong key: {key}")
    # Any vulnerability or other finding rated MEDIUM or worse also caps the grade.
    for f in findings:
        if f["severity"] in ("MEDIUM", "HIGH", "CRITICAL") and f["id"] not in {p[0] for p in REQUIRED}:
            problems.append(f"{f['id']} ({f['severity']}): {f['finding']}")
    low = sorted(f["id"] for f in findings if f["severity"] == "LOW")
    if problems:
        print("below A+: " + "; ".join(problems))
        sys.exit(1)
    print(f"A+ conditions met: TLS 1.2+1.3 only, AEAD+FS ciphers, {key}, HSTS {secs}s, "
          f"secure renegotiation, trusted chain, no vulnerability; LOW (no grade effect): {', '.join(low) or 'none'}")


if __name__ == "__main__":
    main()
