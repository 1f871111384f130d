//! The applications the operator registers: confidential (a server that keeps a
//! secret) or public (a mobile or single-page app, which proves itself with PKCE
//! alone), their exact redirect URIs, and the scopes they may ask for. A secret is
//! shown once and kept as a keyed hash, as service clients' are.

use secrecy::SecretString;

use super::OidcStore;
use crate::crypto::{ct_eq, random_token};
use crate::error::{Error, Result};
use crate::ports::{Store, Write};
use crate::service::Services;
use crate::types::*;

/// OpenID Connect client secrets carry their own prefix: recognisable when pasted in
/// the wrong place, and never mistaken for a service client's (`nsc_`).
pub const OIDC_SECRET_PREFIX: &str = "nso_";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientKind {
    /// Authenticates at the token endpoint with its secret (and may use PKCE too).
    Confidential,
    /// Holds no secret: PKCE with S256 is its proof.
    Public,
}

impl ClientKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientKind::Confidential => "confidential",
            ClientKind::Public => "public",
        }
    }
    pub fn parse(s: &str) -> Option<ClientKind> {
        [ClientKind::Confidential, ClientKind::Public].into_iter().find(|k| k.as_str() == s)
    }
}

/// The scopes ninsho grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OidcScope {
    Openid,
    /// `email`, `email_verified`.
    Email,
    /// `locale`, `zoneinfo`: the profile claims ninsho knows.
    Profile,
    /// Refresh tokens (issued by a later part; granted, so clients need not change).
    OfflineAccess,
}

impl OidcScope {
    pub const ALL: [OidcScope; 4] = [OidcScope::Openid, OidcScope::Email, OidcScope::Profile, OidcScope::OfflineAccess];

    pub fn as_str(self) -> &'static str {
        match self {
            OidcScope::Openid => "openid",
            OidcScope::Email => "email",
            OidcScope::Profile => "profile",
            OidcScope::OfflineAccess => "offline_access",
        }
    }

    pub fn parse(s: &str) -> Option<OidcScope> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Scopes as OAuth writes them: space-separated.
    pub fn join(scopes: &[OidcScope]) -> String {
        scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")
    }

    /// A space-separated list; `Err` names the first word that is no scope.
    pub fn split(text: &str) -> std::result::Result<Vec<OidcScope>, String> {
        let mut out = Vec::new();
        for w in text.split(' ').filter(|w| !w.is_empty()) {
            let s = OidcScope::parse(w).ok_or_else(|| w.to_string())?;
            if !out.contains(&s) {
                out.push(s);
            }
        }
        Ok(out)
    }
}

#[derive(Clone, Debug)]
pub struct OidcClient {
    /// The OAuth `client_id`.
    pub id: OidcClientId,
    pub name: String,
    pub kind: ClientKind,
    /// Confidential clients only.
    pub secret_hash: Option<Vec<u8>>,
    /// Compared exactly, character for character.
    pub redirect_uris: Vec<String>,
    pub post_logout_uris: Vec<String>,
    pub scopes: Vec<OidcScope>,
    pub created_at: UnixMillis,
    pub removed_at: Option<UnixMillis>,
}

/// A redirect URI as registered: absolute, no fragment, and either `https`, `http` to
/// this machine (a developer's app, RFC 8252 §7.3), or — for public clients, which are
/// native apps — a private-use scheme in reverse-domain form (`com.example.app:/cb`,
/// RFC 8252 §7.1).
pub fn check_redirect_uri(text: &str, kind: ClientKind) -> Result<String> {
    let bad = |why: &str| Error::invalid("oidc.redirect_uri_invalid", "redirect_uri", format!("{text:?}: {why}"));
    if text.len() > 512 {
        return Err(bad("longer than 512 characters"));
    }
    let url = url::Url::parse(text).map_err(|_| bad("not an absolute URL"))?;
    if url.fragment().is_some() {
        return Err(bad("a redirect URI has no fragment"));
    }
    // Compared as typed, so it must be typed as a parser writes it back.
    if url.as_str() != text {
        return Err(bad(&format!("write it as {}", url.as_str())));
    }
    let loopback = matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
        || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
        || url.host_str() == Some("localhost");
    match url.scheme() {
        "https" if url.host().is_some() => Ok(text.to_string()),
        "http" if loopback => Ok(text.to_string()),
        "http" => Err(bad("http is allowed only to this machine (127.0.0.1, [::1], localhost)")),
        s if kind == ClientKind::Public && s.contains('.') && !matches!(s, "javascript" | "data" | "file") => Ok(text.to_string()),
        _ => Err(bad("use https, http to this machine, or (a public client) a reverse-domain scheme such as com.example.app")),
    }
}

