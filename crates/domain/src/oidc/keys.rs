//! The keys that sign ID tokens: generated once, stored sealed with the master key,
//! shared by every instance through the database, and rotated by the operator. A JWS
//! in compact form is three base64url parts; ring signs, nothing else is needed.
//!
//! One key signs at a time: the database's unique `active` slot decides which, so
//! instances starting together cannot both make one. A retired key stays published
//! until every ID token it signed has expired.

use data_encoding::BASE64URL_NOPAD;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use serde_json::{Value, json};
use sha2::Digest;

use super::{KEY_CACHE_SECS, OidcStore};
use crate::crypto::{KeyRing, fill_random};
use crate::error::{Error, Result};
use crate::ports::{CommitError, Store, Write};
use crate::service::Services;
use crate::types::{ClientInfo, EventKind, UnixMillis};

/// The JOSE algorithms ninsho signs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigningAlg {
    /// ECDSA on P-256 with SHA-256: the default, understood by every library.
    Es256,
    /// Ed25519.
    EdDsa,
}

impl SigningAlg {
    pub const ALL: [SigningAlg; 2] = [SigningAlg::Es256, SigningAlg::EdDsa];

    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::Es256 => "ES256",
            SigningAlg::EdDsa => "EdDSA",
        }
    }

    pub fn parse(s: &str) -> Option<SigningAlg> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// The left half of this hash of a token is its `at_hash` (OpenID Connect Core
    /// 3.1.3.6): SHA-256 for ES256, SHA-512 for Ed25519.
    pub fn half_hash(self, token: &str) -> Vec<u8> {
        let full = match self {
            SigningAlg::Es256 => sha2::Sha256::digest(token.as_bytes()).to_vec(),
            SigningAlg::EdDsa => sha2::Sha512::digest(token.as_bytes()).to_vec(),
        };
        full[..full.len() / 2].to_vec()
    }
}

/// A signing key as stored: the private half sealed, the public half in clear.
#[derive(Clone, Debug)]
pub struct SigningKey {
    /// The JWS `kid`.
    pub kid: String,
    pub alg: SigningAlg,
    /// PKCS#8, sealed with the master key (`key_aad`).
    pub sealed_private: Vec<u8>,
    /// P-256: the uncompressed point (0x04 ‖ x ‖ y); Ed25519: the 32 bytes.
    pub public_key: Vec<u8>,
    pub created_at: UnixMillis,
    /// `None` while it is the key that signs.
    pub retired_at: Option<UnixMillis>,
    /// A retired key stays in the JWKS until every token it signed has expired.
    pub published_until: Option<UnixMillis>,
}

/// What the sealed private key is bound to: moved to another row, it does not open.
pub fn key_aad(kid: &str) -> String {
    format!("oidc_signing_keys|{kid}|private")
}

/// A new key pair, its private half sealed.
pub fn generate(alg: SigningAlg, keys: &KeyRing, now: UnixMillis) -> Result<SigningKey> {
    let rng = SystemRandom::new();
    let failed = |_| Error::internal("key generation failed");
    let pkcs8 = match alg {
        SigningAlg::Es256 => EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).map_err(failed)?,
        SigningAlg::EdDsa => Ed25519KeyPair::generate_pkcs8(&rng).map_err(failed)?,
    };
    let mut id = [0u8; 12];
    fill_random(&mut id)?;
    let kid = BASE64URL_NOPAD.encode(&id);
    let signer = Signer::from_pkcs8(alg, &kid, pkcs8.as_ref())?;
    Ok(SigningKey {
        sealed_private: keys.seal(&key_aad(&kid), pkcs8.as_ref())?,
        public_key: signer.public_key(),
        kid,
        alg,
        created_at: now,
        retired_at: None,
        published_until: None,
    })
}

enum Pair {
    Es256(EcdsaKeyPair),
    EdDsa(Ed25519KeyPair),
}

/// An opened private key, ready to sign.
pub struct Signer {
    pub kid: String,
    pub alg: SigningAlg,
    pair: Pair,
    rng: SystemRandom,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({} {})", self.alg.as_str(), self.kid)
    }
}

