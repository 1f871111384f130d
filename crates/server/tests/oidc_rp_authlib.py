# F-INT-5: a second relying party nobody here wrote — Python's Authlib — signs a
# user in through ninsho as a confidential client authenticating with
# client_secret_basic. Run by tests/api/oidc.rs with:
#
#   python oidc_rp_authlib.py ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI POST_LOGOUT_URI
#
# Authlib's own client (the one its Flask and Django integrations are built on)
# reads the discovery document, and prints `AUTHORIZE <url>` (PKCE S256, nonce and
# state of its own making). The test signs in on ninsho's pages and writes back the
# URL it was sent to (the redirect URI with code, state and iss). Then the library
# exchanges the code, checks the ID token against the JWKS, reads userinfo, rotates
# the refresh token, introspects and revokes, and builds the logout URL; each step's
# outcome is one `STEP <json>` line, and `LOGOUT <url>` ends the run. Any failure
# the library reports where none is expected exits non-zero.

import json
import sys

from authlib.integrations.base_client import FrameworkIntegration
from authlib.integrations.base_client import OAuthError
from authlib.integrations.base_client.sync_app import BaseApp
from authlib.integrations.base_client.sync_app import OAuth2Mixin
from authlib.integrations.base_client.sync_openid import OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc6749.parameters import parse_authorization_code_response

issuer, client_id, client_secret, redirect_uri, post_logout_uri = sys.argv[1:6]


class Integration(FrameworkIntegration):
    """Where a web framework would keep the user's tokens: here, the latest ones."""

    latest = None

    def update_token(self, token, refresh_token=None, access_token=None):
        Integration.latest = token


class App(OAuth2Mixin, OpenIDMixin, BaseApp):
    """An application's registered provider, as Authlib's web integrations make it."""

    client_cls = OAuth2Session


def app(secret):
    return App(
        Integration("ninsho"),
        client_id=client_id,
        client_secret=secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid email profile offline_access",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
        },
    )


def step(name, **outcome):
    print("STEP " + json.dumps({"step": name, **outcome}), flush=True)


def refused(call):
    """The OAuth error a call is answered with, or None if it succeeded."""
    try:
        call()
    except OAuthError as e:
        return e.error
    return None


rp = app(client_secret)
meta = rp.load_server_metadata()
assert meta["issuer"] == issuer, meta
asked = rp.create_authorization_url(redirect_uri)
print("AUTHORIZE " + asked["url"], flush=True)
back = sys.stdin.readline().strip()

# The state must be the one the library made; the issuer must be ninsho's (RFC 9207).
params = parse_authorization_code_response(back, state=asked["state"])
assert params.get("iss") == issuer, params
token = rp.fetch_access_token(redirect_uri, code=params["code"], code_verifier=asked["code_verifier"])
claims = rp.parse_id_token(token, nonce=asked["nonce"])
step("signed_in", claims=dict(claims), token_type=token["token_type"], has_refresh="refresh_token" in token)

info = rp.userinfo(token=token)
step("userinfo", userinfo=dict(info))

# The same code again: refused, and what it gave is revoked with it.
again = refused(lambda: rp.fetch_access_token(redirect_uri, code=params["code"], code_verifier=asked["code_verifier"]))
step("code_replayed", error=again)

# A fresh sign-in would be needed for more; the replay revoked the first grant, so the
# test sends the browser through once more before the rest.
asked = rp.create_authorization_url(redirect_uri)
print("AUTHORIZE " + asked["url"], flush=True)
back = sys.stdin.readline().strip()
params = parse_authorization_code_response(back, state=asked["state"])
token = rp.fetch_access_token(redirect_uri, code=params["code"], code_verifier=asked["code_verifier"])
claims = rp.parse_id_token(token, nonce=asked["nonce"])
step("signed_in_again", sid=claims.get("sid"))

with rp._get_oauth_client(**meta) as session:
    session.token = token
    rotated = session.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    refreshed_claims = rp.parse_id_token(rotated, nonce=None) if "id_token" in rotated else None
    step(
        "refreshed",
        rotated=rotated["refresh_token"] != token["refresh_token"],
        kept=Integration.latest == rotated,
        sub=refreshed_claims["sub"] if refreshed_claims else None,
    )

    active = session.introspect_token(meta["introspection_endpoint"], token=rotated["access_token"]).json()
    step("introspected", active=active.get("active"), client_id=active.get("client_id"), sub=active.get("sub"))

    revoked = session.revoke_token(meta["revocation_endpoint"], token=rotated["refresh_token"], token_type_hint="refresh_token")
    after = session.introspect_token(meta["introspection_endpoint"], token=rotated["access_token"]).json()
    spent = refused(lambda: session.refresh_token(meta["token_endpoint"], refresh_token=rotated["refresh_token"]))
    step("revoked", status=revoked.status_code, access_active=after.get("active"), refresh=spent)

# The wrong secret: the library is refused as a client.
wrong = app(client_secret + "x")
wrong.load_server_metadata()
with wrong._get_oauth_client(**meta) as session:
    step("wrong_secret", error=refused(lambda: session.refresh_token(meta["token_endpoint"], refresh_token=rotated["refresh_token"])))

logout = rp.create_logout_url(post_logout_redirect_uri=post_logout_uri, id_token_hint=token["id_token"])
print("LOGOUT " + json.dumps(logout), flush=True)
