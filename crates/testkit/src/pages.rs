//! A plain-HTTP "browser" for page tests that need no rendering: keeps cookies,
//! follows redirects, reads the CSRF token from a page and posts forms with it.

use std::collections::BTreeMap;
use std::time::Duration;

pub struct PageClient {
    http: reqwest::Client,
    pub base: String,
    pub cookies: BTreeMap<String, String>,
    pub accept_language: Option<String>,
    pub user_agent: String,
}

#[derive(Debug)]
pub struct Page {
    pub status: u16,
    /// The path the last redirect led to.
    pub path: String,
    pub headers: reqwest::header::HeaderMap,
    pub html: String,
    /// Every `Set-Cookie` seen on the way, in order.
    pub set_cookies: Vec<String>,
}

impl Page {
    /// The CSRF token of the first form on the page.
    pub fn csrf(&self) -> String {
        attr_after(&self.html, "name=\"csrf\" value=\"").unwrap_or_default()
    }

    /// The text inside the element with this id (tags stripped).
    pub fn text_of(&self, id: &str) -> Option<String> {
        let start = self.html.find(&format!("id=\"{id}\""))?;
        let open_end = start + self.html[start..].find('>')? + 1;
        let rest = &self.html[open_end..];
        // Up to the next closing tag of a block: enough for the short elements asked for.
        let end = rest.find("</").unwrap_or(rest.len());
        Some(strip_tags(&rest[..end]).trim().to_string())
    }

    /// The visible text of the page: tags, scripts, styles and attributes removed.
    pub fn text(&self) -> String {
        let body = self.html.split("<body>").nth(1).unwrap_or(&self.html);
        strip_tags(body)
    }
}

pub fn attr_after(html: &str, marker: &str) -> Option<String> {
    let i = html.find(marker)? + marker.len();
    Some(html[i..].split('"').next()?.to_string())
}

pub fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&").replace("&quot;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&#x27;", "'")
}

impl PageClient {
    pub fn new(base: &str) -> PageClient {
        ninsho_delivery::install_tls_provider();
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(Duration::from_secs(60)).build().expect("client");
        PageClient { http, base: base.to_string(), cookies: BTreeMap::new(), accept_language: None, user_agent: "Mozilla/5.0 (X11; Linux x86_64) ninsho-page-tests".into() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn absorb(&mut self, headers: &reqwest::header::HeaderMap, seen: &mut Vec<String>) {
        for v in headers.get_all(reqwest::header::SET_COOKIE) {
            let s = v.to_str().unwrap_or("").to_string();
            let pair = s.split(';').next().unwrap_or("");
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() || s.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
            seen.push(s);
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.send(reqwest::Method::GET, path, None, &[]).await
    }

    /// A GET with these headers besides (`Sec-Fetch-Site`, say).
    pub async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Page {
        self.send(reqwest::Method::GET, path, None, headers).await
    }

    /// Posts a form (the CSRF token of `from` added) and follows the redirects.
    pub async fn post(&mut self, path: &str, from: &Page, fields: &[(&str, &str)]) -> Page {
        let mut all: Vec<(String, String)> = vec![("csrf".into(), from.csrf())];
        all.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        self.post_raw(path, &all, &[]).await
    }

    pub async fn post_raw(&mut self, path: &str, fields: &[(String, String)], headers: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        self.send(reqwest::Method::POST, path, Some(body), headers).await
    }

    async fn send(&mut self, method: reqwest::Method, path: &str, body: Option<String>, extra: &[(&str, &str)]) -> Page {
        let mut seen = Vec::new();
        let mut method = method;
        let mut path = path.to_string();
        let mut body = body;
        for _ in 0..10 {
            let mut req = self.http.request(method.clone(), format!("{}{}", self.base, path)).header("user-agent", &self.user_agent).header("accept", "text/html");
            if !self.cookies.is_empty() {
                req = req.header("cookie", self.cookie_header());
            }
            if let Some(l) = &self.accept_language {
                req = req.header("accept-language", l);
            }
            for (k, v) in extra {
                req = req.header(*k, *v);
            }
            if let Some(b) = body.take() {
                req = req.header("content-type", "application/x-www-form-urlencoded").body(b);
            }
            let res = req.send().await.expect("request");
            let status = res.status().as_u16();
            let headers = res.headers().clone();
            self.absorb(&headers, &mut seen);
            if (300..400).contains(&status)
                && let Some(loc) = headers.get("location").and_then(|v| v.to_str().ok())
            {
                path = loc.strip_prefix(&self.base).unwrap_or(loc).to_string();
                method = reqwest::Method::GET;
                continue;
            }
            let html = res.text().await.unwrap_or_default();
            return Page { status, path, headers, html, set_cookies: seen };
        }
        panic!("more than 10 redirects from {path}")
    }
}

impl PageClient {
    /// One GET with the cookies for a file (not a page): status, headers, bytes.
    pub async fn get_bytes(&mut self, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        self.get_bytes_with(path, &[]).await
    }

    pub async fn get_bytes_with(&mut self, path: &str, headers: &[(&str, &str)]) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
        let mut req = self.http.get(format!("{}{}", self.base, path)).header("user-agent", &self.user_agent);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if !self.cookies.is_empty() {
            req = req.header("cookie", self.cookie_header());
        }
        let res = req.send().await.expect("request");
        let (status, headers) = (res.status().as_u16(), res.headers().clone());
        (status, headers, res.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
    }

    /// One GET with the cookies, without following redirects; returns the
    /// `Location` (or the path).
    pub async fn send_raw_get(&mut self, path: &str) -> String {
        let mut req = self.http.get(format!("{}{}", self.base, path)).header("accept", "text/html").header("user-agent", &self.user_agent);
        if !self.cookies.is_empty() {
            req = req.header("cookie", self.cookie_header());
        }
        let res = req.send().await.expect("request");
        self.absorb(res.headers(), &mut Vec::new());
        res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or(path).to_string()
    }
}
