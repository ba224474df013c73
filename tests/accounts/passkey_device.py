"""A passkey on a pretend phone, for tests without a browser: it makes a WebAuthn credential and
answers a login's challenge, signed as a real authenticator would (ES256, attestation "none").
Whether the phone verified her (fingerprint, face or PIN) is the UV flag it sets."""

import hashlib
import os

from allauth.account.utils import user_pk_to_url_str
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

FLAG = AuthenticatorData.FLAG


class PasskeyDevice:
    def __init__(self, *, rp_id: str = "testserver", origin: str = "http://testserver"):
        self.rp_id = rp_id
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.counter = 0

    def _flags(self, user_verified: bool) -> FLAG:
        return FLAG.UP | FLAG.UV if user_verified else FLAG.UP

    def registration(self, challenge: str | None = None, *, user_verified: bool = True) -> dict:
        """What the browser sends when the passkey is made (as allauth stores it), answering
        `challenge` (from the page's creation options) or a made-up one."""
        public_key = ES256.from_cryptography_key(self.key.public_key())
        credential = AttestedCredentialData.create(b"\0" * 16, self.credential_id, public_key)
        auth_data = AuthenticatorData.create(
            hashlib.sha256(self.rp_id.encode()).digest(),
            self._flags(user_verified) | FLAG.AT,
            0,
            bytes(credential),
        )
        attestation = AttestationObject.create("none", auth_data, {})
        client_data = CollectedClientData.create(
            "webauthn.create",
            websafe_decode(challenge) if challenge else os.urandom(32),
            self.origin,
        )
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(bytes(client_data)),
                "attestationObject": websafe_encode(bytes(attestation)),
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
        }

    def assertion(self, request_options: dict, user, *, user_verified: bool = True) -> dict:
        """Its answer to a login's challenge, signed, naming `user` as the passkey's owner."""
        challenge = websafe_decode(request_options["publicKey"]["challenge"])
        client_data = CollectedClientData.create("webauthn.get", challenge, self.origin)
        self.counter += 1
        auth_data = AuthenticatorData.create(
            hashlib.sha256(self.rp_id.encode()).digest(), self._flags(user_verified), self.counter
        )
        signature = self.key.sign(bytes(auth_data) + client_data.hash, ec.ECDSA(hashes.SHA256()))
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": websafe_encode(bytes(client_data)),
                "authenticatorData": websafe_encode(bytes(auth_data)),
                "signature": websafe_encode(signature),
                "userHandle": websafe_encode(user_pk_to_url_str(user).encode()),
            },
            "clientExtensionResults": {},
        }
