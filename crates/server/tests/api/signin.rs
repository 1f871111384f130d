use super::*;

#[tokio::test]
async fn f_acc_1_sign_up_verify_email_then_sign_in() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        let token = app.signed_up(&email, PASSWORD).await;
        let me = app.call("GET", "/api/v1/account", Some(&token), None).await;
        assert_eq!(me.status, 200);
        assert_eq!(me.body["email"], email.as_str());
        assert_eq!(me.body["email_verified"], true);
        // Same browser, no 2SV, calm risk: the password alone signs in.
        let r = sign_in(&app, &app.http, &email, json!({})).await;
        assert_eq!(r.status, 200, "{b:?} {:?}", r.body);
        assert_eq!(r.body["status"], "signed_in");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_signin_5_unknown_account_and_wrong_password_answer_alike() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        app.signed_up(&email, PASSWORD).await;
        let wrong = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": "not the password at all"}))).await;
        let unknown = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": unique_email(), "password": PASSWORD}))).await;
        let malformed = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": "not-an-email", "password": PASSWORD}))).await;
        for r in [&wrong, &unknown, &malformed] {
            assert_eq!(r.status, 401);
            assert_eq!(r.body["code"], "auth.invalid_credentials");
            assert_eq!(r.body["detail"], wrong.body["detail"]);
        }
        // Sign-up of a taken address answers exactly like a new one; the owner is told.
        let before = app.inbox_count(&email).await;
        let taken = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": email, "password": "another long passphrase 42"}))).await;
        let fresh = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": unique_email(), "password": "another long passphrase 42"}))).await;
        assert_eq!(taken.status, 202);
        assert_eq!(fresh.status, 202);
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&taken.body), keys(&fresh.body));
        let notice = app.inbox_latest(&email, before).await;
        assert!(notice.contains("tried to create an account"), "{notice}");
        // The handed-out id behaves like a real one: resends answer alike, wrong codes
        // count, and after five the challenge is closed — but nothing can pass it.
        let cid = taken.body["challenge_id"].as_str().unwrap();
        let fid = fresh.body["challenge_id"].as_str().unwrap();
        let rt = app.call("POST", &format!("/api/v1/challenges/{cid}/resend"), None, None).await;
        let rf = app.call("POST", &format!("/api/v1/challenges/{fid}/resend"), None, None).await;
        assert_eq!((rt.status, rf.status), (200, 200));
        assert_eq!(rt.body["sent"]["channel"], rf.body["sent"]["channel"]);
        // Probes that are not a code answer alike too: a named method, an overlong
        // code, a resend through some method.
        let probe = |id: &str, path: &str, body: Value| {
            let (app, id, path) = (&app, id.to_string(), path.to_string());
            async move {
                let r = app.call("POST", &format!("/api/v1/challenges/{id}/{path}"), None, Some(body)).await;
                (r.status, r.body["code"].clone())
            }
        };
        let random = uuid::Uuid::new_v4().to_string();
        for (path, body) in [
            ("verify", json!({"code": "123456", "method_id": random})),
            ("verify", json!({"code": "1".repeat(65)})),
            ("resend", json!({"method_id": random})),
        ] {
            assert_eq!(probe(cid, path, body.clone()).await, probe(fid, path, body.clone()).await, "{path} {body}");
        }
        for id in [cid, fid] {
            for _ in 0..5 {
                let v = app.call("POST", &format!("/api/v1/challenges/{id}/verify"), None, Some(json!({"code": "000000"}))).await;
                assert_eq!((v.status, v.body["code"].as_str()), (401, Some("code.invalid")));
            }
            let v = app.call("POST", &format!("/api/v1/challenges/{id}/verify"), None, Some(json!({"code": "000000"}))).await;
            assert_eq!(v.body["code"], "challenge.closed");
        }
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_acc_2_weak_and_oversized_passwords_refused_before_hashing() {
    let app = spawn_app(Backend::Sqlite).await;
    for (pw, code) in [("short", "password.weak"), ("password12345", "password.weak"), ("123456789012345", "password.weak")] {
        let r = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": unique_email(), "password": pw}))).await;
        assert_eq!((r.status, r.body["code"].as_str()), (422, Some(code)), "{pw}: {:?}", r.body);
        assert_eq!(r.headers["content-type"], "application/problem+json");
    }
    let r = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": unique_email(), "password": "x".repeat(4000)}))).await;
    assert_eq!(r.body["code"], "password.too_long");
    let r = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": unique_email(), "password": "x".repeat(40_000)}))).await;
    assert_eq!(r.status, 413, "{:?}", r.body);
    app.shutdown().await;
}

