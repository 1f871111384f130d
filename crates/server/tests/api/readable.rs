//! Readable devices and history (F-DEV-1/3): times in the account's zone with the zone
//! named, devices named from the user agent, places from the operator's GeoIP
//! database (a tiny one written by PyPI's `mmdb-writer`) and left out without one.

use std::path::PathBuf;

use super::*;
use super::pages::{check_page, page_client, page_sign_up, web_app};
use ninsho_domain::types::Locale;
use ninsho_domain::zone::TimeZoneName;
use ninsho_testkit::geoip;

pub const CHROME_WINDOWS: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
pub const SAFARI_IPHONE: &str =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

/// The visible text of the list with this id, all its items.
fn list_text(page: &ninsho_testkit::pages::Page, id: &str) -> String {
    let start = page.html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id} in {}", page.html));
    let end = start + page.html[start..].find("</ul>").unwrap();
    ninsho_testkit::pages::strip_tags(&page.html[start..end])
}

async fn zone_of(app: &TestApp, token: &str) -> (String, String) {
    let r = app.call("GET", "/api/v1/account", Some(token), None).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    (r.body["time_zone"].as_str().unwrap().to_string(), r.body["time_zone_source"].as_str().unwrap().to_string())
}

fn pair(zone: &str, source: &str) -> (String, String) {
    (zone.to_string(), source.to_string())
}

#[tokio::test]
async fn f_dev_1_time_zone_follows_the_language_until_chosen_and_is_reset_with_null() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let token = app.signed_up(&unique_email(), PASSWORD).await;
        let patch = |body: Value| app.call("PATCH", "/api/v1/account", Some(&token), Some(body));
        assert_eq!(zone_of(&app, &token).await, pair("UTC", "language"), "{b:?}");
        assert_eq!(patch(json!({"locale": "ja"})).await.status, 204);
        assert_eq!(zone_of(&app, &token).await, pair("Asia/Tokyo", "language"), "{b:?}");
        // Stored as the database spells it; a later language change leaves a choice alone.
        assert_eq!(patch(json!({"time_zone": "europe/paris"})).await.status, 204);
        assert_eq!(zone_of(&app, &token).await, pair("Europe/Paris", "account"), "{b:?}");
        assert_eq!(patch(json!({"locale": "zh"})).await.status, 204);
        assert_eq!(zone_of(&app, &token).await, pair("Europe/Paris", "account"), "{b:?}");

        let bad = patch(json!({"locale": "fr", "time_zone": "Mars/Olympus_Mons"})).await;
        assert_eq!(bad.status, 422, "{:?}", bad.body);
        assert_eq!((bad.body["code"].as_str(), bad.body["field"].as_str()), (Some("time_zone.unknown"), Some("time_zone")), "{:?}", bad.body);
        assert!(bad.headers["content-type"].to_str().unwrap().starts_with("application/problem+json"));
        // Nothing of a refused body lands, the language beside it included.
        let acct = app.call("GET", "/api/v1/account", Some(&token), None).await;
        assert_eq!((acct.body["locale"].as_str(), acct.body["time_zone"].as_str()), (Some("zh"), Some("Europe/Paris")), "{b:?}");
        assert_eq!(patch(json!({"time_zone": 9})).await.status, 422);

        assert_eq!(patch(json!({"time_zone": null})).await.status, 204);
        assert_eq!(zone_of(&app, &token).await, pair("Asia/Shanghai", "language"), "{b:?}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_dev_1_the_operators_default_zone_applies_to_accounts_that_chose_none() {
    let lima = TimeZoneName::parse("America/Lima").unwrap();
    let app = spawn_app_with(Backend::Sqlite, |c| c.policy.default_time_zone = Some(lima)).await;
    let token = app.signed_up(&unique_email(), PASSWORD).await;
    assert_eq!(zone_of(&app, &token).await, pair("America/Lima", "operator"));
    assert_eq!(app.call("PATCH", "/api/v1/account", Some(&token), Some(json!({"locale": "ja"}))).await.status, 204);
    assert_eq!(zone_of(&app, &token).await, pair("America/Lima", "operator"), "the operator's default outranks the language");
    assert_eq!(app.call("PATCH", "/api/v1/account", Some(&token), Some(json!({"time_zone": "Asia/Tokyo"}))).await.status, 204);
    assert_eq!(zone_of(&app, &token).await, pair("Asia/Tokyo", "account"));
    app.shutdown().await;
}

