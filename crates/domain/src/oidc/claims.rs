//! What ninsho says about a user to an application: the ID token's claims (OpenID
//! Connect Core §2, §3.1.3.6) and the userinfo answer (§5.3). `sub` is the account's
//! id — stable across e-mail changes, and no address leaks through it.

use data_encoding::BASE64URL_NOPAD;
use serde_json::{Map, Value, json};

use super::clients::OidcScope;
use super::codes::AuthCode;
use super::keys::SigningAlg;
use crate::config::Policy;
use crate::ports::Account;
use crate::service::strength;
use crate::types::UnixMillis;

fn secs(t: UnixMillis) -> i64 {
    t.0.div_euclid(1000)
}

/// The claims the granted scopes open: `email` gives `email` and `email_verified`,
/// `profile` gives `locale` and `zoneinfo` (the profile claims ninsho holds).
pub fn user_claims(account: &Account, scopes: &[OidcScope], policy: &Policy) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("sub".into(), json!(account.id.to_string()));
    if scopes.contains(&OidcScope::Email) {
        m.insert("email".into(), json!(account.email.as_str()));
        m.insert("email_verified".into(), json!(account.email_verified_at.is_some()));
    }
    if scopes.contains(&OidcScope::Profile) {
        let (zone, _) = crate::zone::effective(account.time_zone.as_ref(), policy.default_time_zone.as_ref(), account.locale);
        m.insert("locale".into(), json!(account.locale.as_str()));
        m.insert("zoneinfo".into(), json!(zone.as_str()));
    }
    m
}

/// The facts an ID token states beside the user's claims.
pub struct IdToken<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub code: &'a AuthCode,
    pub now: UnixMillis,
    pub expires_at: UnixMillis,
    pub access_token: &'a str,
    pub alg: SigningAlg,
}

/// An ID token's claims for the user of `t.code`.
pub fn id_token_claims(t: &IdToken<'_>, account: &Account, policy: &Policy) -> Value {
    let mut m = user_claims(account, &t.code.scopes, policy);
    let (amr, acr) = strength(&t.code.methods);
    m.insert("iss".into(), json!(t.issuer));
    m.insert("aud".into(), json!(t.client_id));
    m.insert("azp".into(), json!(t.client_id));
    m.insert("iat".into(), json!(secs(t.now)));
    m.insert("exp".into(), json!(secs(t.expires_at)));
    m.insert("auth_time".into(), json!(secs(t.code.auth_time)));
    m.insert("acr".into(), json!(acr.as_str()));
    m.insert("amr".into(), json!(amr));
    m.insert("sid".into(), json!(t.code.session_id.to_string()));
    m.insert("at_hash".into(), json!(BASE64URL_NOPAD.encode(&t.alg.half_hash(t.access_token))));
    if let Some(n) = &t.code.nonce {
        m.insert("nonce".into(), json!(n));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::*;

    #[test]
    fn f_int_5_id_token_names_the_account_by_id_and_says_how_it_signed_in() {
        let policy = Policy::default();
        let account = Account {
            id: AccountId::new(),
            email: crate::email::Email::parse("a@example.com").unwrap(),
            password_hash: String::new(),
            locale: Locale::Ja,
            created_at: UnixMillis(0),
            email_verified_at: Some(UnixMillis(1)),
            last_sign_in_at: None,
            credentials_changed_at: None,
            twosv_enabled_at: Some(UnixMillis(1)),
            preferred_factor: None,
            signin_alerts: true,
            time_zone: None,
            locked_until: None,
            twosv_suspended_until: None,
        };
        let code = AuthCode {
            code_hash: vec![],
            client_id: OidcClientId::new(),
            account_id: account.id,
            session_id: SessionId::new(),
            redirect_uri: String::new(),
            scopes: vec![OidcScope::Openid, OidcScope::Email, OidcScope::Profile],
            nonce: Some("n-1".into()),
            code_challenge: None,
            auth_time: UnixMillis(1_700_000_000_999),
            methods: vec![AuthMethod::Password, AuthMethod::Totp],
            created_at: UnixMillis(0),
            expires_at: UnixMillis(0),
            consumed_at: None,
        };
        let t = IdToken { issuer: "https://id.shop.example", client_id: "c", code: &code, now: UnixMillis(1_700_000_001_000), expires_at: UnixMillis(1_700_000_601_000), access_token: "tok", alg: SigningAlg::Es256 };
        let c = id_token_claims(&t, &account, &policy);
        assert_eq!(c["sub"], account.id.to_string());
        assert_ne!(c["sub"], "a@example.com");
        assert_eq!(c["email"], "a@example.com");
        assert_eq!(c["email_verified"], true);
        assert_eq!(c["locale"], "ja");
        assert_eq!(c["zoneinfo"], "Asia/Tokyo");
        assert_eq!(c["auth_time"], 1_700_000_000);
        assert_eq!(c["acr"], "aal2");
        assert_eq!(c["amr"], json!(["pwd", "otp", "mfa"]));
        assert_eq!(c["nonce"], "n-1");
        assert_eq!(c["exp"], 1_700_000_601);
        // Without the email scope, no address at all.
        let only = user_claims(&account, &[OidcScope::Openid], &policy);
        assert_eq!(only.keys().collect::<Vec<_>>(), vec!["sub"]);
    }
}