/// F-ACC-2's strength estimate (zxcvbn with the account's own words): guessable
/// passwords are refused with a stable code, the field, the reason and zxcvbn's words;
/// the same at a password change, on `new_password`.
#[tokio::test]
async fn f_acc_2_guessable_passwords_are_refused_with_the_reason_and_field() {
    let app = spawn_app(Backend::Sqlite).await;
    for (email, pw, reason) in [
        (unique_email(), "passwordpassword", "repeats"),
        (unique_email(), "qwertyuiopasdfgh", "common"),
        ("taro.yamada@example.com".to_string(), "taroyamadataroyamada", "personal"),
        (unique_email(), "encyclopaedia", "word"),
    ] {
        let r = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": email, "password": pw}))).await;
        assert_eq!(r.status, 422, "{pw}: {:?}", r.body);
        assert_eq!(r.headers["content-type"], "application/problem+json");
        assert_eq!((r.body["code"].as_str(), r.body["field"].as_str(), r.body["reason"].as_str()), (Some("password.weak"), Some("password"), Some(reason)), "{pw}: {:?}", r.body);
        // The address's own name is caught by the fixed rule before the estimate.
        let detail = r.body["detail"].as_str().unwrap();
        assert!(detail.starts_with("this password is easy to guess.") || reason == "personal", "{:?}", r.body);
        assert_eq!(app.inbox_count(&email).await, 0, "{pw}: nothing was sent");
    }
    let r = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": unique_email(), "password": "qwertyuiop[]asdf"}))).await;
    assert!(r.body["detail"].as_str().unwrap().contains("Straight rows of keys are easy to guess."), "{:?}", r.body);
    // The shop's name counts as the user's own (the test server's issuer).
    let r = app.call("POST", "/api/v1/sign-up", None, Some(json!({"email": unique_email(), "password": "shopshopshop2026"}))).await;
    assert_eq!((r.status, r.body["reason"].as_str()), (422, Some("personal")), "{:?}", r.body);

    let email = unique_email();
    let token = app.signed_up(&email, PASSWORD).await;
    step_up_password(&app, &token).await;
    let change = |new: &str| json!({"current_password": PASSWORD, "new_password": new});
    let r = app.call("POST", "/api/v1/account/password", Some(&token), Some(change("passwordpassword"))).await;
    assert_eq!((r.status, r.body["code"].as_str(), r.body["field"].as_str(), r.body["reason"].as_str()), (422, Some("password.weak"), Some("new_password"), Some("repeats")), "{:?}", r.body);
    let local = email.split('@').next().unwrap();
    let r = app.call("POST", "/api/v1/account/password", Some(&token), Some(change(&format!("{local}{local}")))).await;
    assert_eq!((r.status, r.body["field"].as_str(), r.body["reason"].as_str()), (422, Some("new_password"), Some("personal")), "{:?}", r.body);
    let r = app.call("POST", "/api/v1/account/password", Some(&token), Some(change("violet kettle marathon"))).await;
    assert_eq!(r.status, 204, "{:?}", r.body);
    app.shutdown().await;
}