impl<S: Store + OidcStore> Services<S> {
    /// Registers an application; a confidential one's secret is returned this once.
    pub async fn add_oidc_client(
        &self,
        name: &str,
        kind: ClientKind,
        redirect_uris: &[String],
        post_logout_uris: &[String],
        scopes: &[OidcScope],
    ) -> Result<(OidcClient, Option<SecretString>)> {
        crate::service::check_name(name)?;
        if redirect_uris.is_empty() {
            return Err(Error::invalid("oidc.redirect_uri_missing", "redirect_uri", "name at least one redirect URI"));
        }
        let redirect_uris = redirect_uris.iter().map(|u| check_redirect_uri(u, kind)).collect::<Result<Vec<_>>>()?;
        let post_logout_uris = post_logout_uris.iter().map(|u| check_redirect_uri(u, kind)).collect::<Result<Vec<_>>>()?;
        // `openid` is what makes a request OpenID Connect: always allowed.
        let mut allowed = vec![OidcScope::Openid];
        for s in scopes {
            if !allowed.contains(s) {
                allowed.push(*s);
            }
        }
        let secret = match kind {
            ClientKind::Confidential => Some(format!("{OIDC_SECRET_PREFIX}{}", random_token()?)),
            ClientKind::Public => None,
        };
        let client = OidcClient {
            id: OidcClientId::new(),
            name: name.to_string(),
            kind,
            secret_hash: secret.as_deref().map(|s| self.keys.hash_client_secret(s)),
            redirect_uris,
            post_logout_uris,
            scopes: allowed,
            created_at: self.now(),
            removed_at: None,
        };
        let event = self.event(None, EventKind::OidcClientAdded, &ClientInfo::default(), format!("oidc_client {} {}", client.id, kind.as_str()));
        match self.commit(vec![Write::InsertOidcClient(client.clone()), event]).await {
            Err(Error::Conflict { .. }) => Err(Error::conflict("client.name_taken", format!("a client named {name} exists"))),
            other => other.map(|_| (client, secret.map(SecretString::from))),
        }
    }

    pub async fn oidc_clients(&self) -> Result<Vec<OidcClient>> {
        self.store.oidc_clients().await
    }

    /// Removes an application (by name or client id): its codes and tokens stop working.
    pub async fn remove_oidc_client(&self, which: &str) -> Result<OidcClient> {
        let client = self.store.oidc_clients().await?.into_iter().find(|c| c.name == which || c.id.to_string() == which).ok_or(Error::NotFound)?;
        let event = self.event(None, EventKind::OidcClientRemoved, &ClientInfo::default(), format!("oidc_client {}", client.id));
        self.commit(vec![Write::RemoveOidcClient { id: client.id, now: self.now() }, event]).await?;
        Ok(client)
    }

    /// A live client by its `client_id` as sent (`None`: unknown, malformed or removed).
    pub async fn live_oidc_client(&self, client_id: &str) -> Result<Option<OidcClient>> {
        let Some(id) = (client_id.len() <= 64).then(|| OidcClientId::parse(client_id)).flatten() else { return Ok(None) };
        Ok(self.store.oidc_client(id).await?.filter(|c| c.removed_at.is_none()))
    }

    /// The client behind the token endpoint's credentials (RFC 6749 §2.3): a
    /// confidential client by its secret, a public one by its id alone (PKCE then
    /// proves the rest). `None` is `invalid_client`.
    pub async fn authenticate_oidc_client(&self, client_id: &str, secret: Option<&str>) -> Result<Option<OidcClient>> {
        let Some(client) = self.live_oidc_client(client_id).await? else { return Ok(None) };
        let ok = match (client.kind, secret, &client.secret_hash) {
            (ClientKind::Public, None, _) => true,
            (ClientKind::Confidential, Some(s), Some(hash)) => s.len() <= 200 && ct_eq(&self.keys.hash_client_secret(s), hash),
            _ => false,
        };
        Ok(ok.then_some(client))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_int_5_redirect_uris_are_https_loopback_http_or_a_native_apps_scheme() {
        let c = ClientKind::Confidential;
        let p = ClientKind::Public;
        for ok in ["https://app.example/cb", "https://app.example/cb?x=1", "http://127.0.0.1:8080/cb", "http://[::1]/cb", "http://localhost:3000/callback"] {
            assert!(check_redirect_uri(ok, c).is_ok(), "{ok}");
        }
        assert!(check_redirect_uri("com.example.app:/oauth2redirect", p).is_ok());
        for bad in [
            "http://app.example/cb",
            "https://app.example/cb#frag",
            "/cb",
            "com.example.app:/cb",
            "javascript:alert(1)",
            "https://APP.example/cb",
            "https://app.example",
        ] {
            assert!(check_redirect_uri(bad, c).is_err(), "{bad}");
        }
        assert!(check_redirect_uri("javascript:alert(1)", p).is_err());
        assert!(check_redirect_uri("myapp:/cb", p).is_err(), "a scheme in reverse-domain form only");
        assert!(check_redirect_uri(&format!("https://app.example/{}", "a".repeat(600)), c).is_err());
    }

    #[test]
    fn f_int_5_scopes_parse_once_each_and_name_the_unknown_one() {
        assert_eq!(OidcScope::split("openid  email openid").unwrap(), vec![OidcScope::Openid, OidcScope::Email]);
        assert_eq!(OidcScope::split("openid phone").unwrap_err(), "phone");
        assert_eq!(OidcScope::join(&[OidcScope::Openid, OidcScope::OfflineAccess]), "openid offline_access");
    }
}
