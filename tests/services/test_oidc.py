"""OIDC access tokens against a real discovery document and JWKS, served on 127.0.0.1, signed with real RSA keys."""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from swath.errors import Unauthorized
from swath.services.identity import Role
from swath.services.oidc import OidcVerifier
from swath.settings import Settings

AUDIENCE = "swath-api"


@dataclass
class Provider:
    """An identity provider's public face: discovery and JWKS. `keys` maps kid -> private key; `published` the
    kids the JWKS lists (rotation changes it)."""

    issuer: str = ""
    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)
    jwks_fetches: int = 0

    def add_key(self, kid: str, publish: bool = True) -> None:
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if publish:
            self.published.append(kid)

    def jwks(self) -> dict[str, Any]:
        self.jwks_fetches += 1
        listed = []
        for kid in self.published:
            jwk = json.loads(RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
            listed.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": listed}

    def token(self, kid: str = "one", **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.issuer, "sub": "alice", "aud": AUDIENCE, "iat": now, "exp": now + 300, **claims}
        return jwt.encode(body, self.keys[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/.well-known/openid-configuration":
                document: dict[str, Any] = {"issuer": state.issuer, "jwks_uri": f"{state.issuer}/jwks"}
            elif self.path == "/jwks":
                document = state.jwks()
            else:
                self.send_error(404)
                return
            body = json.dumps(document).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    state.add_key("one")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def verifier(provider: Provider, **settings: Any) -> OidcVerifier:
    options: dict[str, Any] = {
        "auth_mode": "on",
        "auth_oidc_issuer": provider.issuer,
        "auth_oidc_audiences": [AUDIENCE],
        **settings,
    }
    return OidcVerifier(Settings(**options))


def refusal(provider: Provider, token: str) -> str:
    with pytest.raises(Unauthorized) as raised:
        verifier(provider).verify(token)
    return raised.value.detail


def test_a_valid_token_is_accepted_with_its_user(provider: Provider) -> None:
    verified = verifier(provider).verify(provider.token())
    assert (verified.identity.user, verified.identity.role) == ("alice", Role.user)


def test_a_cognito_access_token_is_accepted_by_its_client_id_and_its_groups_become_roles(provider: Provider) -> None:
    token = provider.token(aud=None, client_id=AUDIENCE, **{"cognito:groups": ["deployer"]})
    assert verifier(provider).verify(token).identity.role is Role.deployer


def test_keycloak_realm_roles_map_to_swath_roles_through_the_role_map(provider: Provider) -> None:
    token = provider.token(realm_access={"roles": ["offline_access", "sps-admins"]})
    chosen = verifier(provider, auth_oidc_roles_claim="realm_access.roles", auth_oidc_role_map={"sps-admins": "admin"})
    assert chosen.verify(token).identity.role is Role.admin


def test_an_expired_token_is_refused(provider: Provider) -> None:
    past = int(time.time()) - 3600
    assert refusal(provider, provider.token(iat=past, exp=past + 60)) == "The bearer token has expired."


def test_a_token_expired_within_the_clock_skew_is_still_accepted(provider: Provider) -> None:
    now = int(time.time())
    assert verifier(provider).verify(provider.token(iat=now - 100, exp=now - 5)).identity.user == "alice"


def test_a_token_for_another_audience_is_refused(provider: Provider) -> None:
    assert "another audience" in refusal(provider, provider.token(aud="someone-else"))


def test_a_token_of_another_issuer_is_refused(provider: Provider) -> None:
    assert "was not issued by" in refusal(provider, provider.token(iss="https://evil.example"))


def test_a_token_signed_by_an_unknown_key_is_refused(provider: Provider) -> None:
    provider.add_key("stranger", publish=False)
    assert "signing key 'stranger'" in refusal(provider, provider.token(kid="stranger"))


def test_a_token_with_a_bad_signature_is_refused(provider: Provider) -> None:
    provider.add_key("forger", publish=False)
    forged = jwt.encode(
        {"iss": provider.issuer, "sub": "mallory", "aud": AUDIENCE, "exp": int(time.time()) + 300},
        provider.keys["forger"],
        algorithm="RS256",
        headers={"kid": "one"},
    )
    assert "not valid" in refusal(provider, forged)


def test_an_unsigned_token_with_alg_none_is_refused(provider: Provider) -> None:
    unsigned = jwt.encode(
        {"iss": provider.issuer, "sub": "mallory", "aud": AUDIENCE, "exp": int(time.time()) + 300},
        key=None,
        algorithm="none",
        headers={"kid": "one"},
    )
    assert "signed with 'none'" in refusal(provider, unsigned)


def test_an_hmac_token_keyed_with_the_public_key_is_refused(provider: Provider) -> None:
    header = jwt.utils.base64url_encode(json.dumps({"alg": "HS256", "kid": "one", "typ": "JWT"}).encode())
    assert "signed with 'HS256'" in refusal(provider, header.decode() + ".e30.c2ln")


def test_a_rotated_key_is_picked_up_on_its_first_token(provider: Provider) -> None:
    checking = verifier(provider)
    assert checking.verify(provider.token()).identity.user == "alice"
    provider.add_key("two")
    provider.published.remove("one")
    assert checking.verify(provider.token(kid="two", sub="bob")).identity.user == "bob"


def test_unknown_key_ids_fetch_the_key_set_at_most_once_per_interval(provider: Provider) -> None:
    checking = verifier(provider)
    checking.verify(provider.token())
    provider.add_key("stranger", publish=False)
    for _ in range(5):
        with pytest.raises(Unauthorized):
            checking.verify(provider.token(kid="stranger"))
    assert provider.jwks_fetches == 2