/// NFKC (NIST SP 800-63B-4): a password set in one Unicode form signs in, steps up and
/// is changed in another — NFC and NFD, and full width from an input method — through
/// every use case that checks one, the device sign-in with its appended code included.
#[tokio::test]
async fn f_acc_2_passwords_are_nfkc_normalised_before_hashing_and_verifying() {
    const NFC: &str = "caf\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e";
    const NFD: &str = "cafe\u{301} cre\u{300}me bru\u{302}le\u{301}e";
    const WIDE: &str = "ｃａｆé\u{3000}ｃｒèｍｅ\u{3000}ｂｒûｌéｅ";
    for b in backends().await {
        let app = spawn_app(b).await;
        for (set, typed) in [(NFC, NFD), (NFD, NFC), (WIDE, NFD), (NFD, WIDE)] {
            let email = unique_email();
            let token = app.signed_up(&email, set).await;
            let r = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": typed}))).await;
            assert_eq!((r.status, r.body["status"].as_str()), (200, Some("signed_in")), "{b:?} {set:?} then {typed:?}: {:?}", r.body);
            let wrong = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": "cafe creme brulee"}))).await;
            assert_eq!(wrong.status, 401, "the accents still count");
            let r = app.call("POST", "/api/v1/step-up", Some(&token), Some(json!({"password": typed}))).await;
            assert_eq!((r.status, r.body["status"].as_str()), (200, Some("done")), "{:?}", r.body);
        }
        // A password change checks the current one in any form, and stores the new one's
        // NFKC form.
        let email = unique_email();
        let token = app.signed_up(&email, NFC).await;
        let r = app.call("POST", "/api/v1/step-up", Some(&token), Some(json!({"password": NFD}))).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let r = app.call("POST", "/api/v1/account/password", Some(&token), Some(json!({"current_password": WIDE, "new_password": "ｖｉｏｌｅｔ ｋｅｔｔｌｅ ｍａｒａｔｈｏｎ"}))).await;
        assert_eq!(r.status, 204, "{:?}", r.body);
        let r = app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": "violet kettle marathon"}))).await;
        assert_eq!(r.status, 200, "{:?}", r.body);

        // A device without a second screen: the password in another form, the code
        // appended in full-width digits.
        let acct = two_sv_account(&app).await;
        let tv = browser("SmartTV/3.0");
        let before = app.inbox_count("+819012345678").await;
        let r = call(&tv, &app.url, "POST", "/api/v1/sign-in/device", None, Some(json!({"email": acct.email, "password": PASSWORD}))).await;
        assert_eq!(r.body["status"], "append_code", "{:?}", r.body);
        let code = code_in(&app.code_message_after("+819012345678", before).await);
        let wide_code: String = code.chars().map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap()).collect();
        let wide_password = "ｃｏｒｒｅｃｔ\u{3000}ｈｏｒｓｅ battery staple";
        let ok = call(&tv, &app.url, "POST", "/api/v1/sign-in/device", None, Some(json!({"email": acct.email, "password": format!("{wide_password}{wide_code}")}))).await;
        assert_eq!((ok.status, ok.body["status"].as_str()), (200, Some("signed_in")), "{:?}", ok.body);
        app.shutdown().await;
    }
}

/// A hash made before passwords were normalised holds the password as typed: that form
/// still signs in, once, and the hash is replaced by one of the NFKC form (not a
/// credential change: nothing is revoked); from then on every form signs in.
#[tokio::test]
async fn f_acc_2_a_password_hashed_as_typed_before_nfkc_signs_in_and_is_hashed_again() {
    use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
    use ninsho_domain::email::Email;
    use ninsho_domain::ports::{Store, Write};
    const NFC: &str = "caf\u{e9} cr\u{e8}me br\u{fb}l\u{e9}e";
    const NFD: &str = "cafe\u{301} cre\u{300}me bru\u{302}le\u{301}e";
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        app.signed_up(&email, PASSWORD).await;
        let db = &app.running.db;
        let addr = Email::parse(&email).unwrap();
        let account = db.account_by_email(&addr).await.unwrap().unwrap();
        let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, argon2::Params::new(256, 1, 1, None).unwrap());
        let legacy = argon.hash_password(NFD.as_bytes(), &SaltString::encode_b64(b"0123456789abcdef").unwrap()).unwrap().to_string();
        db.commit(vec![Write::SetPassword { account: account.id, hash: legacy.clone(), now: account.created_at }]).await.unwrap();

        let sign_in = |pw: &str| app.call("POST", "/api/v1/sign-in", None, Some(json!({"email": email, "password": pw})));
        assert_eq!(sign_in(NFC).await.status, 401, "the old hash knows only the form typed");
        let r = sign_in(NFD).await;
        assert_eq!((r.status, r.body["status"].as_str()), (200, Some("signed_in")), "{b:?} {:?}", r.body);
        let after = db.account_by_email(&addr).await.unwrap().unwrap();
        assert_ne!(after.password_hash, legacy, "hashed again");
        assert!(after.password_hash.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{}", after.password_hash);
        assert!(argon.verify_password(NFC.as_bytes(), &PasswordHash::new(&after.password_hash).unwrap()).is_ok(), "the new hash is of the NFKC form");
        assert_eq!(after.credentials_changed_at, account.credentials_changed_at, "not a credential change");
        for pw in [NFC, NFD] {
            assert_eq!(sign_in(pw).await.status, 200, "{pw:?}");
        }
        assert_eq!(db.account_by_email(&addr).await.unwrap().unwrap().password_hash, after.password_hash, "hashed once");
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_acc_3_password_change_needs_step_up_signs_out_others_and_notifies() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let email = unique_email();
        let token = app.signed_up(&email, PASSWORD).await;
        let other = sign_in(&app, &app.http, &email, json!({})).await.body["session_token"].as_str().unwrap().to_string();
        let change = json!({"current_password": PASSWORD, "new_password": "a brand new passphrase 2026", "sign_out_others": true});
        let r = app.call("POST", "/api/v1/account/password", Some(&token), Some(change.clone())).await;
        assert_eq!(r.body["code"], "auth.step_up_required", "sign-up's e-mail code is no step-up");
        step_up_password(&app, &token).await;
        let before = app.inbox_count(&email).await;
        let r = app.call("POST", "/api/v1/account/password", Some(&token), Some(change)).await;
        assert_eq!(r.status, 204, "{:?}", r.body);
        assert!(app.inbox_latest(&email, before).await.contains("password was changed"));
        assert_eq!(app.call("GET", "/api/v1/account", Some(&other), None).await.status, 401);
        assert_eq!(app.call("GET", "/api/v1/account", Some(&token), None).await.status, 200);
        let old = sign_in(&app, &app.http, &email, json!({})).await;
        assert_eq!(old.status, 401);
        app.shutdown().await;
    }
}

