//! F-INT-5: ninsho as an OpenID Connect provider. Applications the operator registers
//! send their users here (`/authorize`); the user signs in on ninsho's own pages; the
//! application exchanges the code it gets back for an ID token and an access token.
//!
//! The rules live here: which clients and redirect URIs exist (`clients`), what an
//! authorization request may ask and how a code is issued and redeemed once
//! (`codes`), what tokens say (`claims`, `tokens`) and the keys that sign them
//! (`keys`). HTTP (query strings, JSON error bodies, pages) belongs to the server's
//! `oidc` module; SQL to storage, through `OidcStore`.

pub mod claims;
pub mod clients;
pub mod codes;
pub mod keys;
pub mod logout;
pub mod tokens;

use std::future::Future;

use crate::error::Result;
use crate::types::*;

pub use clients::{ClientKind, OidcClient, OidcScope};
pub use codes::{AuthCode, AuthRequest, OidcRequest};
pub use keys::{SigningAlg, SigningKey};
pub use tokens::{AccessToken, RefreshToken};

/// How long a code may wait for its exchange (the ceiling: 60 s).
pub const CODE_SECS: i64 = 60;
/// How long a parked authorization request waits for the user to sign in (and perhaps
/// set up 2SV in the wizard first).
pub const REQUEST_SECS: i64 = 30 * 60;
/// How long a refresh token lives unused (`offline_access`). Each use replaces it
/// with a new one for as long again; a password change, signing out everywhere or a
/// lock ends them sooner.
pub const REFRESH_SECS: i64 = 30 * 24 * 3600;
/// How long an instance signs with the key it read before reading again: a key
/// retired on another instance may still sign for this long, so it stays published
/// this much longer than its last token lives.
pub const KEY_CACHE_SECS: i64 = 60;

/// What the OpenID Connect provider needs from storage, beside `Store` (writes go
/// through `Store::commit` as `Write`s).
pub trait OidcStore: Clone + Send + Sync + 'static {
    /// The clients not removed, oldest first.
    fn oidc_clients(&self) -> impl Future<Output = Result<Vec<OidcClient>>> + Send;
    /// One client by id, removed or not.
    fn oidc_client(&self, id: OidcClientId) -> impl Future<Output = Result<Option<OidcClient>>> + Send;
    /// The key that signs now, and every retired key still published at `now`.
    fn signing_keys(&self, now: UnixMillis) -> impl Future<Output = Result<Vec<SigningKey>>> + Send;
    fn oidc_request(&self, id: OidcRequestId) -> impl Future<Output = Result<Option<OidcRequest>>> + Send;
    /// A code by its keyed hash, used or not, with until when the session it was issued
    /// to lasts (`None`: signed out, or gone), as one read found them.
    fn oidc_code(&self, code_hash: &[u8]) -> impl Future<Output = Result<Option<(AuthCode, Option<UnixMillis>)>>> + Send;
    /// An access token by its keyed hash, revoked or not.
    fn oidc_token(&self, token_hash: &[u8]) -> impl Future<Output = Result<Option<AccessToken>>> + Send;
    /// A refresh token by its keyed hash, used, revoked or not.
    fn oidc_refresh(&self, token_hash: &[u8]) -> impl Future<Output = Result<Option<RefreshToken>>> + Send;
    /// Deletes what has expired by `now`, at most `batch` rows a statement, and
    /// returns how many rows went (housekeeping, not a `Write`: nothing else changes
    /// with it). Parked requests and access tokens go at their expiry. A refresh token
    /// goes once its whole family (the tokens of one code) has expired or been
    /// revoked, so a replayed old one is still recognised while the family lives; a
    /// code goes once it has expired and no token it gave remains, so replaying it
    /// still revokes what it gave.
    fn purge_expired_oidc(&self, now: UnixMillis, batch: i64) -> impl Future<Output = Result<u64>> + Send;
}