impl Signer {
    fn from_pkcs8(alg: SigningAlg, kid: &str, pkcs8: &[u8]) -> Result<Signer> {
        let rng = SystemRandom::new();
        let bad = |_| Error::internal("a signing key does not parse");
        let pair = match alg {
            SigningAlg::Es256 => Pair::Es256(EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8, &rng).map_err(bad)?),
            SigningAlg::EdDsa => Pair::EdDsa(Ed25519KeyPair::from_pkcs8(pkcs8).map_err(bad)?),
        };
        Ok(Signer { kid: kid.to_string(), alg, pair, rng })
    }

    /// Unseals a stored key.
    pub fn open(key: &SigningKey, keys: &KeyRing) -> Result<Signer> {
        let pkcs8 = keys.open(&key_aad(&key.kid), &key.sealed_private)?;
        Self::from_pkcs8(key.alg, &key.kid, &pkcs8)
    }

    fn public_key(&self) -> Vec<u8> {
        match &self.pair {
            Pair::Es256(p) => p.public_key().as_ref().to_vec(),
            Pair::EdDsa(p) => p.public_key().as_ref().to_vec(),
        }
    }

    /// A JWS in compact serialization over `claims`, with `typ: JWT` and this key's id.
    pub fn sign(&self, claims: &Value) -> Result<String> {
        let header = json!({"alg": self.alg.as_str(), "kid": self.kid, "typ": "JWT"});
        let mut input = BASE64URL_NOPAD.encode(header.to_string().as_bytes());
        input.push('.');
        input.push_str(&BASE64URL_NOPAD.encode(claims.to_string().as_bytes()));
        let sig = match &self.pair {
            Pair::Es256(p) => p.sign(&self.rng, input.as_bytes()).map_err(|_| Error::internal("signing failed"))?.as_ref().to_vec(),
            Pair::EdDsa(p) => p.sign(input.as_bytes()).as_ref().to_vec(),
        };
        input.push('.');
        input.push_str(&BASE64URL_NOPAD.encode(&sig));
        Ok(input)
    }
}

/// The public key as a JWK (RFC 7517; RFC 8037 for Ed25519).
pub fn jwk(key: &SigningKey) -> Value {
    let b64 = |b: &[u8]| BASE64URL_NOPAD.encode(b);
    match key.alg {
        // 0x04 ‖ x (32 bytes) ‖ y (32 bytes).
        SigningAlg::Es256 if key.public_key.len() == 65 => json!({
            "kty": "EC", "crv": "P-256", "x": b64(&key.public_key[1..33]), "y": b64(&key.public_key[33..65]),
            "use": "sig", "alg": "ES256", "kid": key.kid,
        }),
        SigningAlg::Es256 => Value::Null,
        SigningAlg::EdDsa => json!({"kty": "OKP", "crv": "Ed25519", "x": b64(&key.public_key), "use": "sig", "alg": "EdDSA", "kid": key.kid}),
    }
}

/// The keys in force: the one that signs, and every one an application may still meet
/// (the JWKS).
#[derive(Debug)]
pub struct KeySet {
    pub signer: Signer,
    pub published: Vec<SigningKey>,
}

impl<S: Store + OidcStore> Services<S> {
    /// Makes the first key unless one signs already. Instances that start together
    /// race to insert it; the unique slot lets one win, and the others use its key.
    pub async fn ensure_signing_key(&self) -> Result<()> {
        let now = self.now();
        if self.store.signing_keys(now).await?.iter().any(|k| k.retired_at.is_none()) {
            return Ok(());
        }
        let key = generate(self.policy.oidc.signing_alg, &self.keys, now)?;
        let event = self.event(None, EventKind::OidcKeyRotated, &ClientInfo::default(), format!("kid {} {} first", key.kid, key.alg.as_str()));
        match self.store.commit(vec![Write::InsertSigningKey(key), event]).await {
            Ok(()) | Err(CommitError::Unique) => Ok(()),
            Err(CommitError::Store(e)) => Err(e),
            Err(CommitError::Guard(i)) => Err(Error::internal(format!("the first signing key's write {i} changed nothing"))),
        }
    }

