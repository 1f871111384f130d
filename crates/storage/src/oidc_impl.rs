// F-INT-5: the OpenID Connect provider's reads, written once. `lib.rs` includes this
// file in one module per driver, after `store_impl.rs`. Writes are `Write`s (writes.rs).

use ninsho_domain::oidc::{AccessToken, AuthCode, AuthRequest, ClientKind, OidcClient, OidcRequest, OidcScope, OidcStore, RefreshToken, SigningAlg, SigningKey};

fn get<'r, T: sqlx::Decode<'r, DB> + sqlx::Type<DB>>(r: &'r DbRow, name: &str) -> R<T> {
    r.try_get(name).map_err(db_err)
}

fn oidc_scopes(r: &DbRow) -> R<Vec<OidcScope>> {
    OidcScope::split(get(r, "scopes")?).map_err(|s| Error::internal(format!("stored OpenID Connect scope {s} is not recognised")))
}

fn lines(text: &str) -> Vec<String> {
    text.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

fn oidc_client_row(r: &DbRow) -> R<OidcClient> {
    Ok(OidcClient {
        id: OidcClientId(get(r, "id")?),
        name: get(r, "name")?,
        kind: if get::<bool>(r, "public")? { ClientKind::Public } else { ClientKind::Confidential },
        secret_hash: get(r, "secret_hash")?,
        redirect_uris: lines(get(r, "redirect_uris")?),
        post_logout_uris: lines(get(r, "post_logout_uris")?),
        scopes: oidc_scopes(r)?,
        created_at: UnixMillis(get(r, "created_at")?),
        removed_at: opt_ms(get(r, "removed_at")?),
    })
}

fn signing_key_row(r: &DbRow) -> R<SigningKey> {
    Ok(SigningKey {
        kid: get(r, "kid")?,
        alg: parse_enum(SigningAlg::parse(get(r, "alg")?), "signing algorithm")?,
        sealed_private: get(r, "private_key")?,
        public_key: get(r, "public_key")?,
        created_at: UnixMillis(get(r, "created_at")?),
        retired_at: opt_ms(get(r, "retired_at")?),
        published_until: opt_ms(get(r, "published_until")?),
    })
}

impl OidcStore for Store {
    async fn purge_expired_oidc(&self, now: UnixMillis, batch: i64) -> R<u64> {
        // Codes last: they go only once their tokens have gone.
        const PURGES: [&str; 4] = [
            "delete from oidc_requests where id in (select id from oidc_requests where expires_at <= $1 limit $2)",
            "delete from oidc_tokens where token_hash in (select token_hash from oidc_tokens where expires_at <= $1 limit $2)",
            "delete from oidc_refresh_tokens where token_hash in (select r.token_hash from oidc_refresh_tokens r where r.expires_at <= $1 \
             and not exists (select 1 from oidc_refresh_tokens l where l.code_hash = r.code_hash and l.expires_at > $1 and l.revoked_at is null) limit $2)",
            "delete from oidc_codes where code_hash in (select c.code_hash from oidc_codes c where c.expires_at <= $1 \
             and not exists (select 1 from oidc_tokens t where t.code_hash = c.code_hash) \
             and not exists (select 1 from oidc_refresh_tokens r where r.code_hash = c.code_hash) limit $2)",
        ];
        let mut gone = 0;
        for sql in PURGES {
            // Short statements, so that other writers wait for none of them long.
            loop {
                let n = sqlx::query(sql).bind(now.0).bind(batch).execute(&self.write).await.map_err(db_err)?.rows_affected();
                gone += n;
                if n < batch as u64 {
                    break;
                }
            }
        }
        Ok(gone)
    }

    async fn oidc_clients(&self) -> R<Vec<OidcClient>> {
        let rows = sqlx::query("select * from oidc_clients where removed_at is null order by created_at").fetch_all(&self.read).await.map_err(db_err)?;
        rows.iter().map(oidc_client_row).collect()
    }

    async fn oidc_client(&self, id: OidcClientId) -> R<Option<OidcClient>> {
        let row = sqlx::query("select * from oidc_clients where id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(db_err)?;
        row.as_ref().map(oidc_client_row).transpose()
    }

    async fn signing_keys(&self, now: UnixMillis) -> R<Vec<SigningKey>> {
        let rows = sqlx::query("select * from oidc_signing_keys where active = 1 or published_until > $1 order by created_at desc")
            .bind(now.0)
            .fetch_all(&self.read)
            .await
            .map_err(db_err)?;
        rows.iter().map(signing_key_row).collect()
    }

    async fn oidc_request(&self, id: OidcRequestId) -> R<Option<OidcRequest>> {
        let row = sqlx::query("select * from oidc_requests where id = $1").bind(id.0).fetch_optional(&self.read).await.map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(OidcRequest {
            id,
            request: AuthRequest {
                client_id: OidcClientId(get(&r, "client_id")?),
                redirect_uri: get(&r, "redirect_uri")?,
                scopes: oidc_scopes(&r)?,
                state: get(&r, "state")?,
                nonce: get(&r, "nonce")?,
                code_challenge: get(&r, "code_challenge")?,
                prompt_none: get(&r, "prompt_none")?,
                prompt_login: get(&r, "prompt_login")?,
                max_age: get(&r, "max_age")?,
                second_factor: get(&r, "second_factor")?,
                login_after: opt_ms(get(&r, "login_after")?),
            },
            created_at: UnixMillis(get(&r, "created_at")?),
            expires_at: UnixMillis(get(&r, "expires_at")?),
            used_at: opt_ms(get(&r, "used_at")?),
        }))
    }

    async fn oidc_code(&self, code_hash: &[u8]) -> R<Option<(AuthCode, Option<UnixMillis>)>> {
        let row = sqlx::query(
            "select c.*, case when s.revoked_at is null then s.expires_at end as session_until \
                from oidc_codes c left join sessions s on s.id = c.session_id where c.code_hash = $1",
        )
        .bind(code_hash)
        .fetch_optional(&self.read)
        .await
        .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        let session_until = opt_ms(get(&r, "session_until")?);
        Ok(Some((AuthCode {
            code_hash: get(&r, "code_hash")?,
            client_id: OidcClientId(get(&r, "client_id")?),
            account_id: AccountId(get(&r, "account_id")?),
            session_id: SessionId(get(&r, "session_id")?),
            redirect_uri: get(&r, "redirect_uri")?,
            scopes: oidc_scopes(&r)?,
            nonce: get(&r, "nonce")?,
            code_challenge: get(&r, "code_challenge")?,
            auth_time: UnixMillis(get(&r, "auth_time")?),
            methods: get::<&str>(&r, "methods")?.split_whitespace().filter_map(AuthMethod::parse).collect(),
            created_at: UnixMillis(get(&r, "created_at")?),
            expires_at: UnixMillis(get(&r, "expires_at")?),
            consumed_at: opt_ms(get(&r, "consumed_at")?),
        }, session_until)))
    }

    async fn oidc_token(&self, token_hash: &[u8]) -> R<Option<AccessToken>> {
        let row = sqlx::query("select * from oidc_tokens where token_hash = $1").bind(token_hash).fetch_optional(&self.read).await.map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(AccessToken {
            token_hash: get(&r, "token_hash")?,
            code_hash: get(&r, "code_hash")?,
            client_id: OidcClientId(get(&r, "client_id")?),
            account_id: AccountId(get(&r, "account_id")?),
            session_id: SessionId(get(&r, "session_id")?),
            scopes: oidc_scopes(&r)?,
            created_at: UnixMillis(get(&r, "created_at")?),
            expires_at: UnixMillis(get(&r, "expires_at")?),
            revoked_at: opt_ms(get(&r, "revoked_at")?),
        }))
    }

    async fn oidc_refresh(&self, token_hash: &[u8]) -> R<Option<RefreshToken>> {
        let row = sqlx::query("select * from oidc_refresh_tokens where token_hash = $1").bind(token_hash).fetch_optional(&self.read).await.map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(RefreshToken {
            token_hash: get(&r, "token_hash")?,
            code_hash: get(&r, "code_hash")?,
            client_id: OidcClientId(get(&r, "client_id")?),
            account_id: AccountId(get(&r, "account_id")?),
            session_id: SessionId(get(&r, "session_id")?),
            scopes: oidc_scopes(&r)?,
            auth_time: UnixMillis(get(&r, "auth_time")?),
            methods: get::<&str>(&r, "methods")?.split_whitespace().filter_map(AuthMethod::parse).collect(),
            created_at: UnixMillis(get(&r, "created_at")?),
            expires_at: UnixMillis(get(&r, "expires_at")?),
            used_at: opt_ms(get(&r, "used_at")?),
            revoked_at: opt_ms(get(&r, "revoked_at")?),
        }))
    }
}
