#!/usr/bin/env python3
"""Writes signed_handshake.json from docs/protocol.md section 12.1.

This is a second, deliberately separate implementation of the signed session init
(Python, PyCA cryptography, no code shared with the TypeScript package). It reuses the
key pairs and session of session_chain.json. ECDSA signatures are randomised, so a new
run gives new signatures; every one of them verifies, and everything else is unchanged.

    python3 packages/protocol/test/vectors/tools/signed_handshake.py > packages/protocol/test/vectors/signed_handshake.json
"""
import base64
import hashlib
import hmac
import json
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

LABEL = b"idsvc-session-init-v1"
CONFIRM_INFO_PREFIX = "HANDSHAKE-CONFIRM|HS256|"
SESSION_INFO_PREFIX = "SESSION|A256GCM|"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def private_key(hex_scalar: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int(hex_scalar, 16), ec.SECP256R1())


def point(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def hkdf(ikm: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def transcript(f: dict) -> bytes:
    fields = [
        LABEL,
        f["clientId"].encode(),
        f["clientPublicKey"],
        f["serverPublicKey"],
        f["sessionId"].encode(),
        f["kid"].encode(),
        f["encAlg"].encode(),
        str(f["expiresInSec"]).encode(),
        f["timestamp"].encode(),
        f["nonce"].encode(),
        b"anonymous" if f["subject"] is None else b"authenticated",
        b"" if f["subject"] is None else f["subject"].encode(),
    ]
    return b"".join(struct.pack(">I", len(x)) + x for x in fields)


def public_jwk(key: ec.EllipticCurvePrivateKey) -> dict:
    p = point(key)
    jwk = {"crv": "P-256", "kty": "EC", "x": b64url(p[1:33]), "y": b64url(p[33:65])}
    # RFC 7638 thumbprint: the required members, sorted, no whitespace.
    thumbprint = hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()).digest()
    return {**jwk, "kid": b64url(thumbprint), "use": "sig", "alg": "ES256"}


# The handshake key of this vector: a fixed scalar, SHA-256 of a label.
HANDSHAKE_SCALAR = hashlib.sha256(b"idsvc signed handshake vector key 1").hexdigest()


def case(name: str, note: str, client_hex: str, server_hex: str, client_id: str, session_id: str,
         expires: int, idem: str, subject) -> dict:
    client, server = private_key(client_hex), private_key(server_hex)
    timestamp, nonce = idem.split(".", 1)
    kid = "session:" + session_id
    fields = {
        "clientId": client_id, "clientPublicKey": point(client), "serverPublicKey": point(server),
        "sessionId": session_id, "kid": kid, "encAlg": "A256GCM", "expiresInSec": expires,
        "timestamp": timestamp, "nonce": nonce, "subject": subject,
    }
    t = transcript(fields)
    secret = server.exchange(ec.ECDH(), client.public_key())
    assert secret == client.exchange(ec.ECDH(), server.public_key())
    salt = session_id.encode()
    confirm_info = CONFIRM_INFO_PREFIX + client_id
    confirm_key = hkdf(secret, salt, confirm_info.encode())
    session_key = hkdf(secret, salt, (SESSION_INFO_PREFIX + client_id).encode())
    mac = hmac.new(confirm_key, t, hashlib.sha256).digest()
    signer = private_key(HANDSHAKE_SCALAR)
    r, s = decode_dss_signature(signer.sign(t, ec.ECDSA(hashes.SHA256())))
    signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    # Raises if the r || s form does not verify.
    signer.public_key().verify(encode_dss_signature(r, s), t, ec.ECDSA(hashes.SHA256()))
    jwk = public_jwk(signer)
    return {
        "name": name,
        "note": note,
        "clientId": client_id,
        "clientPrivateKeyHex": client_hex,
        "serverPrivateKeyHex": server_hex,
        "requestHeaders": {"X-ClientId": client_id, "X-Idempotency-Key": idem, **({"X-Subject": subject} if subject else {})},
        "clientPublicKeyB64": b64(fields["clientPublicKey"]),
        "serverPublicKeyB64": b64(fields["serverPublicKey"]),
        "sessionId": session_id,
        "kid": kid,
        "encAlg": "A256GCM",
        "expiresInSec": expires,
        "timestamp": timestamp,
        "nonce": nonce,
        "subject": subject,
        "transcriptHex": t.hex(),
        "sharedSecretHex": secret.hex(),
        "confirmSaltHex": salt.hex(),
        "confirmInfo": confirm_info,
        "confirmationKeyHex": confirm_key.hex(),
        "sessionKeyHex": session_key.hex(),
        "confirmHex": mac.hex(),
        "signatureHex": signature.hex(),
        "handshakeKey": {"privateKeyHex": HANDSHAKE_SCALAR, "publicJwk": jwk},
        "responseHeaders": {
            "X-Kid": kid,
            "X-Handshake-Kid": jwk["kid"],
            "X-Handshake-Signature": b64(signature),
            "X-Handshake-Confirm": b64(mac),
        },
    }


def main() -> None:
    chain = json.load(open(__file__.rsplit("/", 2)[0] + "/session_chain.json"))["cases"][0]
    init = chain["sessionInit"]
    cases = [
        case("dev-client-anonymous",
             "the session init of session_chain.json dev-client-revoke, signed and confirmed",
             chain["clientPrivateKeyHex"], chain["serverPrivateKeyHex"], chain["clientId"],
             init["responseBody"]["sessionId"], init["responseBody"]["expiresInSec"],
             init["requestHeaders"]["X-Idempotency-Key"], None),
        case("dev-client-authenticated",
             "an authenticated session init (X-Subject test-user) with the same key pairs and a new session id",
             chain["clientPrivateKeyHex"], chain["serverPrivateKeyHex"], chain["clientId"],
             "S-5b1e0c7a9d2f4e6b8a0c1d3e5f7a9b2c", 3600,
             "1767225605000.7c9e6679-7425-40de-944b-e07fc1f90ae7", "test-user"),
    ]
    print(json.dumps({
        "description": "Signed session init (docs/protocol.md section 12.1): transcript bytes, confirmation key and MAC, and an ES256 signature by a published handshake key. Produced by this project, not independently; see README.md",
        "cases": cases,
    }, indent=2))


main()