    /// A new key signs from now on (`alg`, else the configured one); the one it
    /// replaces stays published until the last ID token it signed has expired — and
    /// until instances that still hold it in their cache have read again.
    pub async fn rotate_signing_key(&self, alg: Option<SigningAlg>) -> Result<(SigningKey, Option<SigningKey>)> {
        let now = self.now();
        let old = self.store.signing_keys(now).await?.into_iter().find(|k| k.retired_at.is_none());
        let key = generate(alg.unwrap_or(self.policy.oidc.signing_alg), &self.keys, now)?;
        let mut writes = Vec::new();
        if let Some(old) = &old {
            let published_until = now.plus_secs(self.policy.oidc.id_token_secs + KEY_CACHE_SECS);
            writes.push(Write::RetireSigningKey { kid: old.kid.clone(), now, published_until });
        }
        let detail = format!("kid {} {} retired {}", key.kid, key.alg.as_str(), old.as_ref().map_or("none", |k| k.kid.as_str()));
        writes.push(Write::InsertSigningKey(key.clone()));
        writes.push(self.event(None, EventKind::OidcKeyRotated, &ClientInfo::default(), detail));
        self.commit(writes).await.map_err(|e| if matches!(e, Error::Conflict { .. }) { Error::conflict("oidc.key_rotated_meanwhile", "another rotation happened at the same time; try again") } else { e })?;
        Ok((key, old))
    }

    /// The key that signs now, opened, and the published ones. Makes the first key if
    /// there is none yet.
    /// The keys the JWKS publishes, without opening the private one: serving public
    /// keys needs no secret in memory.
    pub async fn published_keys(&self) -> Result<Vec<SigningKey>> {
        let published = self.store.signing_keys(self.now()).await?;
        if published.iter().any(|k| k.retired_at.is_none()) {
            return Ok(published);
        }
        Ok(self.key_set().await?.published)
    }

    pub async fn key_set(&self) -> Result<KeySet> {
        for _ in 0..2 {
            let published = self.store.signing_keys(self.now()).await?;
            if let Some(active) = published.iter().find(|k| k.retired_at.is_none()) {
                return Ok(KeySet { signer: Signer::open(active, &self.keys)?, published });
            }
            self.ensure_signing_key().await?;
        }
        Err(Error::internal("no signing key after making one"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{ECDSA_P256_SHA256_FIXED, ED25519, UnparsedPublicKey};

    fn verify(key: &SigningKey, jws: &str) -> Value {
        let (input, sig) = jws.rsplit_once('.').unwrap();
        let sig = BASE64URL_NOPAD.decode(sig.as_bytes()).unwrap();
        let alg: &dyn ring::signature::VerificationAlgorithm = match key.alg {
            SigningAlg::Es256 => &ECDSA_P256_SHA256_FIXED,
            SigningAlg::EdDsa => &ED25519,
        };
        UnparsedPublicKey::new(alg, &key.public_key).verify(input.as_bytes(), &sig).expect("the signature verifies with the published key");
        let (header, payload) = input.split_once('.').unwrap();
        let header: Value = serde_json::from_slice(&BASE64URL_NOPAD.decode(header.as_bytes()).unwrap()).unwrap();
        assert_eq!(header["alg"], key.alg.as_str());
        assert_eq!(header["kid"], key.kid.as_str());
        serde_json::from_slice(&BASE64URL_NOPAD.decode(payload.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn f_int_5_keys_sign_verifiably_and_open_only_under_their_own_kid() {
        let ring = KeyRing::new([3u8; 32]);
        for alg in SigningAlg::ALL {
            let key = generate(alg, &ring, UnixMillis(1)).unwrap();
            let signer = Signer::open(&key, &ring).unwrap();
            let claims = json!({"sub": "a", "n": 1});
            assert_eq!(verify(&key, &signer.sign(&claims).unwrap()), claims);
            let jwk = jwk(&key);
            assert_eq!(jwk["kid"], key.kid.as_str());
            assert!(jwk.get("d").is_none(), "never the private part");
            // The sealed key is bound to its row.
            let mut moved = key.clone();
            moved.kid = "other".into();
            assert!(Signer::open(&moved, &ring).is_err());
            assert!(Signer::open(&key, &KeyRing::new([4u8; 32])).is_err(), "another master key cannot open it");
        }
        assert_eq!(SigningAlg::parse("ES256"), Some(SigningAlg::Es256));
        assert_eq!(SigningAlg::parse("RS256"), None);
    }

    #[test]
    fn f_int_5_at_hash_is_the_left_half_of_the_algorithms_hash() {
        // OpenID Connect Core's example access token and its at_hash (ES256/RS256: SHA-256).
        let half = SigningAlg::Es256.half_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y");
        assert_eq!(BASE64URL_NOPAD.encode(&half), "77QmUPtjPfzWtF2AnpK9RQ");
        assert_eq!(SigningAlg::EdDsa.half_hash("x").len(), 32);
    }
}
