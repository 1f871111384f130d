//! F-DLV-1…4: the shop registers shipments, the operator's rules decide which need a
//! code, the shopper gets it (SMS, and on their deliveries page), the carrier checks
//! it at the door; wrong tries are limited even in a burst; a delivery code and any
//! other code never answer for each other.

use super::*;
use ninsho_domain::ports::{AttemptOutcome, Attempted, CodeAttempt, DeliveryKey, FakeClock, Store, Write};
use ninsho_domain::ports::Clock;
use ninsho_domain::types::{AccountId, ChallengeId, DeliveryId, MessageId, Scope, UnixMillis};
use secrecy::ExposeSecret;

const PHONE: &str = "+819012345678";
const DELIVERIES: &str = "/api/v1/service/deliveries";

async fn client(app: &TestApp, scopes: &[Scope]) -> String {
    let name = format!("svc-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (_, secret) = app.running.services.add_service_client(&name, scopes, 100_000).await.unwrap();
    secret.expose_secret().to_string()
}

async fn sub_of(app: &TestApp, token: &str) -> String {
    let reader = client(app, &[Scope::SessionsRead]).await;
    let r = app.call("POST", "/api/v1/service/sessions/introspect", Some(&reader), Some(json!({"token": token}))).await;
    r.body["sub"].as_str().unwrap().to_string()
}

fn tracking() -> String {
    format!("JP{}", &uuid::Uuid::new_v4().simple().to_string()[..12].to_uppercase())
}

fn shipment(sub: &str, amount: &str, categories: &[&str], date: &str) -> Value {
    json!({
        "order_id": format!("order-{}", uuid::Uuid::new_v4().simple()),
        "sub": sub, "amount": amount, "currency": "JPY", "categories": categories,
        "destination": {"country": "JP", "time_zone": "Asia/Tokyo"},
        "carrier": "yamato", "tracking_id": tracking(), "delivery_date": date,
    })
}

/// Tomorrow in Tokyo, as a shop would send it.
fn tomorrow() -> String {
    let tz = jiff::tz::TimeZone::get("Asia/Tokyo").unwrap();
    tz.to_datetime(jiff::Timestamp::now()).date().tomorrow().unwrap().to_string()
}

#[tokio::test]
async fn f_dlv_1_the_rules_decide_which_shipments_need_a_code_and_an_order_is_registered_once() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        assert_eq!(app.call("PATCH", "/api/v1/account", Some(&acct.token), Some(json!({"locale": "ja"}))).await.status, 204);
        let sub = sub_of(&app, &acct.token).await;
        let shop = client(&app, &[Scope::DeliveriesWrite]).await;
        let day = tomorrow();

        let before = app.inbox_count(PHONE).await;
        let body = shipment(&sub, "150000", &["general"], &day);
        let r = app.call("POST", DELIVERIES, Some(&shop), Some(body.clone())).await;
        assert_eq!(r.status, 201, "{b:?}: {:?}", r.body);
        assert_eq!((r.body["code_required"].as_bool(), &r.body["rules"]), (Some(true), &json!(["amount"])), "{:?}", r.body);
        assert_eq!(r.body["sent"]["channel"], "sms");
        let sms = app.code_message_after(PHONE, before).await;
        assert!(sms.contains("配送用ワンタイムパスワード") && sms.contains("配達員にのみ"), "in the account's language, told only to the courier: {sms}");
        // The same order again is the same delivery, and sends nothing more.
        let again = app.call("POST", DELIVERIES, Some(&shop), Some(body.clone())).await;
        assert_eq!((again.status, &again.body["id"]), (200, &r.body["id"]), "{:?}", again.body);
        let mut changed = body.clone();
        changed["amount"] = json!("1");
        let c = app.call("POST", DELIVERIES, Some(&shop), Some(changed)).await;
        assert_eq!((c.status, c.body["code"].as_str()), (409, Some("delivery.order_changed")), "{:?}", c.body);

        // Which rules fire.
        type Case<'a> = (&'a str, &'a [&'a str], Option<i64>, bool, Value);
        let cases: [Case; 4] = [
            ("5000", &["electronics_high_end", "general"], None, true, json!(["category"])),
            ("5000", &["general"], Some(3), true, json!(["address_changed"])),
            ("5000", &["general"], Some(90), false, json!([])),
            ("250000", &["books", "letter_post"], None, false, json!(["amount", "exempt"])),
        ];
        for (amount, cats, changed_days, required, rules) in cases {
            let mut s = shipment(&sub, amount, cats, &day);
            if let Some(d) = changed_days {
                s["address_changed_days_ago"] = json!(d);
            }
            let r = app.call("POST", DELIVERIES, Some(&shop), Some(s)).await;
            assert_eq!(r.status, 201, "{:?}", r.body);
            assert_eq!((r.body["code_required"].as_bool(), &r.body["rules"]), (Some(required), &rules), "{amount} {cats:?}: {:?}", r.body);
            if !required {
                assert!(r.body["sent"].is_null() && r.body["valid_until"].is_null(), "{:?}", r.body);
            }
        }

        // Bad input names its field; nothing is registered.
        let bad: [(&str, Value, &str, &str); 6] = [
            ("categories", json!(["spaceships"]), "delivery.category_unknown", "categories"),
            ("amount", json!("-5"), "delivery.amount_invalid", "amount"),
            ("currency", json!("XYZ"), "delivery.currency_invalid", "currency"),
            ("destination", json!({"country": "JP", "time_zone": "Mars/Olympus"}), "delivery.time_zone_invalid", "destination.time_zone"),
            ("destination", json!({"country": "japan", "time_zone": "Asia/Tokyo"}), "delivery.country_invalid", "destination.country"),
            ("delivery_date", json!("2020-01-01"), "delivery.date_past", "delivery_date"),
        ];
        for (key, value, code, field) in bad {
            let mut s = shipment(&sub, "150000", &["general"], &day);
            s[key] = value;
            let r = app.call("POST", DELIVERIES, Some(&shop), Some(s)).await;
            assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str()), (422, Some(code), Some(field)), "{key}: {:?}", r.body);
        }
        // A carrier may check codes, not register shipments; a shopper's token is no client.
        let carrier = client(&app, &[Scope::DeliveriesVerify]).await;
        let r = app.call("POST", DELIVERIES, Some(&carrier), Some(shipment(&sub, "1", &["general"], &day))).await;
        assert_eq!((r.status, r.body["code"].as_str()), (403, Some("client.scope_missing")));
        assert_eq!(app.call("POST", DELIVERIES, Some(&acct.token), Some(shipment(&sub, "1", &["general"], &day))).await.status, 401);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn f_dlv_3_the_code_at_the_door_hands_over_once_and_wrong_tries_hold_the_delivery_even_in_a_burst() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let sub = sub_of(&app, &acct.token).await;
        let shop = client(&app, &[Scope::DeliveriesWrite]).await;
        let carrier = client(&app, &[Scope::DeliveriesVerify]).await;
        let day = tomorrow();

        let before = app.inbox_count(PHONE).await;
        let body = shipment(&sub, "150000", &["general"], &day);
        let r = app.call("POST", DELIVERIES, Some(&shop), Some(body.clone())).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        let t = body["tracking_id"].as_str().unwrap().to_string();
        let first = code_in(&app.code_message_after(PHONE, before).await);
        // The shop sends it again: only the latest code counts.
        let before = app.inbox_count(PHONE).await;
        let resent = app.call("POST", &format!("{DELIVERIES}/{t}/resend"), Some(&shop), None).await;
        assert_eq!(resent.status, 200, "{:?}", resent.body);
        let code = code_in(&app.code_message_after(PHONE, before).await);
        // The shopper sees it on their deliveries.
        let mine = app.call("GET", "/api/v1/deliveries", Some(&acct.token), None).await;
        let listed = mine.body["deliveries"].as_array().unwrap().iter().find(|d| d["tracking_id"] == t.as_str()).cloned().unwrap();
        assert_eq!(listed["code"], code.as_str(), "{listed:?}");

        let door = |code: &str| json!({"code": code, "courier_id": "courier-17"});
        if first != code {
            let old = app.call("POST", &format!("{DELIVERIES}/{t}/handover"), Some(&carrier), Some(door(&first))).await;
            assert_eq!((old.status, old.body["code"].as_str()), (422, Some("code.invalid")), "the earlier code stopped working: {:?}", old.body);
        }
        let mails = app.inbox_count(&acct.email).await;
        let ok = app.call("POST", &format!("{DELIVERIES}/{t}/handover"), Some(&carrier), Some(door(&code))).await;
        assert_eq!((ok.status, ok.body["status"].as_str()), (200, Some("handed_over")), "{b:?}: {:?}", ok.body);
        let twice = app.call("POST", &format!("{DELIVERIES}/{t}/handover"), Some(&carrier), Some(door(&code))).await;
        assert_eq!((twice.status, twice.body["code"].as_str()), (409, Some("delivery.already_handed_over")), "{:?}", twice.body);
        let notice = app.inbox_latest(&acct.email, mails).await;
        assert!(notice.contains("handed over") || notice.contains("お渡し"), "the shopper is told: {notice}");
        let status = app.call("GET", &format!("{DELIVERIES}/{t}"), Some(&shop), None).await;
        assert_eq!((status.body["status"].as_str(), status.body["courier_id"].as_str()), (Some("handed_over"), Some("courier-17")), "{:?}", status.body);
        assert!(status.body["handed_over_at"].as_i64().is_some());
        let mine = app.call("GET", "/api/v1/deliveries", Some(&acct.token), None).await;
        let listed = mine.body["deliveries"].as_array().unwrap().iter().find(|d| d["tracking_id"] == t.as_str()).cloned().unwrap();
        assert!(listed["code"].is_null(), "a used code is no longer shown: {listed:?}");

        // Another parcel: a burst of wrong codes spends exactly the allowed tries.
        let before = app.inbox_count(PHONE).await;
        let body = shipment(&sub, "150000", &["general"], &day);
        assert_eq!(app.call("POST", DELIVERIES, Some(&shop), Some(body.clone())).await.status, 201);
        let t = body["tracking_id"].as_str().unwrap().to_string();
        let code = code_in(&app.code_message_after(PHONE, before).await);
        let wrong = if code == "111111" { "222222" } else { "111111" };
        let gate = std::sync::Arc::new(tokio::sync::Barrier::new(100));
        let mut tries = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let (http, url, auth, path, gate) = (app.http.clone(), app.url.clone(), carrier.clone(), format!("{DELIVERIES}/{t}/handover"), gate.clone());
            tries.spawn(async move {
                gate.wait().await;
                let r = call(&http, &url, "POST", &path, Some(&auth), Some(json!({"code": wrong, "courier_id": "c1"}))).await;
                (r.status, r.body["code"].as_str().unwrap_or("").to_string())
            });
        }
        let answers = tries.join_all().await;
        let invalid = answers.iter().filter(|(s, c)| *s == 422 && c == "code.invalid").count();
        let held = answers.iter().filter(|(s, c)| *s == 409 && c == "delivery.held").count();
        assert_eq!((invalid, held, invalid + held), (4, 96, 100), "{b:?}: four wrong, then held: {answers:?}");
        let right = app.call("POST", &format!("{DELIVERIES}/{t}/handover"), Some(&carrier), Some(door(&code))).await;
        assert_eq!((right.status, right.body["code"].as_str()), (409, Some("delivery.held")), "{:?}", right.body);
        let status = app.call("GET", &format!("{DELIVERIES}/{t}"), Some(&shop), None).await;
        assert_eq!(status.body["status"], "held");
        let other_shop = client(&app, &[Scope::DeliveriesWrite]).await;
        assert_eq!(app.call("GET", &format!("{DELIVERIES}/{t}"), Some(&other_shop), None).await.status, 404, "another shop's parcel");
    }
}

