//! The tamper-evident security log (F-OPS-6): every event carries the SHA-256 of the
//! hash before it and of its own columns, so a row changed, removed or moved after it
//! was written no longer chains. Checkpoints sign the head with a key derived from
//! the master key, so an intruder with write access to the database alone cannot
//! rebuild a chain that still matches the signatures.

use ed25519_dalek::{Signature, Signer, Verifier};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::ports::Event;

/// A chain hash.
pub type Hash = [u8; 32];

/// The hash before the first event.
pub const GENESIS: Hash = [0; 32];

/// Which version of the encoding a hash covers; a later layout changes it, so old and
/// new hashes can never be mistaken for each other.
const DOMAIN: &[u8] = b"ninsho-event-chain-v1";

/// An event's columns as stored. Verification hashes what the row holds, not what this
/// build understands of it: a kind a tamperer wrote that no build knows still hashes.
#[derive(Clone, Debug)]
pub struct EventColumns<'a> {
    pub id: Uuid,
    pub account_id: Option<Uuid>,
    pub at: i64,
    pub kind: &'a str,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub device_hash: Option<&'a [u8]>,
    pub detail: &'a str,
    pub unfamiliar: bool,
}

impl<'a> EventColumns<'a> {
    pub fn of(e: &'a Event) -> Self {
        EventColumns {
            id: e.id.0,
            account_id: e.account_id.map(|a| a.0),
            at: e.at.0,
            kind: e.kind.as_str(),
            ip: e.ip.as_deref(),
            user_agent: e.user_agent.as_deref(),
            device_hash: e.device_hash.as_deref(),
            detail: &e.detail,
            unfamiliar: e.unfamiliar,
        }
    }
}

/// An event's columns read back for verification, owned.
#[derive(Clone, Debug)]
pub struct StoredEvent {
    pub id: Uuid,
    pub account_id: Option<Uuid>,
    pub at: i64,
    pub kind: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub device_hash: Option<Vec<u8>>,
    pub detail: String,
    pub unfamiliar: bool,
}

impl StoredEvent {
    pub fn columns(&self) -> EventColumns<'_> {
        EventColumns {
            id: self.id,
            account_id: self.account_id,
            at: self.at,
            kind: &self.kind,
            ip: self.ip.as_deref(),
            user_agent: self.user_agent.as_deref(),
            device_hash: self.device_hash.as_deref(),
            detail: &self.detail,
            unfamiliar: self.unfamiliar,
        }
    }
}

/// Each field tagged present/absent and length-prefixed, so no two different rows
/// (a value moved between neighbouring columns, a null against an empty string) encode
/// alike.
struct Encoder(Sha256);

impl Encoder {
    fn bytes(&mut self, v: Option<&[u8]>) {
        match v {
            None => self.0.update([0u8]),
            Some(b) => {
                self.0.update([1u8]);
                self.0.update((b.len() as u64).to_be_bytes());
                self.0.update(b);
            }
        }
    }
}

/// The hash of the event at `seq` whose predecessor's hash is `prev`.
pub fn event_hash(prev: &Hash, seq: i64, e: &EventColumns<'_>) -> Hash {
    let mut enc = Encoder(Sha256::new());
    enc.bytes(Some(DOMAIN));
    enc.bytes(Some(prev));
    enc.bytes(Some(&seq.to_be_bytes()));
    enc.bytes(Some(e.id.as_bytes()));
    enc.bytes(e.account_id.as_ref().map(|a| a.as_bytes().as_slice()));
    enc.bytes(Some(&e.at.to_be_bytes()));
    enc.bytes(Some(e.kind.as_bytes()));
    enc.bytes(e.ip.map(str::as_bytes));
    enc.bytes(e.user_agent.map(str::as_bytes));
    enc.bytes(e.device_hash);
    enc.bytes(Some(e.detail.as_bytes()));
    enc.bytes(Some(&[u8::from(e.unfamiliar)]));
    enc.0.finalize().into()
}

/// A hash as stored: exactly 32 bytes, or nothing.
pub fn hash_from(bytes: &[u8]) -> Option<Hash> {
    bytes.try_into().ok()
}

pub fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// The chain's head as a checkpoint signs it: the last event's seq and hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: Hash,
}

/// A signed head, written into the log as an `AuditCheckpoint` event's detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub head: Head,
    pub signature: [u8; 64],
}