/// `ninsho serve` with a setting it cannot use stops at once, saying which one.
async fn serve_refuses(env: &[(&str, &str)], says: &str) {
    let data = TempDir::new().unwrap();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"));
    cmd.args(["serve", "--listen", "127.0.0.1:0"]).env("NINSHO_DATA_DIR", &data.path).kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(std::time::Duration::from_secs(30), cmd.output()).await.expect("serve stops by itself").unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{env:?} was accepted");
    assert!(stderr.contains(says), "{env:?}: {stderr}");
}

#[tokio::test]
async fn f_dev_1_an_unknown_default_zone_or_an_unreadable_geoip_file_stops_the_start() {
    serve_refuses(&[("NINSHO_DEFAULT_TIME_ZONE", "Mars/Olympus_Mons")], "NINSHO_DEFAULT_TIME_ZONE").await;
    let dir = TempDir::new().unwrap();
    let garbage = dir.path.join("garbage.mmdb");
    std::fs::write(&garbage, b"not a MaxMind DB file at all").unwrap();
    for path in [dir.path.join("missing.mmdb"), garbage] {
        serve_refuses(&[("NINSHO_GEOIP_DB", path.to_str().unwrap())], "geoip_db").await;
    }
}

/// The wall time of now (or a minute either side) at UTC+9, as pages write it.
pub fn jst_now() -> Vec<String> {
    let now = jiff::Timestamp::now();
    [-60, 0, 60]
        .iter()
        .map(|s| now.checked_add(jiff::SignedDuration::from_secs(*s)).unwrap().to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(9))).strftime("%Y-%m-%d %H:%M JST").to_string())
        .collect()
}

#[tokio::test]
async fn f_dev_1_pages_show_times_in_the_accounts_zone_and_the_zone_is_set_on_the_account_page() {
    let app = web_app().await;
    let mut c = page_client(&app, Locale::Ja);
    let email = unique_email();
    page_sign_up(&app, &mut c, &email, Locale::Ja).await;

    // ja follows Asia/Tokyo: every page with times says so, and its times are JST.
    for path in ["/account/devices", "/account/history", "/account/messages"] {
        let p = c.get(path).await;
        check_page(Locale::Ja, &p, path);
        assert!(p.text_of("times-in").is_some_and(|t| t.contains("Asia/Tokyo")), "{path}: {}", p.html);
        assert!(jst_now().iter().any(|t| p.html.contains(t)), "{path}: no time of now in JST ({:?}) in {}", jst_now(), p.text());
        assert!(!p.html.contains(" UTC"), "{path}");
    }

    // The account page offers the zones, "automatic" (naming the zone it means) first.
    let account = c.get("/account").await;
    assert!(account.html.contains("<option value=\"\" selected>自動(Asia/Tokyo)</option>"), "{}", account.html);
    assert!(account.html.contains("<option value=\"Europe/Paris\">"));
    let saved = c.post("/account/time-zone", &account, &[("time_zone", "Europe/Paris")]).await;
    assert_eq!(saved.path, "/account?notice=time-zone-saved");
    assert!(saved.html.contains("<option value=\"Europe/Paris\" selected>"), "{}", saved.html);
    let devices = c.get("/account/devices").await;
    assert!(devices.text_of("times-in").is_some_and(|t| t.contains("Europe/Paris")));
    assert!(devices.html.contains(" CET") || devices.html.contains(" CEST"), "{}", devices.text());
    assert!(!jst_now().iter().any(|t| devices.html.contains(t)));

    // A name that is no zone: the page again, the message next to the list, nothing saved.
    let refused = c.post("/account/time-zone", &saved, &[("time_zone", "Mars/Olympus_Mons")]).await;
    assert_eq!(refused.status, 422);
    assert_eq!(refused.text_of("time_zone-error").as_deref(), Some("一覧からタイムゾーンを選んでください。"), "{}", refused.html);
    assert!(refused.html.contains("aria-describedby=\"time_zone-error\""));
    assert!(refused.html.contains("<option value=\"Europe/Paris\" selected>"));

    // "Automatic" again: back to the language's zone.
    let back = c.post("/account/time-zone", &refused, &[("time_zone", "")]).await;
    assert_eq!(back.path, "/account?notice=time-zone-saved");
    let history = c.get("/account/history").await;
    assert!(history.text_of("times-in").is_some_and(|t| t.contains("Asia/Tokyo")));
    app.shutdown().await;
}