/// A shopper with two-step verification on, a shop and a carrier, and one parcel that
/// needs a code: its tracking id and the SMS that carried the code.
struct CodedParcel {
    acct: TwoSvAccount,
    shop: String,
    carrier: String,
    tracking: String,
    sms: String,
}

async fn coded_parcel(app: &TestApp) -> CodedParcel {
    let acct = two_sv_account(app).await;
    let sub = sub_of(app, &acct.token).await;
    let shop = client(app, &[Scope::DeliveriesWrite]).await;
    let carrier = client(app, &[Scope::DeliveriesVerify]).await;
    let before = app.inbox_count(PHONE).await;
    let body = shipment(&sub, "150000", &["general"], &tomorrow());
    assert_eq!(app.call("POST", DELIVERIES, Some(&shop), Some(body.clone())).await.status, 201);
    let tracking = body["tracking_id"].as_str().unwrap().to_string();
    let sms = app.code_message_after(PHONE, before).await;
    CodedParcel { acct, shop, carrier, tracking, sms }
}

#[tokio::test]
async fn f_dlv_4_a_delivery_code_and_any_other_code_never_answer_for_each_other() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let CodedParcel { acct, carrier, tracking: t, sms, .. } = coded_parcel(&app).await;
        let code = code_in(&sms);
        let store = &app.running.services.store;
        let d = store.delivery(DeliveryKey::Tracking(&t)).await.unwrap().unwrap();
        // A delivery code is kept on its delivery, not on a challenge: the delivery's id
        // named as a challenge, with its right code, through the code API: refused,
        // uncounted, and the parcel still waits.
        assert!(d.code.is_some());
        let dch = ChallengeId(d.id.0);
        assert!(store.challenge(dch).await.unwrap().is_none(), "no challenge has a delivery's id");
        let v = app.call("POST", &format!("/api/v1/challenges/{dch}/verify"), None, Some(json!({"code": code}))).await;
        assert_ne!(v.status, 200, "{:?}", v.body);
        assert!(v.body.get("session_token").is_none());

        // A sign-in challenge whose code has the same digits as the delivery code.
        let s = sign_in(&app, &browser(UA_B), &acct.email, json!({})).await;
        assert_eq!(s.body["status"], "code_required", "{:?}", s.body);
        let cid = ChallengeId::parse(s.body["challenge_id"].as_str().unwrap()).unwrap();
        let now = app.running.services.now();
        let same = ninsho_domain::otp::sent_code::hash(&app.running.services.keys, cid, &code);
        let factor = ninsho_domain::types::FactorId::parse(&acct.phone_id).unwrap();
        store.commit(vec![Write::SetChallengeCode { challenge: cid, factor: Some(factor), code_hash: same, code_expires_at: UnixMillis(now.0 + 600_000), message: MessageId::new(), now }]).await.unwrap();
        // The same digits as the delivery's: a sign-in code is no delivery code (and the
        // delivery's hash is of another key, so no stored sign-in hash can match it).
        let sign_in_digits = ninsho_domain::otp::sent_code::hash(&app.running.services.keys, dch, &code);
        assert_ne!(sign_in_digits, app.running.services.keys.hash_delivery_code(dch.0.as_bytes(), &code), "the namespaces hash apart");
        assert_eq!(d.code.as_ref().map(|c| c.hash.clone()), Some(app.running.services.keys.hash_delivery_code(d.id.0.as_bytes(), &code)), "the stored hash is the delivery namespace's");
        // The sign-in takes its code; the parcel is untouched by it.
        let ok = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), None, Some(json!({"code": code}))).await;
        assert_eq!(ok.status, 200, "{:?}", ok.body);
        let still = app.call("GET", &format!("{DELIVERIES}/{t}"), Some(&carrier), None).await;
        assert_eq!(still.body["status"], "pending", "{:?}", still.body);

        // A sign-in code at the door: refused (counted as a wrong try).
        let before = app.inbox_count(PHONE).await;
        let s = sign_in(&app, &browser(UA_A), &acct.email, json!({})).await;
        assert_eq!(s.body["status"], "code_required", "{:?}", s.body);
        let sign_in_code = app.code_after(PHONE, before).await;
        if sign_in_code != code {
            let r = app.call("POST", &format!("{DELIVERIES}/{t}/handover"), Some(&carrier), Some(json!({"code": sign_in_code, "courier_id": "c1"}))).await;
            assert_eq!((r.status, r.body["code"].as_str()), (422, Some("code.invalid")), "{:?}", r.body);
        }
        // A step-up is no door either: the delivery code does not confirm one.
        let step = app.call("POST", "/api/v1/step-up", Some(&acct.token), Some(json!({}))).await;
        assert_eq!(step.body["status"], "code_required", "{:?}", step.body);
        let sid = step.body["challenge_id"].as_str().unwrap();
        let r = app.call("POST", &format!("/api/v1/challenges/{sid}/verify"), Some(&acct.token), Some(json!({"code": code}))).await;
        // (Unless the step-up's own code happens to be the same six digits.)
        let step_code = app.code_after(PHONE, before + 1).await;
        if step_code != code {
            assert_ne!(r.status, 200, "{:?}", r.body);
        }
        // And the delivery code still opens the door.
        let door = app.call("POST", &format!("{DELIVERIES}/{t}/handover"), Some(&carrier), Some(json!({"code": code, "courier_id": "c1"}))).await;
        assert_eq!(door.status, 200, "{b:?}: {:?}", door.body);
    }
}

