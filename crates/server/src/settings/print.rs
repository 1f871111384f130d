//! `ninsho config check`: the effective settings, one line each, with where the value
//! came from. Secrets are masked; a URL keeps everything but its password.

use figment::value::Value;

use super::Loaded;
use super::keys::{KEYS, Secrecy};

pub const MASK: &str = "********";

/// `key = value  # origin` for every key, in the documented order.
pub fn effective(loaded: &Loaded) -> Vec<String> {
    let lines: Vec<(String, String)> = KEYS
        .iter()
        .map(|k| {
            let value = loaded.figment.find_value(k.path).ok().filter(|v| !matches!(v, Value::Empty(..)));
            let shown = match (value, k.secrecy) {
                (None, _) => format!("# {} is not set", k.path),
                (Some(_), Secrecy::Secret) => format!("{} = \"{MASK}\"", k.path),
                (Some(Value::String(_, url)), Secrecy::UrlWithPassword) => format!("{} = {}", k.path, quoted(&mask_password(&url))),
                (Some(v), _) => format!("{} = {}", k.path, toml_text(&v)),
            };
            (shown, loaded.origin(k.path))
        })
        .collect();
    let width = lines.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(0);
    lines.into_iter().map(|(l, o)| format!("{l:width$}  # {o}")).collect()
}

fn toml_text(v: &Value) -> String {
    match v {
        Value::String(_, s) => quoted(s),
        Value::Char(_, c) => quoted(&c.to_string()),
        Value::Bool(_, b) => b.to_string(),
        Value::Num(_, n) => n.to_i128().map(|n| n.to_string()).or_else(|| n.to_f64().map(|f| f.to_string())).unwrap_or_default(),
        Value::Array(_, items) => format!("[{}]", items.iter().map(toml_text).collect::<Vec<_>>().join(", ")),
        Value::Dict(..) | Value::Empty(..) => String::new(),
    }
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// `scheme://user:********@host/…`: what the URL points at, without its password.
pub fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let path = mask_query_password(path);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map(|(u, _)| u).unwrap_or(userinfo);
            let masked = if userinfo.contains(':') { format!("{user}:{MASK}") } else { user.to_string() };
            format!("{scheme}://{masked}@{host}{path}")
        }
        None => format!("{scheme}://{authority}{path}"),
    }
}

/// PostgreSQL also takes the password as a query parameter.
fn mask_query_password(path: &str) -> String {
    let Some((before, query)) = path.split_once('?') else { return path.to_string() };
    let params: Vec<String> = query
        .split('&')
        .map(|p| match p.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}={MASK}"),
            _ => p.to_string(),
        })
        .collect();
    format!("{before}?{}", params.join("&"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn url_passwords_are_masked() {
        use super::mask_password;
        assert_eq!(mask_password("postgres://app:s3cret@db.example:5432/ninsho"), "postgres://app:********@db.example:5432/ninsho");
        assert_eq!(mask_password("smtp+starttls://mailer:p%40ss@mail.example"), "smtp+starttls://mailer:********@mail.example");
        assert_eq!(mask_password("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
        assert_eq!(mask_password("sqlite://./data/ninsho.db"), "sqlite://./data/ninsho.db");
        assert_eq!(mask_password("postgres://app@db/x?sslmode=require&password=zz"), "postgres://app@db/x?sslmode=require&password=********");
    }
}