#[tokio::test]
async fn f_dev_1_devices_are_named_from_the_user_agent_in_the_api_and_on_pages() {
    let app = web_app().await;
    let mut c = page_client(&app, Locale::En);
    c.user_agent = SAFARI_IPHONE.into();
    let email = unique_email();
    page_sign_up(&app, &mut c, &email, Locale::En).await;
    let api = sign_in(&app, &browser(CHROME_WINDOWS), &email, json!({})).await;
    let token = api.body["session_token"].as_str().unwrap().to_string();

    let sessions = app.call("GET", "/api/v1/sessions", Some(&token), None).await;
    let named: Vec<(&str, &str)> = sessions.body["sessions"].as_array().unwrap().iter().map(|s| (s["browser"].as_str().unwrap(), s["os"].as_str().unwrap())).collect();
    assert!(named.contains(&("Chrome", "Windows")) && named.contains(&("Safari", "iPhone")), "{named:?}");
    let history = app.call("GET", "/api/v1/history", Some(&token), None).await;
    let sign_in_entry = history.body["history"].as_array().unwrap().iter().find(|e| e["kind"] == "sign_in" && e["user_agent"] == CHROME_WINDOWS).unwrap().clone();
    assert_eq!((sign_in_entry["browser"].as_str(), sign_in_entry["os"].as_str()), (Some("Chrome"), Some("Windows")));

    let devices = c.get("/account/devices").await;
    let sessions = list_text(&devices, "sessions");
    assert!(sessions.contains("Chrome on Windows") && sessions.contains("Safari on iPhone"), "{sessions}");
    // The raw string is for logs, not for people.
    assert!(!devices.html.contains("Win64") && !devices.html.contains("AppleWebKit"), "{}", devices.html);
    assert!(list_text(&c.get("/account/history").await, "history").contains("Chrome on Windows"));

    c.cookies.insert("ninsho-lang".into(), "ja".into());
    let ja = c.get("/account/devices").await;
    check_page(Locale::Ja, &ja, "/account/devices");
    let sessions = list_text(&ja, "sessions");
    assert!(sessions.contains("Windows の Chrome") && sessions.contains("iPhone の Safari"), "{sessions}");
    app.shutdown().await;
}

/// A client at `ip` (the server trusts `X-Forwarded-For` in these tests).
fn from(ip: &str, ua: &str) -> reqwest::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("x-forwarded-for", ip.parse().unwrap());
    reqwest::Client::builder().user_agent(ua).default_headers(h).build().unwrap()
}

/// A City database: Tokyo (names in four languages), a France known only as a country
/// (no Chinese name), Osaka over IPv6, and a "place" for loopback that must never show.
fn tiny_geoip(dir: &TempDir) -> Option<PathBuf> {
    let Some(python) = geoip::writer() else {
        assert!(!geoip::required(), "NINSHO_TEST_MMDB=1 but NINSHO_MMDB_PYTHON names no Python with mmdb_writer");
        println!("skipped: no mmdb_writer (set NINSHO_MMDB_PYTHON to a Python with `pip install mmdb-writer`)");
        return None;
    };
    let japan = json!({"iso_code": "JP", "names": {"en": "Japan", "ja": "日本", "zh-CN": "日本", "fr": "Japon"}});
    let path = dir.path.join("city.mmdb");
    geoip::write_city_db(
        &python,
        &path,
        &[
            ("203.0.113.0/24", json!({"city": {"names": {"en": "Tokyo", "ja": "東京", "zh-CN": "东京", "fr": "Tokyo"}}, "country": japan})),
            ("198.51.100.0/24", json!({"country": {"iso_code": "FR", "names": {"en": "France", "ja": "フランス", "fr": "France"}}})),
            ("2001:db8::/32", json!({"city": {"names": {"en": "Osaka", "ja": "大阪"}}, "country": japan})),
            ("127.0.0.0/8", json!({"city": {"names": {"en": "Loopbackville"}}})),
        ],
    )
    .unwrap();
    Some(path)
}

fn place_by_ip(sessions: &Value, ip: &str) -> Option<Value> {
    let s = sessions["sessions"].as_array().unwrap().iter().find(|s| s["ip"] == ip).unwrap_or_else(|| panic!("no session from {ip} in {sessions}"));
    s.get("place").cloned()
}