#[tokio::test]
async fn f_dlv_2_the_deny_link_of_a_delivery_code_holds_the_parcel_and_the_checker_names_the_delivery() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let CodedParcel { acct, shop, carrier, tracking: t, sms } = coded_parcel(&app).await;
        let code = code_in(&sms);
        let check = || app.call("POST", "/api/v1/messages/check", Some(&acct.token), Some(json!({"channel": "sms", "sender": "+81 50-5370-4545", "text": sms})));

        // The checker ties the real message to its delivery, open, with its deny link.
        let c = check().await;
        assert_eq!(c.body["verdict"], "genuine", "{b:?}: {:?}", c.body);
        assert_eq!((c.body["request"]["purpose"].as_str(), c.body["request"]["state"].as_str()), (Some("delivery"), Some("open")), "{b:?}: {:?}", c.body);
        assert!(c.body["request"]["deny_url"].as_str().is_some_and(|u| u.contains("/deny/")), "{b:?}: {:?}", c.body);

        // "I did not order this": the parcel is held, the right code no longer opens
        // the door, and the link works once.
        let token = sms.split_whitespace().find(|w| w.contains("/deny/")).unwrap().rsplit('/').next().unwrap().to_string();
        let denied = app.call("POST", "/api/v1/deny", None, Some(json!({"token": token}))).await;
        assert_eq!(denied.body["status"], "denied", "{b:?}: {:?}", denied.body);
        assert_eq!(app.call("GET", &format!("{DELIVERIES}/{t}"), Some(&shop), None).await.body["status"], "held", "{b:?}");
        let door = app.call("POST", &format!("{DELIVERIES}/{t}/handover"), Some(&carrier), Some(json!({"code": code, "courier_id": "c1"}))).await;
        assert_eq!((door.status, door.body["code"].as_str()), (409, Some("delivery.held")), "{b:?}: {:?}", door.body);
        let again = app.call("POST", "/api/v1/deny", None, Some(json!({"token": token}))).await;
        assert_eq!(again.body["code"], "deny.already_used", "{b:?}: {:?}", again.body);
        let c = check().await;
        assert_eq!(c.body["request"]["state"], "cancelled", "{b:?}: {:?}", c.body);
        let h = app.call("GET", "/api/v1/history", Some(&acct.token), None).await;
        let kinds: Vec<&str> = h.body["history"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
        assert!(kinds.contains(&"denied") && kinds.contains(&"delivery_held"), "{b:?}: {kinds:?}");
        // A shop's resend cannot reopen a denied code.
        let resend = app.call("POST", &format!("{DELIVERIES}/{t}/resend"), Some(&shop), None).await;
        assert_eq!(resend.body["code"], "delivery.closed", "{b:?}: {:?}", resend.body);
        app.shutdown().await;
    }
}

