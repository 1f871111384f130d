//! Keys and the few primitives built on them: keyed hashes for codes and tokens,
//! authenticated encryption for secrets at rest, and the OS random source.
//!
//! Every subkey is derived from one master key by label, so rotating the master key
//! rotates everything, and a leaked hash key cannot decrypt a TOTP seed.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// Version byte written in front of every ciphertext; a future key rotation adds a
/// second key under a new byte and reads both.
const KEY_VERSION: u8 = 1;
const NONCE_LEN: usize = 24;

pub struct KeyRing {
    code_key: Zeroizing<[u8; 32]>,
    token_key: Zeroizing<[u8; 32]>,
    link_key: Zeroizing<[u8; 32]>,
    client_key: Zeroizing<[u8; 32]>,
    delivery_key: Zeroizing<[u8; 32]>,
    oidc_key: Zeroizing<[u8; 32]>,
    audit_seed: Zeroizing<[u8; 32]>,
    aead: XChaCha20Poly1305,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyRing(..)")
    }
}

fn derive(master: &[u8; 32], label: &str) -> Zeroizing<[u8; 32]> {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).unwrap_or_else(|_| unreachable!());
    mac.update(b"ninsho-subkey:");
    mac.update(label.as_bytes());
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

impl KeyRing {
    pub fn new(mut master: [u8; 32]) -> Self {
        let enc = derive(&master, "encryption-v1");
        let ring = KeyRing {
            code_key: derive(&master, "code-hash-v1"),
            token_key: derive(&master, "token-hash-v1"),
            link_key: derive(&master, "signed-link-v1"),
            client_key: derive(&master, "service-client-secret-v1"),
            delivery_key: derive(&master, "delivery-code-hash-v1"),
            oidc_key: derive(&master, "oidc-token-hash-v1"),
            audit_seed: derive(&master, "audit-checkpoint-ed25519-v1"),
            aead: XChaCha20Poly1305::new(enc.as_slice().into()),
        };
        master.zeroize();
        ring
    }

    /// Parses a master key written as 64 hex digits.
    pub fn from_hex(hex: &str) -> Result<Self> {
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(hex.trim().as_bytes())
            .map_err(|_| Error::internal("the master key is not 64 hex digits"))?;
        let mut key: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| Error::internal("the master key is not 64 hex digits"))?;
        let ring = Self::new(key);
        key.zeroize();
        Ok(ring)
    }

    fn mac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
        for p in parts {
            // Length-prefix each part so ("ab","c") and ("a","bc") differ.
            mac.update(&(p.len() as u64).to_be_bytes());
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }

    /// Keyed hash of a sent or backup code, bound to its context (challenge or account)
    /// so a hash from one challenge is worthless in another.
    pub fn hash_code(&self, context: &[u8], code: &str) -> Vec<u8> {
        Self::mac(&self.code_key, &[context, code.as_bytes()]).to_vec()
    }

    /// Keyed hash of a delivery code (F-DLV-4): a key of its own, so the same digits
    /// hash differently as a delivery code and as any other code, whatever the context.
    pub fn hash_delivery_code(&self, challenge: &[u8], code: &str) -> Vec<u8> {
        Self::mac(&self.delivery_key, &[challenge, code.as_bytes()]).to_vec()
    }

    /// Keyed hash of a bearer token (session, trusted browser): the database never
    /// holds a token that would work if copied.
    pub fn hash_token(&self, token: &str) -> Vec<u8> {
        Self::mac(&self.token_key, &[token.as_bytes()]).to_vec()
    }

    /// Keyed hash of a service client's secret: a key of its own, so a client secret
    /// and a session token never hash alike even if their text did.
    pub fn hash_client_secret(&self, secret: &str) -> Vec<u8> {
        Self::mac(&self.client_key, &[secret.as_bytes()]).to_vec()
    }

    /// Keyed hash of an OpenID Connect code or token, bound to what it is (`b"code"`,
    /// `b"access"`): a code presented as a token, or the reverse, matches nothing, and
    /// no shopper's session token hashes alike.
    pub fn hash_oidc(&self, kind: &[u8], token: &str) -> Vec<u8> {
        Self::mac(&self.oidc_key, &[kind, token.as_bytes()]).to_vec()
    }

    /// Keyed hash of an organisation invitation's token (F-ORG-1), bound to what it is:
    /// a session token presented as an invitation matches nothing.
    pub fn hash_invitation(&self, token: &str) -> Vec<u8> {
        Self::mac(&self.token_key, &[b"org-invitation|", token.as_bytes()]).to_vec()
    }

    /// Signature for links sent in messages (deny links).
    pub fn sign_link(&self, data: &[u8]) -> [u8; 32] {
        Self::mac(&self.link_key, &[data])
    }

    pub fn verify_link(&self, data: &[u8], sig: &[u8]) -> bool {
        bool::from(self.sign_link(data).as_slice().ct_eq(sig))
    }

    /// The key that signs checkpoints of the security log (F-OPS-6). Its public half is
    /// what an operator keeps elsewhere to check them.
    pub fn audit_signing_key(&self) -> ed25519_dalek::SigningKey {
        ed25519_dalek::SigningKey::from_bytes(&self.audit_seed)
    }

    /// Encrypts a secret; `aad` names table, row and purpose, so a ciphertext moved to
    /// another row does not decrypt.
    pub fn seal(&self, aad: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        fill_random(&mut nonce)?;
        let ct = self
            .aead
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: aad.as_bytes() })
            .map_err(|_| Error::internal("encryption failed"))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ct.len());
        out.push(KEY_VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        Ok(out)
    }

    pub fn open(&self, aad: &str, blob: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        if blob.len() < 1 + NONCE_LEN || blob[0] != KEY_VERSION {
            return Err(Error::internal("ciphertext has an unknown key version"));
        }
        let (nonce, ct) = blob[1..].split_at(NONCE_LEN);
        self.aead
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: aad.as_bytes() })
            .map(Zeroizing::new)
            .map_err(|_| Error::internal("ciphertext does not authenticate"))
    }
}

