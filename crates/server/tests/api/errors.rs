//! F-OPS-4, F-OPS-7: every error answer is a problem document — the router's, the body
//! limit's and the timeouts' included — and a client that never finishes its request
//! is answered 408 and cut off within the timeout instead of holding a connection.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;

fn fast_timeouts(c: &mut ninsho_server::Config) {
    c.header_timeout = Duration::from_secs(1);
    c.body_timeout = Duration::from_secs(1);
}

/// Sends `bytes` as they are and reads the answer until the server closes (or `limit`).
async fn raw(addr: std::net::SocketAddr, bytes: &[u8], limit: Duration) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(limit, s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

async fn send(app: &TestApp, req: reqwest::RequestBuilder) -> (u16, String, Value, reqwest::header::HeaderMap) {
    let _ = app;
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let body = r.json().await.unwrap_or(Value::Null);
    (status, kind, body, headers)
}

#[tokio::test]
async fn f_ops_4_every_error_status_is_a_problem_document() {
    let app = spawn_app_with(Backend::Sqlite, fast_timeouts).await;
    let u = |p: &str| format!("{}{p}", app.url);
    let h = &app.http;
    let cases: Vec<(u16, &str, reqwest::RequestBuilder)> = vec![
        (400, "request.invalid_json", h.post(u("/api/v1/sign-in")).header("content-type", "application/json").body("{not json")),
        (404, "not_found", h.get(u("/api/v1/no-such-thing"))),
        (405, "request.method_not_allowed", h.get(u("/api/v1/sign-in"))),
        (413, "request.too_large", h.post(u("/api/v1/sign-in")).header("content-type", "application/json").body(format!("{{\"email\":\"{}\"}}", "a".repeat(100_000)))),
        (414, "request.uri_too_long", h.get(u(&format!("/health?x={}", "a".repeat(10_000))))),
        (415, "request.content_type", h.post(u("/api/v1/sign-in")).body("{}")),
        (422, "request.invalid_fields", h.post(u("/api/v1/sign-in")).json(&json!({"email": null, "password": "x"}))),
        (431, "request.headers_too_large", h.get(u("/health")).header("x-big", "b".repeat(20_000))),
    ];
    for (status, code, req) in cases {
        let (got, kind, body, headers) = send(&app, req).await;
        assert_eq!(got, status, "{code}: {body:?}");
        assert_eq!(kind, "application/problem+json", "{status} {code}");
        assert_eq!(body["code"], code, "{status}: {body:?}");
        assert_eq!(body["status"], status, "{body:?}");
        if status == 405 {
            assert!(headers.contains_key("allow"), "405 keeps its Allow header");
        }
    }
    // A browser asking for a page is answered with a page, in its language.
    let r = h.delete(u("/sign-in")).header("accept", "text/html").header("accept-language", "ja").send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("lang=\"ja\""));
    app.shutdown().await;
}

#[tokio::test]
async fn f_ops_7_a_request_that_never_finishes_is_answered_408_within_the_timeout() {
    let app = spawn_app_with(Backend::Sqlite, fast_timeouts).await;
    let addr = app.running.addr;

    // Headers that never end.
    let start = Instant::now();
    let out = raw(addr, b"GET /health HTTP/1.1\r\nhost: x\r\nx-slow: 1\r\n", Duration::from_secs(5)).await;
    assert!(out.starts_with("HTTP/1.1 408"), "{out}");
    assert!(out.contains("application/problem+json") && out.contains("\"request.timeout\""), "{out}");
    assert!(start.elapsed() < Duration::from_secs(3), "closed after {:?}", start.elapsed());

    // A body that never arrives.
    let start = Instant::now();
    let out = raw(
        addr,
        b"POST /api/v1/sign-in HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"email\":",
        Duration::from_secs(5),
    )
    .await;
    assert!(out.starts_with("HTTP/1.1 408"), "{out}");
    assert!(out.contains("\"request.timeout\""), "{out}");
    assert!(start.elapsed() < Duration::from_secs(3), "closed after {:?}", start.elapsed());

    // A kept-alive connection that stays idle after its answer is closed quietly.
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(4), s.read_to_end(&mut out)).await;
    let out = String::from_utf8_lossy(&out);
    assert!(out.starts_with("HTTP/1.1 200") && !out.contains("408"), "{out}");

    // Many at once: every one is closed in time, and the server keeps answering meanwhile.
    let mut slow = Vec::new();
    for _ in 0..300 {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n").await.unwrap();
        slow.push(s);
    }
    let t = Instant::now();
    let health = app.call("GET", "/health", None, None).await;
    assert_eq!(health.status, 200);
    assert!(t.elapsed() < Duration::from_millis(500), "/health took {:?} beside 300 slow clients", t.elapsed());
    tokio::time::sleep(Duration::from_millis(2500)).await;
    for mut s in slow {
        let mut buf = Vec::new();
        let n = tokio::time::timeout(Duration::from_millis(500), s.read_to_end(&mut buf)).await;
        assert!(n.is_ok(), "a slow connection is still open");
        assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 408"), "{}", String::from_utf8_lossy(&buf));
    }
    app.shutdown().await;
}