/// The courier at the door and the shopper's "I did not order this" at the same
/// moment, 50 of each at once, twice per backend: the parcel is handed over or held,
/// never both, the deny is recorded once and the shopper warned once.
#[tokio::test]
async fn f_dlv_2_a_burst_of_deny_links_and_right_codes_ends_in_one_outcome() {
    for b in backends().await {
        let app = spawn_app(b).await;
        for round in 0..2 {
            let CodedParcel { acct, shop, carrier, tracking: t, sms } = coded_parcel(&app).await;
            let code = code_in(&sms);
            let token = sms.split_whitespace().find(|w| w.contains("/deny/")).unwrap().rsplit('/').next().unwrap().to_string();
            let mails = app.inbox_count(&acct.email).await;
            let gate = std::sync::Arc::new(tokio::sync::Barrier::new(100));
            let mut calls = tokio::task::JoinSet::new();
            for i in 0..100 {
                let (http, url, gate) = (app.http.clone(), app.url.clone(), gate.clone());
                let (door, auth, path, body) = if i % 2 == 0 {
                    (true, Some(carrier.clone()), format!("{DELIVERIES}/{t}/handover"), json!({"code": code, "courier_id": "c1"}))
                } else {
                    (false, None, "/api/v1/deny".to_string(), json!({"token": token}))
                };
                calls.spawn(async move {
                    gate.wait().await;
                    let r = call(&http, &url, "POST", &path, auth.as_deref(), Some(body)).await;
                    (door, r.status, r.body["status"].as_str().or(r.body["code"].as_str()).unwrap_or("").to_string())
                });
            }
            let answers = calls.join_all().await;
            let count = |door: bool, status: u16, what: &str| answers.iter().filter(|(d, s, w)| *d == door && *s == status && w == what).count();
            let handed = count(true, 200, "handed_over");
            let (denied, denied_after_use) = (count(false, 200, "denied"), count(false, 200, "already_used"));
            let expected = if handed == 1 {
                [(true, 409, "delivery.already_handed_over", 49), (false, 200, "already_used", 1), (false, 409, "deny.already_used", 49)]
            } else {
                [(true, 409, "delivery.held", 50), (false, 200, "denied", 1), (false, 409, "deny.already_used", 49)]
            };
            for (door, status, what, n) in expected {
                assert_eq!(count(door, status, what), n, "{b:?} round {round}: {what}: {answers:?}");
            }
            assert_eq!(handed + denied, 1, "{b:?} round {round}: handed over or held, never both: {answers:?}");
            assert_eq!(denied + denied_after_use, 1, "{b:?} round {round}: one deny recorded: {answers:?}");
            let status = app.call("GET", &format!("{DELIVERIES}/{t}"), Some(&shop), None).await;
            assert_eq!(status.body["status"], if handed == 1 { "handed_over" } else { "held" }, "{b:?} round {round}");
            let h = app.call("GET", "/api/v1/history", Some(&acct.token), None).await;
            let kinds: Vec<&str> = h.body["history"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
            let n = |k: &str| kinds.iter().filter(|x| **x == k).count();
            assert_eq!((n("denied"), n("denied_after_use"), n("delivery_held")), (denied, denied_after_use, denied), "{b:?} round {round}: {kinds:?}");
            // The warning to change the password, once: wait for it, then for any second one.
            app.inbox_latest(&acct.email, mails).await;
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            let warned = app.inbox_count(&acct.email).await - mails;
            let handed_notice = usize::from(handed == 1);
            assert_eq!(warned, 1 + handed_notice, "{b:?} round {round}: one warning (and the handover notice)");
        }
        app.shutdown().await;
    }
}

/// Rows as the version before migration 0032 wrote them: the code on a 'delivery'
/// challenge that the delivery names, its message naming the challenge.
macro_rules! seed_031 {
    ($pool:expr, $keys:expr, $ids:expr, $now:expr) => {{
        let (account, shop, challenge, message, delivery, tracking) = $ids;
        let until = $now + 86_400_000;
        let q = |sql| sqlx::query(sqlx::AssertSqlSafe(sql));
        q("insert into accounts (id, email, password_hash, locale, created_at, signin_alerts) values ($1, $2, 'x', 'en', $3, true)")
            .bind(account).bind(format!("{}@example.com", account.simple())).bind($now).execute($pool).await.unwrap();
        q("insert into service_clients (id, name, scopes, secret_hash, rate_per_minute, created_at) values ($1, $2, 'deliveries:write', $3, 600, $4)")
            .bind(shop).bind(format!("shop-{}", shop.simple())).bind(shop.as_bytes().to_vec()).bind($now).execute($pool).await.unwrap();
        q("insert into challenges (id, account_id, purpose, code_hash, code_expires_at, created_at, expires_at, attempts, code_message_id) values ($1, $2, 'delivery', $3, $4, $5, $4, 1, $6)")
            .bind(challenge).bind(account).bind($keys.hash_delivery_code(challenge.as_bytes(), "123456")).bind(until).bind($now).bind(message).execute($pool).await.unwrap();
        q("insert into outbox (id, account_id, template, channel, destination, locale, payload, created_at, quota_keys, status, attempts, next_attempt_at, challenge_id) values ($1, $2, 'delivery-code', 'email', 'a@example.com', 'en', $3, $4, '', 'sent', 0, $4, $5)")
            .bind(message).bind(account).bind(vec![0u8]).bind($now).bind(challenge).execute($pool).await.unwrap();
        q("insert into deliveries (id, client_id, order_id, account_id, amount_minor, currency, categories, country, time_zone, carrier, tracking_id, delivery_date, rules, status, challenge_id, code_sealed, created_at) \
            values ($1, $2, $3, $4, 150000, 'JPY', 'general', 'JP', 'Asia/Tokyo', 'yamato', $3, $5, 'amount', 'pending', $6, $7, $8)")
            .bind(delivery).bind(shop).bind(tracking.as_str()).bind(account).bind(tomorrow()).bind(challenge)
            .bind($keys.seal(&ninsho_domain::service::delivery_code_aad(DeliveryId(delivery)), b"123456").unwrap()).bind($now).execute($pool).await.unwrap();
    }};
}

#[tokio::test]
async fn f_dlv_3_a_code_sent_before_codes_moved_onto_deliveries_still_opens_the_door() {
    for b in backends().await {
        let db = fresh_db(b).await.unwrap();
        let keys = ninsho_domain::crypto::KeyRing::from_hex(TEST_MASTER_KEY).unwrap();
        let (account, shop, challenge, message, delivery) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
        let tracking = tracking();
        let ids = (account, shop, challenge, message, delivery, tracking.clone());
        // A second such parcel, for the upgrade's race below.
        let raced = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), self::tracking());
        let now = ninsho_domain::ports::SystemClock.now().0;
        match b {
            Backend::Sqlite => {
                let opts = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(&db.url).unwrap().create_if_missing(true);
                let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
                ninsho_storage::migrate::sqlite_through(&pool, 31).await.unwrap();
                seed_031!(&pool, keys, ids, now);
                seed_031!(&pool, keys, raced.clone(), now);
                pool.close().await;
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
                ninsho_storage::migrate::postgres_through(&pool, 31).await.unwrap();
                seed_031!(&pool, keys, ids, now);
                seed_031!(&pool, keys, raced.clone(), now);
                pool.close().await;
            }
        }
        // The new version starts on that database and migrates it.
        let data = TempDir::new().unwrap();
        let running = ninsho_server::App::start(test_config(&db.url, data.path.clone())).await.unwrap();
        let url = running.url();
        let app = TestApp { running, http: ninsho_testkit::client(), url, db, data };
        let store = &app.running.services.store;
        assert!(store.challenge(ChallengeId(challenge)).await.unwrap().is_none(), "{b:?}: no delivery challenge is left");
        let d = store.delivery(DeliveryKey::Tracking(&tracking)).await.unwrap().unwrap();
        let code = d.code.as_ref().expect("the code moved onto the delivery");
        assert_eq!((code.attempts, code.message.0, code.hashed_with), (1, message, Some(challenge)), "{b:?}");
        let m = store.messages(AccountId(account), 10).await.unwrap();
        assert_eq!(m.iter().map(|m| (m.challenge, m.delivery.map(|d| d.0))).collect::<Vec<_>>(), vec![(None, Some(delivery))], "{b:?}: the message names its delivery");
        // The wrong try made before the upgrade still counts; the code sent then still works.
        let carrier = client(&app, &[Scope::DeliveriesVerify]).await;
        let wrong = app.call("POST", &format!("{DELIVERIES}/{tracking}/handover"), Some(&carrier), Some(json!({"code": "000000", "courier_id": "c1"}))).await;
        assert_eq!(wrong.body["code"], "code.invalid", "{b:?}: {:?}", wrong.body);
        assert!(wrong.body["detail"].as_str().is_some_and(|d| d.contains("3 more tries")), "{b:?}: {:?}", wrong.body);
        let right = app.call("POST", &format!("{DELIVERIES}/{tracking}/handover"), Some(&carrier), Some(json!({"code": "123456", "courier_id": "c1"}))).await;
        assert_eq!((right.status, right.body["status"].as_str()), (200, Some("handed_over")), "{b:?}: {:?}", right.body);
        // The deny link of the message sent then names the challenge: it still finds
        // its delivery (here already handed over, so it is recorded as denied after use).
        let old_link = app.running.services.deny_link(ChallengeId(challenge));
        let token = old_link.rsplit('/').next().unwrap();
        let denied = app.call("POST", "/api/v1/deny", None, Some(json!({"token": token}))).await;
        assert_eq!(denied.body["status"], "already_used", "{b:?}: {:?}", denied.body);

        // The upgrade's race: the door reads a migrated code's delivery, the shop's new
        // code lands (keyed with the delivery's id), then the door checks that new code.
        // It is right, not a wrong try.
        let (_, _, _, raced_message, raced_delivery, raced_tracking) = raced;
        let stale = store.delivery(DeliveryKey::Tracking(&raced_tracking)).await.unwrap().unwrap();
        assert!(stale.code.as_ref().is_some_and(|c| c.hashed_with.is_some()), "{b:?}");
        let resent = Write::SetDeliveryCode {
            delivery: DeliveryId(raced_delivery),
            hash: keys.hash_delivery_code(raced_delivery.as_bytes(), "654321"),
            sealed: keys.seal(&ninsho_domain::service::delivery_code_aad(DeliveryId(raced_delivery)), b"654321").unwrap(),
            message: MessageId(raced_message),
            now: ninsho_domain::ports::SystemClock.now(),
        };
        store.commit(vec![resent]).await.unwrap();
        let check = app.running.services.delivery_code_check(&stale, "654321").unwrap();
        let at_door = CodeAttempt {
            on: Attempted::Delivery { delivery: DeliveryId(raced_delivery), courier: "c1".into() },
            check,
            now: ninsho_domain::ports::SystemClock.now(),
            max_attempts: 5,
            method: None,
            on_wrong: vec![],
        };
        assert_eq!(store.commit_attempt(at_door, vec![]).await.unwrap(), AttemptOutcome::Accepted, "{b:?}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_dlv_3_a_code_ends_at_midnight_where_the_parcel_arrives_and_a_new_date_extends_it() {
    for b in backends().await {
        // 2027-03-10 10:00 in Tokyo.
        let clock = FakeClock::at(UnixMillis(1_804_640_400_000));
        let app = spawn_app_with(b, |c| use_fake_clock(c, clock.clone())).await;
        let acct = two_sv_account(&app).await;
        let sub = sub_of(&app, &acct.token).await;
        let shop = client(&app, &[Scope::DeliveriesWrite]).await;
        let carrier = client(&app, &[Scope::DeliveriesVerify]).await;
        let before = app.inbox_count(PHONE).await;
        let body = shipment(&sub, "150000", &["general"], "2027-03-10");
        let r = app.call("POST", DELIVERIES, Some(&shop), Some(body.clone())).await;
        assert_eq!(r.status, 201, "{:?}", r.body);
        // Midnight in Tokyo is 15:00 UTC.
        assert_eq!(r.body["valid_until"], 1_804_690_800, "{:?}", r.body);
        let t = body["tracking_id"].as_str().unwrap().to_string();
        let code = code_in(&app.code_message_after(PHONE, before).await);

        // One second past midnight in Tokyo: over.
        clock.advance_secs(1_804_690_801 - 1_804_640_400);
        let late = app.call("POST", &format!("{DELIVERIES}/{t}/handover"), Some(&carrier), Some(json!({"code": code, "courier_id": "c1"}))).await;
        assert_eq!((late.status, late.body["code"].as_str()), (409, Some("delivery.code_expired")), "{b:?}: {:?}", late.body);

        // Rescheduled to the next day: the same code works until that day ends.
        let mut moved = body.clone();
        moved["delivery_date"] = json!("2027-03-11");
        let m = app.call("POST", DELIVERIES, Some(&shop), Some(moved)).await;
        assert_eq!((m.status, &m.body["valid_until"]), (200, &json!(1_804_690_800 + 86_400)), "{:?}", m.body);
        let door = app.call("POST", &format!("{DELIVERIES}/{t}/handover"), Some(&carrier), Some(json!({"code": code, "courier_id": "c1"}))).await;
        assert_eq!(door.status, 200, "{b:?}: {:?}", door.body);
    }
}

/// F-DLV-2: the shopper's deliveries page shows the code to tell the courier, until
/// when (in the shopper's time zone), and sends a new one on request.
#[tokio::test]
async fn f_dlv_2_the_deliveries_page_shows_the_code_and_sends_it_again() {
    let app = super::pages::web_app().await;
    let acct = two_sv_account(&app).await;
    assert_eq!(app.call("PATCH", "/api/v1/account", Some(&acct.token), Some(json!({"locale": "ja"}))).await.status, 204);
    let sub = sub_of(&app, &acct.token).await;
    let shop = client(&app, &[Scope::DeliveriesWrite]).await;
    let before = app.inbox_count(PHONE).await;
    let body = shipment(&sub, "150000", &["general"], &tomorrow());
    assert_eq!(app.call("POST", DELIVERIES, Some(&shop), Some(body.clone())).await.status, 201);
    let t = body["tracking_id"].as_str().unwrap().to_string();
    let code = code_in(&app.code_message_after(PHONE, before).await);

    let mut c = super::pages::page_client(&app, ninsho_domain::types::Locale::Ja);
    c.cookies.insert("ninsho-session".into(), acct.token.clone());
    let page = c.get("/account/deliveries").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert_eq!(page.text_of(&format!("code-{t}")).as_deref(), Some(code.as_str()), "{}", page.html);
    assert!(page.text().contains("配達員にのみ") && page.text().contains("有効期限"), "{}", page.text());
    let before = app.inbox_count(PHONE).await;
    let again = c.post("/account/deliveries/resend", &page, &[("id", body_id(&app, &t).await.as_str())]).await;
    assert_eq!(again.status, 200, "{}", again.html);
    let fresh = code_in(&app.code_message_after(PHONE, before).await);
    assert_eq!(again.text_of(&format!("code-{t}")).as_deref(), Some(fresh.as_str()), "the page shows the latest code");
}

async fn body_id(app: &TestApp, tracking: &str) -> String {
    app.running.services.store.delivery(DeliveryKey::Tracking(tracking)).await.unwrap().unwrap().id.to_string()
}

/// F-DLV-3: a courier without an app takes the code at the door on `/courier`: an
/// account the operator created for the carrier, usable only once 2SV is on and the
/// session passed a second factor; the handover is the carrier's, with the courier.
#[tokio::test]
async fn f_dlv_3_a_courier_hands_over_on_the_courier_page_only_with_two_step_on() {
    let app = super::pages::web_app().await;
    let acct = two_sv_account(&app).await;
    let sub = sub_of(&app, &acct.token).await;
    let shop = client(&app, &[Scope::DeliveriesWrite]).await;
    let (_, _) = app.running.services.add_service_client("yamato", &[Scope::DeliveriesVerify], 6000).await.unwrap();
    let before = app.inbox_count(PHONE).await;
    let body = shipment(&sub, "150000", &["general"], &tomorrow());
    assert_eq!(app.call("POST", DELIVERIES, Some(&shop), Some(body.clone())).await.status, 201);
    let t = body["tracking_id"].as_str().unwrap().to_string();
    let code = code_in(&app.code_message_after(PHONE, before).await);

    // The operator creates the courier; a carrier without the scope is refused.
    let email = unique_email();
    let refused = app.running.services.add_courier(&email, "no-such-carrier").await.err().unwrap();
    assert_eq!(refused.code(), "courier.carrier_unknown");
    let added = app.running.services.add_courier(&email, "yamato").await.unwrap();
    let first = added.password.expose_secret().to_string();
    let r = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": first}))).await;
    assert_eq!(r.body["status"], "signed_in", "{:?}", r.body);
    let token = r.body["session_token"].as_str().unwrap().to_string();

    // Without 2SV the door page only points to the setup.
    let mut c = super::pages::page_client(&app, ninsho_domain::types::Locale::En);
    c.cookies.insert("ninsho-session".into(), token.clone());
    let page = c.get("/courier").await;
    assert!(page.html.contains("id=\"courier-setup\"") && !page.html.contains("name=\"code\""), "{}", page.html);

    // 2SV on, then a sign-in with a code: the form.
    step_up_password_as(&app, &token, &first).await;
    let courier_phone = "+818011112222";
    add_phone(&app, &token, "080-1111-2222", courier_phone).await;
    assert_eq!(app.call("POST", "/api/v1/methods/backup-codes", Some(&token), None).await.status, 201);
    let on = app.call("POST", "/api/v1/two-step/enable", Some(&token), None).await;
    assert_eq!(on.status, 200, "{:?}", on.body);
    let texts = app.inbox_count(courier_phone).await;
    let s = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": first}))).await;
    assert_eq!(s.body["status"], "code_required", "{:?}", s.body);
    let sign_in_code = app.code_after(courier_phone, texts).await;
    let v = app.call("POST", &format!("/api/v1/challenges/{}/verify", s.body["challenge_id"].as_str().unwrap()), None, Some(json!({"code": sign_in_code}))).await;
    let strong = v.body["session_token"].as_str().unwrap().to_string();
    c.cookies.insert("ninsho-session".into(), strong);
    let page = c.get("/courier").await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.html.contains("name=\"tracking_id\"") && page.html.contains("name=\"code\""), "{}", page.html);

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let bad = c.post("/courier", &page, &[("tracking_id", &t), ("code", wrong)]).await;
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.text_of("code-error").is_some_and(|e| !e.is_empty()), "the error is next to the code: {}", bad.html);
    let unknown = c.post("/courier", &bad, &[("tracking_id", "NOPE-1"), ("code", &code)]).await;
    assert!(unknown.text_of("tracking_id-error").is_some_and(|e| e.contains("tracking number")), "{}", unknown.html);
    let ok = c.post("/courier", &unknown, &[("tracking_id", &t), ("code", &code)]).await;
    assert_eq!(ok.status, 200, "{}", ok.html);
    assert!(ok.text().contains(&format!("Handed over: {t}")), "{}", ok.text());
    let store = &app.running.services.store;
    let d = store.delivery(DeliveryKey::Tracking(&t)).await.unwrap().unwrap();
    assert_eq!(d.courier_id.as_deref(), Some(format!("courier-{}", added.account.id).as_str()));

    // A shopper is no courier.
    let mut shopper = super::pages::page_client(&app, ninsho_domain::types::Locale::En);
    shopper.cookies.insert("ninsho-session".into(), acct.token.clone());
    assert_eq!(shopper.get("/courier").await.status, 404);
}