#[tokio::test]
async fn f_acc_4_messages_use_the_account_language() {
    let app = spawn_app(Backend::Sqlite).await;
    let email = unique_email();
    let token = app.signed_up(&email, PASSWORD).await;
    let r = app.call("PATCH", "/api/v1/account", Some(&token), Some(json!({"locale": "ja"}))).await;
    assert_eq!(r.status, 204);
    let bad = app.call("PATCH", "/api/v1/account", Some(&token), Some(json!({"locale": "xx"}))).await;
    assert_eq!(bad.body["code"], "locale.unsupported");
    step_up_password(&app, &token).await;
    let before = app.inbox_count("+819012345678").await;
    app.call("POST", "/api/v1/methods/phone", Some(&token), Some(json!({"phone": "09012345678"}))).await;
    let sms = app.code_message_after("+819012345678", before).await;
    assert!(sms.contains("誰にも教えないでください"), "{sms}");
    assert!(sms.ends_with(&format!("@shop.example #{}", code_in(&sms))), "{sms}");
    app.shutdown().await;
}

#[tokio::test]
async fn f_signin_6_device_without_second_screen_appends_the_code() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let acct = two_sv_account(&app).await;
        let tv = browser("SmartTV/3.0");
        let before = app.inbox_count("+819012345678").await;
        let r = call(&tv, &app.url, "POST", "/api/v1/sign-in/device", None, Some(json!({"email": acct.email, "password": PASSWORD}))).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!(r.body["status"], "append_code");
        let sms = app.code_message_after("+819012345678", before).await;
        let code = code_in(&sms);
        let wrong = call(&tv, &app.url, "POST", "/api/v1/sign-in/device", None, Some(json!({"email": acct.email, "password": format!("{PASSWORD}000000")}))).await;
        assert_eq!(wrong.status, 401);
        let ok = call(&tv, &app.url, "POST", "/api/v1/sign-in/device", None, Some(json!({"email": acct.email, "password": format!("{PASSWORD}{code}")}))).await;
        assert_eq!(ok.status, 200, "{:?}", ok.body);
        assert_eq!(ok.body["status"], "signed_in");
        assert!(ok.body.get("trusted_browser_token").is_none());
        let tbs = app.call("GET", "/api/v1/trusted-browsers", Some(&acct.token), None).await;
        assert_eq!(tbs.body["trusted_browsers"].as_array().unwrap().len(), 0, "a TV is never trusted");
        app.shutdown().await;
    }
}
