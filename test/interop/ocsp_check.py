#!/usr/bin/python3
"""An OCSP client built on pyca/cryptography, as an independent check of ocsplab's responses.

cryptography builds the request and parses the response; this script does what a relying party
must do on top (RFC 6960 3.2 and 4.2.2.2): the CertID matches what was asked, the signer is the CA
or a certificate the CA issued with id-kp-OCSPSigning, the signature verifies, the times are
current, and a nonce that was sent comes back unchanged.

Usage: ocsp_check.py --cert LEAF.pem --issuer CA.pem --url URL [--hash sha1|sha256]
                     [--nonce] [--method POST|GET]
Prints one JSON line: {"outcome": "good"|"revoked"|"unknown"|"rejected"|"error", ...}; "rejected"
means a response arrived and failed a check, "error" that none could be had. Exit status is 0
whenever the line was printed.
"""

import argparse
import base64
import datetime
import json
import os
import sys
import urllib.parse
import urllib.request

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

# Clock skew tolerated on thisUpdate/nextUpdate, as the JDK's default (jdk.security.certpath.ocspClockSkew).
SKEW = datetime.timedelta(minutes=15)
HASHES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256}


class Rejected(Exception):
    """The response arrived but a relying party must not trust it."""


def load_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def verify_sig(public_key, signature, data, hash_alg):
    """Raises InvalidSignature unless `signature` over `data` verifies with `public_key`."""
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, data, padding.PKCS1v15(), hash_alg)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(hash_alg))
    elif isinstance(public_key, ed25519.Ed25519PublicKey):
        public_key.verify(signature, data)
    else:
        raise Rejected(f"unsupported signer key type {type(public_key).__name__}")


def key_hash(cert):
    # SHA-1 of the subjectPublicKey bits: the byKey ResponderID (RFC 6960 4.2.1) and RFC 5280's key identifier.
    return x509.SubjectKeyIdentifier.from_public_key(cert.public_key()).digest


def is_responder(cert, resp):
    if resp.responder_name is not None:
        return cert.subject == resp.responder_name
    return key_hash(cert) == resp.responder_key_hash


def find_signer(resp, ca, now):
    """The certificate whose key must have signed the response, checked for authority to sign."""
    if is_responder(ca, resp):
        return ca, "ca"
    for c in resp.certificates:
        if not is_responder(c, resp):
            continue
        # A delegated responder: issued directly by the CA and marked for OCSP signing (RFC 6960 4.2.2.2).
        if c.issuer != ca.subject:
            raise Rejected(f"responder certificate {c.subject.rfc4514_string()} is not issued by the CA")
        try:
            verify_sig(ca.public_key(), c.signature, c.tbs_certificate_bytes, c.signature_hash_algorithm)
        except InvalidSignature:
            raise Rejected("responder certificate's signature does not verify with the CA key")
        try:
            eku = c.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            raise Rejected("responder certificate has no extendedKeyUsage")
        if ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
            raise Rejected("responder certificate lacks id-kp-OCSPSigning")
        if not (c.not_valid_before <= now <= c.not_valid_after):
            raise Rejected("responder certificate is not within its validity period")
        return c, "delegated"
    raise Rejected("no certificate matches the ResponderID: signer not authorized")


def fetch(url, der, method):
    if method == "GET":
        # RFC 6960 appendix A.1: base64, then URL-encoded, appended to the responder URL.
        b64 = urllib.parse.quote(base64.b64encode(der).decode(), safe="")
        req = urllib.request.Request(url.rstrip("/") + "/" + b64, method="GET")
    else:
        req = urllib.request.Request(url, data=der, method="POST", headers={"Content-Type": "application/ocsp-request"})
    with urllib.request.urlopen(req, timeout=10) as r:
        ctype = r.headers.get("Content-Type")
        body = r.read()
    if ctype != "application/ocsp-response":
        raise Rejected(f"Content-Type {ctype!r}, not application/ocsp-response")
    return body


def check(a):
    cert, ca = load_cert(a.cert), load_cert(a.issuer)
    hash_alg = HASHES[a.hash]()
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, ca, hash_alg)
    nonce = os.urandom(16) if a.nonce else None
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    req = builder.build()
    out = {"method": a.method, "hash": a.hash, "nonce": nonce is not None}
    try:
        body = fetch(a.url, req.public_bytes(serialization.Encoding.DER), a.method)
    except Rejected:
        raise
    except Exception as e:  # no response at all: connection, HTTP status
        return {**out, "outcome": "error", "error": f"{type(e).__name__}: {e}"}
    resp = ocsp.load_der_ocsp_response(body)
    if resp.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise Rejected(f"response status {resp.response_status.name}")
    now = datetime.datetime.utcnow()
    # The single response must answer the CertID asked, in the same hash.
    if resp.serial_number != cert.serial_number:
        raise Rejected(f"serial {resp.serial_number:x} answered, {cert.serial_number:x} asked")
    if resp.hash_algorithm.name != hash_alg.name:
        raise Rejected(f"CertID hash {resp.hash_algorithm.name} answered, {hash_alg.name} asked")
    if resp.issuer_name_hash != req.issuer_name_hash or resp.issuer_key_hash != req.issuer_key_hash:
        raise Rejected("CertID issuer hashes differ from the request")
    signer, kind = find_signer(resp, ca, now)
    try:
        verify_sig(signer.public_key(), resp.signature, resp.tbs_response_bytes, resp.signature_hash_algorithm)
    except InvalidSignature:
        raise Rejected(f"response signature does not verify with the {kind} signer's key")
    if resp.this_update - SKEW > now:
        raise Rejected(f"thisUpdate {resp.this_update.isoformat()} is in the future")
    if resp.next_update is not None and resp.next_update + SKEW < now:
        raise Rejected(f"nextUpdate {resp.next_update.isoformat()} has passed: stale response")
    if nonce is not None:
        try:
            got = resp.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
        except x509.ExtensionNotFound:
            raise Rejected("nonce sent but none in the response")
        if got != nonce:
            raise Rejected("nonce in the response differs from the one sent")
    status = resp.certificate_status.name.lower()
    res = {**out, "outcome": status, "signer": kind, "serial": format(resp.serial_number, "X"),
           "responderId": "byName" if resp.responder_name is not None else "byKey"}
    if resp.certificate_status == ocsp.OCSPCertStatus.REVOKED:
        res["reason"] = resp.revocation_reason.name if resp.revocation_reason is not None else None
    return res


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cert", required=True)
    p.add_argument("--issuer", required=True)
    p.add_argument("--url", required=True)
    p.add_argument("--hash", choices=sorted(HASHES), default="sha1")
    p.add_argument("--nonce", action="store_true")
    p.add_argument("--method", choices=["POST", "GET"], default="POST")
    a = p.parse_args()
    try:
        res = check(a)
    except Rejected as e:
        res = {"outcome": "rejected", "error": str(e), "method": a.method}
    except Exception as e:
        res = {"outcome": "error", "error": f"{type(e).__name__}: {e}", "method": a.method}
    print(json.dumps(res))


if __name__ == "__main__":
    sys.exit(main())