/// A step-up with the account's own password (the courier's first one).
async fn step_up_password_as(app: &TestApp, token: &str, password: &str) {
    let r = app.call("POST", "/api/v1/step-up", Some(token), Some(json!({"password": password}))).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    approve_setup(&app.http, &app.url, token).await;
}

/// F-DLV-6: a batch answers each item as the single call would, in order; the new
/// orders commit together, a refused item stops no other, and the same batch again is
/// the same deliveries with nothing sent twice. When a unique id refuses the bulk
/// write, every item is registered on its own and nothing is left half written.
#[tokio::test]
async fn f_dlv_6_a_batch_answers_each_item_and_never_leaves_an_item_half_written() {
    const BATCH: &str = "/api/v1/service/deliveries/batch";
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let sub = sub_of(&app, &acct.token).await;
        let shop = client(&app, &[Scope::DeliveriesWrite]).await;
        let carrier = client(&app, &[Scope::DeliveriesVerify]).await;
        let day = tomorrow();

        let coded = shipment(&sub, "150000", &["general"], &day);
        let mut malformed = shipment(&sub, "150000", &["general"], &day);
        malformed.as_object_mut().unwrap().remove("order_id");
        let items = json!([
            coded,
            shipment(&sub, "5000", &["general"], &day),
            shipment(&sub, "5000", &["spaceships"], &day),
            malformed,
            shipment(&uuid::Uuid::new_v4().to_string(), "150000", &["general"], &day),
            coded,
        ]);
        let before = app.inbox_count(PHONE).await;
        let r = app.call("POST", BATCH, Some(&shop), Some(json!({"shipments": items}))).await;
        assert_eq!(r.status, 200, "{b:?}: {:?}", r.body);
        let res = r.body["results"].as_array().unwrap().clone();
        let outcome = |i: usize| (res[i]["index"].as_u64(), res[i]["outcome"].as_str().unwrap().to_string(), res[i]["code"].as_str().map(str::to_string), res[i]["field"].as_str().map(str::to_string));
        assert_eq!(outcome(0), (Some(0), "issued".into(), None, None), "{:?}", res[0]);
        assert_eq!(res[0]["delivery"]["sent"]["channel"], "sms");
        assert_eq!(outcome(1), (Some(1), "not_required".into(), None, None));
        assert_eq!(outcome(2), (Some(2), "refused".into(), Some("delivery.category_unknown".into()), Some("categories".into())));
        assert_eq!(outcome(3).1, "refused");
        assert_eq!(outcome(3).2.as_deref(), Some("request.invalid_fields"));
        assert_eq!(outcome(4), (Some(4), "refused".into(), Some("account.unknown".into()), Some("sub".into())));
        // The same order twice in one batch: one delivery, one code.
        assert_eq!((outcome(5).1.as_str(), &res[5]["created"], &res[5]["delivery"]["id"]), ("issued", &json!(false), &res[0]["delivery"]["id"]), "{:?}", res[5]);
        assert_eq!((r.body["issued"].as_u64(), r.body["not_required"].as_u64(), r.body["refused"].as_u64()), (Some(2), Some(1), Some(3)));
        let code = code_in(&app.code_message_after(PHONE, before).await);
        assert_eq!(app.inbox_count(PHONE).await, before + 1, "one code for one order");

        // The same batch again: the same deliveries, nothing sent.
        let again = app.call("POST", BATCH, Some(&shop), Some(json!({"shipments": items}))).await;
        assert_eq!((again.body["results"][0]["delivery"]["id"].clone(), again.body["results"][0]["created"].clone()), (res[0]["delivery"]["id"].clone(), json!(false)), "{:?}", again.body);
        assert_eq!(again.body["results"][1]["delivery"]["id"], res[1]["delivery"]["id"]);
        assert_eq!(app.inbox_count(PHONE).await, before + 1);

        // The code of a batch opens the door, once.
        let t = items[0]["tracking_id"].as_str().unwrap();
        let door = app.call("POST", &format!("{DELIVERIES}/{t}/handover"), Some(&carrier), Some(json!({"code": code, "courier_id": "courier-6"}))).await;
        assert_eq!((door.status, door.body["status"].as_str()), (200, Some("handed_over")), "{:?}", door.body);

        // A tracking id already taken refuses the bulk write: each item again on its own;
        // the good one is registered with one code, the other refused, nothing orphaned.
        let good = shipment(&sub, "150000", &["general"], &day);
        let mut taken = shipment(&sub, "150000", &["general"], &day);
        taken["tracking_id"] = json!(t);
        let before = app.inbox_count(PHONE).await;
        let r = app.call("POST", BATCH, Some(&shop), Some(json!({"shipments": [good, taken]}))).await;
        assert_eq!((r.body["results"][0]["outcome"].as_str(), r.body["results"][1]["code"].as_str()), (Some("issued"), Some("delivery.tracking_taken")), "{:?}", r.body);
        app.code_message_after(PHONE, before).await;
        assert_eq!(app.inbox_count(PHONE).await, before + 1, "the code prepared for the refused bulk write was never stored nor sent");
        let mine = app.call("GET", "/api/v1/deliveries", Some(&acct.token), None).await;
        assert_eq!(mine.body["deliveries"].as_array().unwrap().len(), 3, "{:?}", mine.body);

        // The batch's own limits and scope.
        let empty = app.call("POST", BATCH, Some(&shop), Some(json!({"shipments": []}))).await;
        assert_eq!((empty.status, empty.body["code"].as_str(), empty.body["field"].as_str()), (422, Some("delivery.batch_size"), Some("shipments")));
        let many: Vec<Value> = (0..1001).map(|_| json!({})).collect();
        let over = app.call("POST", BATCH, Some(&shop), Some(json!({"shipments": many}))).await;
        assert_eq!((over.status, over.body["code"].as_str()), (422, Some("delivery.batch_size")), "{:?}", over.body);
        let r = app.call("POST", BATCH, Some(&carrier), Some(json!({"shipments": [shipment(&sub, "1", &["general"], &day)]}))).await;
        assert_eq!((r.status, r.body["code"].as_str()), (403, Some("client.scope_missing")));
    }
}