#[tokio::test]
async fn f_dev_1_places_come_from_the_operators_geoip_database_in_the_accounts_language() {
    let dir = TempDir::new().unwrap();
    let Some(db) = tiny_geoip(&dir) else { return };
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.policy.public_url = "http://127.0.0.1".into();
        c.trust_forwarded = true;
        c.geoip_db = Some(db);
    })
    .await;
    let mut c = page_client(&app, Locale::Ja);
    let email = unique_email();
    page_sign_up(&app, &mut c, &email, Locale::Ja).await;
    let mut token = String::new();
    for ip in ["203.0.113.7", "198.51.100.9", "192.0.2.1", "2001:db8::5"] {
        let r = sign_in(&app, &from(ip, CHROME_WINDOWS), &email, json!({})).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        token = r.body["session_token"].as_str().unwrap().to_string();
    }

    // The account is in Japanese: names in Japanese where the database has them.
    let s = app.call("GET", "/api/v1/sessions", Some(&token), None).await.body;
    assert_eq!(place_by_ip(&s, "203.0.113.7"), Some(json!({"city": "東京", "country": "日本", "country_code": "JP"})));
    assert_eq!(place_by_ip(&s, "198.51.100.9"), Some(json!({"country": "フランス", "country_code": "FR"})));
    assert_eq!(place_by_ip(&s, "2001:db8::5"), Some(json!({"city": "大阪", "country": "日本", "country_code": "JP"})));
    // Not in the database, or loopback (whatever the database says of it): no place at all.
    assert_eq!(place_by_ip(&s, "192.0.2.1"), None);
    assert_eq!(place_by_ip(&s, "127.0.0.1"), None);
    assert!(!s.to_string().contains("\"place\":null") && !s.to_string().contains("Loopbackville"), "{s}");
    let h = app.call("GET", "/api/v1/history", Some(&token), None).await.body;
    assert!(h["history"].as_array().unwrap().iter().any(|e| e["ip"] == "203.0.113.7" && e["place"]["city"] == "東京"), "{h}");

    // Chinese: the database has no Chinese name for France, so English.
    assert_eq!(app.call("PATCH", "/api/v1/account", Some(&token), Some(json!({"locale": "zh"}))).await.status, 204);
    let s = app.call("GET", "/api/v1/sessions", Some(&token), None).await.body;
    assert_eq!(place_by_ip(&s, "198.51.100.9"), Some(json!({"country": "France", "country_code": "FR"})));
    assert_eq!(place_by_ip(&s, "203.0.113.7").unwrap()["city"], "东京");

    // Pages name places in the page's language, and only where there is one.
    let ja = c.get("/account/devices").await;
    check_page(Locale::Ja, &ja, "/account/devices");
    let text = list_text(&ja, "sessions");
    assert!(text.contains("日本 東京") && text.contains("フランス") && text.contains("日本 大阪"), "{text}");
    assert_eq!(ja.html.matches("class=\"place\"").count(), 3, "{}", ja.html);
    assert!(!ja.html.contains("Loopbackville") && !ja.html.contains("null"));
    c.cookies.insert("ninsho-lang".into(), "en".into());
    let en = c.get("/account/devices").await;
    assert!(list_text(&en, "sessions").contains("Tokyo, Japan"));
    assert!(list_text(&c.get("/account/history").await, "history").contains("Tokyo, Japan"));
    app.shutdown().await;
}

#[tokio::test]
async fn f_dev_1_without_a_geoip_database_the_place_is_left_out_not_null() {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.policy.public_url = "http://127.0.0.1".into();
        c.trust_forwarded = true;
    })
    .await;
    let mut c = page_client(&app, Locale::En);
    let email = unique_email();
    page_sign_up(&app, &mut c, &email, Locale::En).await;
    let token = sign_in(&app, &from("203.0.113.7", CHROME_WINDOWS), &email, json!({})).await.body["session_token"].as_str().unwrap().to_string();
    let s = app.call("GET", "/api/v1/sessions", Some(&token), None).await.body;
    assert!(s["sessions"].as_array().unwrap().iter().any(|x| x["ip"] == "203.0.113.7"), "{s}");
    assert!(s["sessions"].as_array().unwrap().iter().all(|x| x.get("place").is_none()), "{s}");
    let h = app.call("GET", "/api/v1/history", Some(&token), None).await.body;
    assert!(h["history"].as_array().unwrap().iter().all(|x| x.get("place").is_none()), "{h}");
    let page = c.get("/account/devices").await;
    assert!(list_text(&page, "sessions").contains("203.0.113.7"));
    assert!(!page.html.contains("class=\"place\"") && !page.html.contains("null"), "{}", page.html);
    app.shutdown().await;
}