const CHECKPOINT_DOMAIN: &[u8] = b"ninsho-audit-checkpoint-v1";

fn signed_message(head: &Head) -> Vec<u8> {
    let mut m = Vec::with_capacity(CHECKPOINT_DOMAIN.len() + 8 + 32);
    m.extend_from_slice(CHECKPOINT_DOMAIN);
    m.extend_from_slice(&head.seq.to_be_bytes());
    m.extend_from_slice(&head.hash);
    m
}

impl Checkpoint {
    pub fn sign(key: &SigningKey, head: Head) -> Checkpoint {
        Checkpoint { head, signature: key.sign(&signed_message(&head)).to_bytes() }
    }

    pub fn verify(&self, key: &VerifyingKey) -> bool {
        key.verify(&signed_message(&self.head), &Signature::from_bytes(&self.signature)).is_ok()
    }

    /// `seq=N hash=HEX sig=HEX`: readable in the log and in the history table alike.
    pub fn to_detail(&self) -> String {
        format!("seq={} hash={} sig={}", self.head.seq, hex(&self.head.hash), hex(&self.signature))
    }

    pub fn from_detail(s: &str) -> Option<Checkpoint> {
        let mut parts = s.split(' ');
        let seq = parts.next()?.strip_prefix("seq=")?.parse().ok()?;
        let hash = data_encoding::HEXLOWER.decode(parts.next()?.strip_prefix("hash=")?.as_bytes()).ok()?;
        let sig = data_encoding::HEXLOWER.decode(parts.next()?.strip_prefix("sig=")?.as_bytes()).ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Checkpoint { head: Head { seq, hash: hash.as_slice().try_into().ok()? }, signature: sig.as_slice().try_into().ok()? })
    }
}

/// A verifying key written as 64 hex digits (what `ninsho admin audit public-key` prints).
pub fn parse_verifying_key(s: &str) -> Option<VerifyingKey> {
    let bytes = data_encoding::HEXLOWER_PERMISSIVE.decode(s.trim().as_bytes()).ok()?;
    VerifyingKey::from_bytes(&bytes.as_slice().try_into().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{EventId, EventKind, UnixMillis};

    fn event() -> Event {
        Event { id: EventId::new(), account_id: None, at: UnixMillis(5), kind: EventKind::SignIn, ip: Some("ab".into()), user_agent: Some("c".into()), device_hash: None, detail: String::new(), unfamiliar: false }
    }

    #[test]
    fn f_ops_6_every_column_and_the_seq_and_the_predecessor_change_the_hash() {
        let e = event();
        let base = event_hash(&GENESIS, 1, &EventColumns::of(&e));
        assert_eq!(base, event_hash(&GENESIS, 1, &EventColumns::of(&e)));
        assert_ne!(base, event_hash(&GENESIS, 2, &EventColumns::of(&e)));
        assert_ne!(base, event_hash(&[1; 32], 1, &EventColumns::of(&e)));
        // A byte moved from one column to its neighbour is a different row.
        let moved = Event { ip: Some("a".into()), user_agent: Some("bc".into()), ..e.clone() };
        assert_ne!(base, event_hash(&GENESIS, 1, &EventColumns::of(&moved)));
        let empty = Event { device_hash: Some(vec![]), ..e.clone() };
        assert_ne!(base, event_hash(&GENESIS, 1, &EventColumns::of(&empty)), "null and empty differ");
        let flipped = Event { unfamiliar: true, ..e };
        assert_ne!(base, event_hash(&GENESIS, 1, &EventColumns::of(&flipped)));
    }

    #[test]
    fn f_ops_6_a_checkpoint_round_trips_and_a_changed_one_fails_its_signature() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let cp = Checkpoint::sign(&key, Head { seq: 42, hash: [9; 32] });
        let back = Checkpoint::from_detail(&cp.to_detail());
        assert_eq!(back.as_ref(), Some(&cp));
        assert!(cp.verify(&key.verifying_key()));
        let moved = Checkpoint { head: Head { seq: 41, ..cp.head }, ..cp.clone() };
        assert!(!moved.verify(&key.verifying_key()));
        assert!(!cp.verify(&SigningKey::from_bytes(&[4; 32]).verifying_key()));
        assert_eq!(Checkpoint::from_detail("seq=1 hash=00"), None);
        assert_eq!(parse_verifying_key(&hex(key.verifying_key().as_bytes())), Some(key.verifying_key()));
    }
}