/// F-DLV-6: an import killed with SIGKILL in the middle leaves only whole lines (each
/// delivery with its code, message and event, or nothing of it), and the same file
/// again registers exactly the lines that were missing: every line once, with one code.
#[tokio::test]
async fn f_dlv_6_an_import_killed_mid_way_then_run_again_registers_every_line_exactly_once() {
    for b in backends().await {
        let app = spawn_app(b).await;
        // Three chunks more than are ever in flight: the kill comes long before the last.
        let shape = app.running.db.bulk_shape();
        let lines = shape.chunk * (shape.in_flight + 3);
        let acct = two_sv_account(&app).await;
        let sub = sub_of(&app, &acct.token).await;
        let name = format!("shop-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let (shop, _) = app.running.services.add_service_client(&name, &[Scope::DeliveriesWrite], 100).await.unwrap();
        let data = TempDir::new().unwrap();
        let day = tomorrow();
        let run_id = &uuid::Uuid::new_v4().simple().to_string()[..8];
        let mut csv = String::from("order_id,sub,amount,currency,categories,country,time_zone,carrier,tracking_id,delivery_date,address_changed_days_ago\n");
        for i in 0..lines {
            csv.push_str(&format!("kill-{run_id}-{i},{sub},150000,JPY,general,JP,Asia/Tokyo,yamato,K{run_id}-{i},{day},\n"));
        }
        let file = data.path.join("shipments.csv");
        std::fs::write(&file, csv).unwrap();
        let store = &app.running.services.store;
        let account = ninsho_domain::types::AccountId(sub.parse().unwrap());
        let code_events = || async { store.events(account, 1_000_000).await.unwrap().iter().filter(|e| e.kind == ninsho_domain::types::EventKind::CodeSent).count() };
        let events_before = code_events().await;
        let command = || {
            let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"));
            c.args(["admin", "deliveries", "import"]).arg(&file).args(["--client", &name, "--database-url", &app.db.url, "--data-dir"]).arg(&data.path).env("NINSHO_MASTER_KEY", TEST_MASTER_KEY);
            c
        };

        // Killed as soon as a first chunk is committed, long before the last.
        let mut child = command().stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
        let started = std::time::Instant::now();
        loop {
            assert!(child.try_wait().unwrap().is_none(), "{b:?}: the import ended before it could be killed");
            assert!(started.elapsed().as_secs() < 120, "{b:?}: nothing committed in two minutes");
            if app.running.db.count_coded_deliveries(shop.id).await.unwrap().0 > 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        child.kill().await.unwrap();
        let (committed, _) = app.running.db.count_coded_deliveries(shop.id).await.unwrap();
        assert!(committed > 0 && (committed as usize) < lines, "{b:?}: {committed} of {lines} committed before the kill");
        assert_eq!(code_events().await - events_before, committed as usize, "{b:?}: each committed delivery has its event, and only those");

        // The same file again: the missing lines, each once.
        let out = command().output().await.unwrap();
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
        assert!(out.status.success(), "{b:?}: {stdout} {stderr}");
        assert!(stdout.contains(&format!("issued {lines}, not required 0 ({committed} already registered), refused 0")), "{b:?}: {stdout}");
        let (whole, _) = app.running.db.count_coded_deliveries(shop.id).await.unwrap();
        assert_eq!(whole as usize, lines, "{b:?}: every line a whole delivery with its code");
        assert_eq!(code_events().await - events_before, lines, "{b:?}: one code event per line");
        let orders: Vec<String> = (0..lines).map(|i| format!("kill-{run_id}-{i}")).collect();
        let found = store.deliveries_by_orders(shop.id, &orders).await.unwrap();
        assert_eq!(found.len(), lines, "{b:?}: one delivery per order id");
        assert!(found.iter().all(|d| d.code.is_some()));
    }
}

/// F-DLV-6: `ninsho admin deliveries import` registers a CSV file's shipments as the
/// batch call would, says what each line became (refused lines by number and reason),
/// and exits non-zero on a file it cannot read or a wrong header.
#[tokio::test]
async fn f_dlv_6_the_cli_imports_a_csv_file_line_by_line() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let sub = sub_of(&app, &acct.token).await;
        let name = format!("shop-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        app.running.services.add_service_client(&name, &[Scope::DeliveriesWrite], 100).await.unwrap();
        let data = TempDir::new().unwrap();
        let day = tomorrow();
        let (t1, t2, t3) = (tracking(), tracking(), tracking());
        let o = |n: u32| format!("csv-{}-{n}", &sub[..8]);
        let csv = format!(
            "order_id,sub,amount,currency,categories,country,time_zone,carrier,tracking_id,delivery_date,address_changed_days_ago\n\
             {o1},{sub},150000,JPY,general,JP,Asia/Tokyo,yamato,{t1},{day},\n\
             {o2},{sub},5000,JPY,books|letter_post,JP,Asia/Tokyo,yamato,{t2},{day},90\n\
             {o3},{sub},5000,JPY,spaceships;general,JP,Asia/Tokyo,yamato,{t3},{day},\n\
             {o4},{sub},5000,JPY\n\
             {o1},{sub},150000,JPY,general,JP,Asia/Tokyo,yamato,{t1},{day},\n",
            o1 = o(1), o2 = o(2), o3 = o(3), o4 = o(4),
        );
        let file = data.path.join("shipments.csv");
        std::fs::write(&file, csv).unwrap();
        let run = |args: Vec<String>| {
            let (url, dir) = (app.db.url.clone(), data.path.clone());
            async move {
                tokio::process::Command::new(env!("CARGO_BIN_EXE_ninsho"))
                    .args(&args)
                    .args(["--database-url", &url, "--data-dir"])
                    .arg(&dir)
                    .env("NINSHO_MASTER_KEY", TEST_MASTER_KEY)
                    .output()
                    .await
                    .unwrap()
            }
        };
        let import = |f: &std::path::Path| vec!["admin".into(), "deliveries".into(), "import".into(), f.display().to_string(), "--client".into(), name.clone()];
        let before = app.inbox_count(PHONE).await;
        let out = run(import(&file)).await;
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
        assert!(out.status.success(), "{b:?}: {stdout} {stderr}");
        assert!(stdout.contains("issued 2, not required 1 (1 already registered), refused 2"), "{stdout}");
        assert!(stdout.contains("refused delivery.category_unknown (categories): 1 line(s): 4 "), "{stdout}");
        assert!(stdout.contains("refused import.line_invalid (line): 1 line(s): 5 "), "{stdout}");
        let code = code_in(&app.code_message_after(PHONE, before).await);
        assert_eq!(code.len(), 6);
        assert_eq!(app.inbox_count(PHONE).await, before + 1, "one code for the order given twice");
        // The same file again: the same deliveries.
        let again = run(import(&file)).await;
        assert!(String::from_utf8_lossy(&again.stdout).contains("issued 2, not required 1 (3 already registered), refused 2"), "{again:?}");

        // A wrong header or a missing file: one line, non-zero.
        let bad = data.path.join("bad.csv");
        std::fs::write(&bad, "order,sub\nx,y\n").unwrap();
        for f in [bad, data.path.join("missing.csv")] {
            let out = run(import(&f)).await;
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(!out.status.success() && stderr.trim().lines().count() == 1, "{f:?}: {stderr}");
        }
    }
}