pub fn fill_random(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|e| Error::internal(format!("OS random source failed: {e}")))
}

/// A fresh 32-byte master key from the OS random source.
pub fn generate_master_key() -> Result<Zeroizing<[u8; 32]>> {
    let mut key = Zeroizing::new([0u8; 32]);
    fill_random(key.as_mut_slice())?;
    Ok(key)
}

/// A uniformly random number below `bound`, by rejection sampling (no modulo bias).
pub fn random_below(bound: u32) -> Result<u32> {
    debug_assert!(bound > 0);
    // The largest multiple of `bound` that fits: values at or above it are redrawn.
    let zone = u32::MAX - (u32::MAX % bound);
    loop {
        let mut b = [0u8; 4];
        fill_random(&mut b)?;
        let v = u32::from_le_bytes(b);
        if v < zone {
            return Ok(v % bound);
        }
    }
}

/// `n` random decimal digits, each drawn as `random_below(10)` draws it, from one read
/// of the OS random source for the whole code (a bulk import makes a code per shipment;
/// a read per digit was a system call per digit).
pub fn random_digits(n: usize) -> Result<String> {
    const ZONE: u32 = u32::MAX - (u32::MAX % 10);
    let mut s = String::with_capacity(n);
    let mut pool = Zeroizing::new([0u8; 64]);
    let (mut at, mut end) = (0, 0);
    while s.len() < n {
        if at == end {
            end = (4 * (n - s.len())).min(pool.len());
            fill_random(&mut pool[..end])?;
            at = 0;
        }
        let v = u32::from_le_bytes([pool[at], pool[at + 1], pool[at + 2], pool[at + 3]]);
        at += 4;
        if v < ZONE {
            s.push(char::from(b'0' + (v % 10) as u8));
        }
    }
    Ok(s)
}

/// A bearer token: 32 random bytes, URL-safe base64.
pub fn random_token() -> Result<String> {
    let mut b = Zeroizing::new([0u8; 32]);
    fill_random(b.as_mut_slice())?;
    Ok(data_encoding::BASE64URL_NOPAD.encode(b.as_slice()))
}

/// Constant-time equality for secrets compared in memory.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> KeyRing {
        KeyRing::new([7u8; 32])
    }

    #[test]
    fn f_ops_4_sealed_secret_opens_only_with_its_own_aad() {
        let r = ring();
        let blob = r.seal("factors|a|totp", b"seed").unwrap();
        assert_eq!(r.open("factors|a|totp", &blob).unwrap().as_slice(), b"seed");
        assert!(r.open("factors|b|totp", &blob).is_err());
        let mut tampered = blob.clone();
        *tampered.last_mut().unwrap() ^= 1;
        assert!(r.open("factors|a|totp", &tampered).is_err());
        assert!(!blob.windows(4).any(|w| w == b"seed"));
    }

    #[test]
    fn f_otp_1_code_hash_is_bound_to_context() {
        let r = ring();
        assert_ne!(r.hash_code(b"c1", "123456"), r.hash_code(b"c2", "123456"));
        assert_eq!(r.hash_code(b"c1", "123456"), r.hash_code(b"c1", "123456"));
        assert_ne!(KeyRing::new([8u8; 32]).hash_code(b"c1", "123456"), r.hash_code(b"c1", "123456"));
    }

    #[test]
    fn f_otp_1_random_digits_are_uniform_enough() {
        // 60 000 digits: each of 10 values should appear 6 000 ± 5 sigma (~ 367) times.
        let mut counts = [0u32; 10];
        for _ in 0..10_000 {
            for c in random_digits(6).unwrap().bytes() {
                counts[(c - b'0') as usize] += 1;
            }
        }
        for c in counts {
            assert!((5_633..=6_367).contains(&c), "digit count {c} is off: {counts:?}");
        }
    }

    #[test]
    fn f_otp_1_rejection_zone_excludes_the_biased_tail() {
        // For bound 10 the zone is the largest multiple of 10 not above u32::MAX.
        let zone = u32::MAX - (u32::MAX % 10);
        assert_eq!(zone % 10, 0);
        assert!(u32::MAX - zone < 10);
    }
}
