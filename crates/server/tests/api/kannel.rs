//! F-OPS-3: SMS through a real Kannel gateway (bearerbox + smsbox + the fake SMSC of
//! `kannel-extras`) via its sendsms HTTP interface. The test reads the SMS the fake
//! SMSC received, checks its origin-bound line and verifies the challenge with its
//! code; the Japanese variant proves UCS-2 arrives intact.

use std::time::Duration;

use ninsho_delivery::Provider;
use ninsho_delivery::providers::kannel::KannelProvider;
use ninsho_testkit::kannel::KannelGateway;
use secrecy::SecretString;
use serde_json::json;

use super::*;

const SENDER: &str = "+815053704545";
const PHONE: &str = "+819012345678";

async fn sms_through_kannel(locale: &str, words: &[&str]) {
    for b in backends().await {
        let gw = KannelGateway::start().await.expect("the Kannel gateway starts (apt-get install kannel kannel-extras)");
        let provider = KannelProvider::new(&gw.sendsms_url(), &gw.username, SecretString::from(gw.password.clone()), SENDER).expect("provider");
        let app = spawn_app_with(b, |c| c.providers.sms = Provider::Kannel(provider)).await;
        let email = unique_email();
        // The e-mail code still goes to the development inbox.
        let token = app.signed_up(&email, PASSWORD).await;
        if locale != "en" {
            let r = app.call("PATCH", "/api/v1/account", Some(&token), Some(json!({"locale": locale}))).await;
            assert!(r.status == 204 || r.status == 200, "{b:?}: {:?}", r.body);
        }
        step_up_password(&app, &token).await;

        let before = gw.received().iter().filter(|m| m.to == PHONE).count();
        let r = app.call("POST", "/api/v1/methods/phone", Some(&token), Some(json!({"phone": "090-1234-5678"}))).await;
        assert_eq!(r.status, 201, "{b:?}: {:?}", r.body);
        let cid = r.body["challenge_id"].as_str().expect("challenge id").to_string();

        let sms = gw.wait_for_sms(PHONE, before, Duration::from_secs(10)).await.expect("the fake SMSC receives the SMS");
        assert_eq!(sms.from, SENDER, "{b:?}");
        let code = code_in(&sms.text);
        assert!(sms.text.ends_with(&format!("@shop.example #{code}")), "{b:?}: {:?}", sms.text);
        assert!(sms.text.starts_with("Shop") && sms.text.matches(&code).count() >= 2, "{b:?}: {:?}", sms.text);
        for w in words {
            assert!(sms.text.contains(w), "{b:?}: {w:?} missing in {:?}", sms.text);
        }
        assert!(!sms.text.contains('\u{FFFD}'), "{b:?}: garbled: {:?}", sms.text);

        let v = app.call("POST", &format!("/api/v1/challenges/{cid}/verify"), Some(&token), Some(json!({"code": code}))).await;
        assert_eq!(v.status, 200, "{b:?}: {:?}", v.body);
        // Exactly one code SMS went out (a "method added" notice may follow it, in the
        // same language), and the outbox holds nothing failed.
        app.settle().await;
        let all: Vec<_> = gw.received().into_iter().filter(|m| m.to == PHONE).skip(before).collect();
        assert_eq!(all.iter().filter(|m| m.text.contains(" #")).count(), 1, "{b:?}: {all:#?}");
        assert!(all.iter().skip(1).all(|m| !m.text.contains(&code) && !m.text.contains('\u{FFFD}')), "{b:?}: {all:#?}");
        assert_eq!(app.running.db.count_outbox("failed").await.unwrap_or(-1), 0, "{b:?}");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_ops_3_sms_through_a_real_kannel_gateway() {
    sms_through_kannel("en", &["code to add this method", "Don't share it with anyone."]).await;
}

#[tokio::test]
async fn f_ops_3_sms_through_a_real_kannel_gateway_in_japanese_arrives_as_ucs2_intact() {
    sms_through_kannel("ja", &["認証方法登録コード", "このコードは誰にも教えないでください。", "心当たりがない場合は拒否"]).await;
}

fn outbox_message(to: &str) -> ninsho_domain::ports::OutboxMessage {
    use ninsho_domain::types::{Channel, Locale, MessageId, UnixMillis};
    ninsho_domain::ports::OutboxMessage {
        id: MessageId::new(),
        account_id: None,
        template: "sign_in_code".into(),
        channel: Channel::Sms,
        destination: to.into(),
        locale: Locale::En,
        payload: Vec::new(),
        created_at: UnixMillis(0),
        quota_keys: Vec::new(),
        attempts: 0,
        challenge: None,
        delivery: None,
    }
}

/// The provider against the gateway directly: GSM-7 with extension characters and a
/// newline, UCS-2 beyond the BMP and over several parts arrive exactly; a rejection is
/// an error naming the status and Kannel's answer, never the password or the text.
#[tokio::test]
async fn f_ops_3_kannel_texts_arrive_exactly_and_rejections_hold_no_secrets() {
    use ninsho_delivery::render::Rendered;

    let gw = KannelGateway::start().await.expect("the Kannel gateway starts (apt-get install kannel kannel-extras)");
    let p = KannelProvider::new(&gw.sendsms_url(), &gw.username, SecretString::from(gw.password.clone()), SENDER).expect("provider");
    let texts = [
        "Shop: 123456 {code} [x] ~ ^ | \\ € £ é\n\n@shop.example #123456".to_string(),
        format!("Shop: 654321 😀 {}\n\n@shop.example #654321", "ログイン".repeat(30)),
        format!("Shop: {}\n\n@shop.example #111222", "long text ".repeat(40)),
    ];
    for (i, t) in texts.iter().enumerate() {
        let r = Rendered { subject: None, body: t.clone() };
        p.send(&outbox_message(PHONE), &r).await.expect("accepted");
        let got = gw.wait_for_sms(PHONE, i, Duration::from_secs(10)).await.expect("received");
        assert_eq!(&got.text, t);
    }

    let bad = KannelProvider::new(&gw.sendsms_url(), &gw.username, SecretString::from("wrong-password".to_string()), SENDER).expect("provider");
    let r = Rendered { subject: None, body: "Shop: 987654 secret text\n\n@shop.example #987654".into() };
    let e = bad.send(&outbox_message(PHONE), &r).await.expect_err("rejected");
    assert!(e.contains("HTTP 403") && e.contains("Authorization failed"), "{e}");
    assert!(!e.contains("wrong-password") && !e.contains("987654") && !e.contains("secret text"), "{e}");
}
