-- F-INT-5: housekeeping deletes the provider's expired requests, codes and tokens
-- (Services::purge_expired_oidc); it finds them by their expiry.
create index oidc_requests_expires on oidc_requests(expires_at);
create index oidc_codes_expires on oidc_codes(expires_at);
create index oidc_tokens_expires on oidc_tokens(expires_at);
create index oidc_refresh_expires on oidc_refresh_tokens(expires_at);
