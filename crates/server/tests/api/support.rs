//! F-SUP-1 at the console: finding an account by phone number, reviewing 2SV reset
//! requests with the document shown in the page, pausing a shopper's 2SV, and the
//! per-person staff log. Each on both backends.

use super::staff::at_the_console;
use super::*;
use ninsho_domain::ports::Store;
use ninsho_domain::staff::StaffRole;
use ninsho_domain::types::EventKind;
use ninsho_testkit::pages::PageClient;

/// A `width`x`height` RGB image as a real PNG file (stored deflate blocks), so a
/// browser draws it.
pub fn png(width: u32, height: u32, color: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in bytes {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        out.extend(&body);
        out.extend(crc32(&body).to_be_bytes());
    }
    let mut raw = Vec::new();
    for y in 0..height {
        raw.push(0);
        for x in 0..width {
            raw.extend(color(x, y));
        }
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in &raw {
        a = (a + u32::from(*byte)) % 65521;
        b = (b + a) % 65521;
    }
    let mut z = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65535).collect();
    for (i, block) in blocks.iter().enumerate() {
        z.push(u8::from(i + 1 == blocks.len()));
        z.extend((block.len() as u16).to_le_bytes());
        z.extend((!(block.len() as u16)).to_le_bytes());
        z.extend(*block);
    }
    z.extend(((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A passport "scan": a blue card with a white band.
pub fn passport_png() -> Vec<u8> {
    png(240, 150, |_, y| if (40..70).contains(&y) { [250, 250, 250] } else { [30, 70, 160] })
}

/// The shopper's reset request with `file_name` and `bytes`: its id.
pub async fn reset_requested(app: &TestApp, email: &str, file_name: &str, bytes: &[u8]) -> String {
    let body = json!({
        "email": email,
        "password": PASSWORD,
        "doc_type": "passport",
        "document": {"file_name": file_name, "content_base64": data_encoding::BASE64.encode(bytes)},
    });
    let r = app.call("POST", "/api/v1/recovery/requests", None, Some(body)).await;
    assert_eq!(r.status, 202, "{:?}", r.body);
    r.body["request_id"].as_str().unwrap().to_string()
}

async fn account_of(app: &TestApp, email: &str) -> ninsho_domain::ports::Account {
    app.running.db.account_by_email(&ninsho_domain::email::Email::parse(email).unwrap()).await.unwrap().unwrap()
}

/// The details of `kind` on the account of `email`, oldest first.
async fn said(app: &TestApp, email: &str, kind: EventKind) -> Vec<String> {
    let account = account_of(app, email).await;
    let mut events = app.running.db.events(account.id, 500).await.unwrap();
    events.reverse();
    events.into_iter().filter(|e| e.kind == kind).map(|e| e.detail).collect()
}

/// A phone number finds the account that uses it, written as its owner says it
/// (national or international); a number several accounts share lists them to pick
/// from; a number nobody uses says so; what is neither an address nor a number is an
/// error next to the field.
#[tokio::test]
async fn f_sup_1_support_finds_an_account_by_phone_number() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let (viewer, mut pc, shopper) = at_the_console(&app, StaffRole::Viewer).await;
        // Another shopper with a number of their own.
        let own = unique_email();
        let token = app.signed_up(&own, PASSWORD).await;
        step_up_password(&app, &token).await;
        add_phone(&app, &token, "080-2222-3333", "+818022223333").await;

        for written in ["080-2222-3333", "+81 80 2222 3333", "0081-80-2222-3333"] {
            let found = pc.get(&format!("/support?q={}", ninsho_server::web::ctx::urlencode(written))).await;
            assert_eq!(found.status, 200, "{b:?}: {written}: {}", found.text());
            assert!(found.text_of("support-account").is_some_and(|t| t.contains(&own)), "{b:?}: {written}: {}", found.html);
        }
        // A search another site started shows the form and reads nothing.
        let planted = pc.get_with("/support?q=080-2222-3333", &[("sec-fetch-site", "cross-site")]).await;
        assert!(planted.text_of("support-account").is_none() && planted.html.contains("id=\"support-search\""), "{b:?}: {}", planted.html);
        // Its devices and the messages sent to it, the code of each blanked.
        let found = pc.get("/support?q=080-2222-3333").await;
        assert!(section(&found, "support-sessions").contains("Last seen"), "{b:?}: {}", found.html);
        let messages = section(&found, "support-messages");
        assert!(messages.contains("3333"), "{b:?}: the code's text message is listed: {messages}");
        let digits = messages.as_bytes().windows(6).any(|w| w.iter().all(u8::is_ascii_digit));
        assert!(!digits, "{b:?}: never a code: {messages}");
        // The member and the shopper both use +81 90-1234-5678.
        let shared = pc.get("/support?q=090-1234-5678").await;
        let listed = shared.text_of("support-several").unwrap_or_default();
        assert!(listed.contains(&shopper.email) && shared.text_of("support-account").is_none(), "{b:?}: {}", shared.html);
        let none = pc.get("/support?q=%2B81%2080%209999%200000").await;
        assert!(none.html.contains("id=\"support-none\""), "{b:?}: {}", none.html);
        let bad = pc.get("/support?q=call%20me").await;
        assert_eq!(bad.status, 422, "{b:?}");
        assert!(bad.text_of("q-error").is_some(), "{b:?}: {}", bad.html);
        // Searches that read no account are on the member's record too.
        let log = said(&app, &viewer, EventKind::StaffActed).await;
        for searched in ["find_account 090-1234-5678", "find_account +81 80 9999 0000"] {
            assert!(log.iter().any(|d| d == searched), "{b:?}: {searched}: {log:?}");
        }
        app.shutdown().await;
    }
}

/// A reviewer reads the queue, opens a request, and sees the document in the page:
/// the image is served inline, never stored by a cache, typed by its bytes, framed
/// only by the console, and each opening is recorded on the account (who looked) and
/// in the reviewer's own log. Rejecting takes a reason, which the owner is told; the
/// document is gone with the decision. An agent may not open documents at all.
#[tokio::test]
async fn f_sup_1_a_reviewer_sees_the_document_in_the_page_and_decides_with_a_reason() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let (reviewer, mut pc, shopper) = at_the_console(&app, StaffRole::Reviewer).await;
        let image = passport_png();
        let id = reset_requested(&app, &shopper.email, "passport.png", &image).await;

        let queue = pc.get("/support/resets").await;
        assert_eq!(queue.status, 200, "{b:?}: {}", queue.text());
        assert!(queue.text_of("support-resets").is_some_and(|t| t.contains(&shopper.email)), "{b:?}: {}", queue.html);
        // The account's page points to its waiting request.
        let account = pc.get(&format!("/support?q={}", ninsho_server::web::ctx::urlencode(&shopper.email))).await;
        assert!(account.html.contains(&format!("/support/resets/{id}")), "{b:?}: {}", account.html);

        let page = pc.get(&format!("/support/resets/{id}")).await;
        assert_eq!(page.status, 200, "{b:?}: {}", page.text());
        assert!(page.html.contains(&format!("<img id=\"support-document\" src=\"/support/resets/{id}/document\"")), "{b:?}: {}", page.html);
        assert!(page.headers["content-security-policy"].to_str().unwrap().contains("frame-src 'self'"));
        // Another site cannot make the member's browser open it (and plant a record).
        let (status, _, _) = pc.get_bytes_with(&format!("/support/resets/{id}/document"), &[("sec-fetch-site", "cross-site")]).await;
        assert_eq!(status, 403, "{b:?}");
        assert!(said(&app, &shopper.email, EventKind::ResetDocumentViewed).await.is_empty(), "{b:?}: nothing recorded");
        let (status, headers, bytes) = pc.get_bytes_with(&format!("/support/resets/{id}/document"), &[("sec-fetch-site", "same-origin")]).await;
        assert_eq!(status, 200, "{b:?}");
        assert_eq!(bytes, image, "{b:?}: the document as uploaded");
        let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert_eq!(header("content-type"), "image/png");
        assert_eq!(header("content-disposition"), format!("inline; filename=\"reset-{id}.png\""));
        assert_eq!(header("cache-control"), "no-store");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert!(header("content-security-policy").contains("frame-ancestors 'self'") && header("x-frame-options") == "SAMEORIGIN", "{headers:?}");
        assert_eq!(said(&app, &shopper.email, EventKind::ResetDocumentViewed).await.len(), 1, "{b:?}: the look is on the account");
        assert_eq!(said(&app, &reviewer, EventKind::StaffActed).await.iter().filter(|d| d.starts_with("review_resets ")).count(), 1, "{b:?}: and in the reviewer's log");

        // Rejecting takes a reason, shown next to its field.
        let no_reason = pc.post(&format!("/support/resets/{id}/decide"), &page, &[("decision", "reject"), ("reason", " ")]).await;
        assert_eq!(no_reason.status, 422, "{b:?}");
        assert!(no_reason.text_of("reason-error").is_some(), "{b:?}: {}", no_reason.html);
        let before = app.inbox_count(&shopper.email).await;
        let decided = pc.post(&format!("/support/resets/{id}/decide"), &page, &[("decision", "reject"), ("reason", "The photo is unreadable.")]).await;
        assert_eq!(decided.status, 200, "{b:?}: {}", decided.text());
        let line = decided.text_of("support-reset-decided").unwrap_or_default();
        assert!(line.contains(&reviewer) && line.contains("The photo is unreadable."), "{b:?}: {line}");
        assert!(app.inbox_latest(&shopper.email, before).await.contains("The photo is unreadable."), "{b:?}: the owner is told why");
        let (gone, _, _) = pc.get_bytes(&format!("/support/resets/{id}/document")).await;
        assert_eq!(gone, 409, "{b:?}: the document went with the decision");
        let again = pc.post(&format!("/support/resets/{id}/decide"), &page, &[("decision", "approve"), ("reason", "the photo matches after all")]).await;
        assert_eq!(again.status, 409, "{b:?}: one decision");

        // A PDF opens in the browser's viewer, in a frame of the page.
        let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
        let id = reset_requested(&app, &shopper.email, "passport.pdf", pdf).await;
        let page = pc.get(&format!("/support/resets/{id}")).await;
        assert!(page.html.contains(&format!("<iframe id=\"support-document\" title=\"Identity document\" src=\"/support/resets/{id}/document\"")), "{b:?}: {}", page.html);
        let (status, headers, bytes) = pc.get_bytes(&format!("/support/resets/{id}/document")).await;
        assert_eq!((status, bytes.as_slice()), (200, pdf.as_slice()), "{b:?}");
        let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert_eq!((header("content-type").as_str(), header("cache-control").as_str()), ("application/pdf", "no-store"));
        assert!(header("content-disposition").starts_with("inline;") && header("content-security-policy").contains("frame-ancestors 'self'"), "{headers:?}");
        let rejected = pc.post(&format!("/support/resets/{id}/decide"), &page, &[("decision", "reject"), ("reason", "Expired passport")]).await;
        assert_eq!(rejected.status, 200, "{b:?}");

        // A Word file cannot be shown: it is downloaded only when asked.
        let id = reset_requested(&app, &shopper.email, "licence.docx", b"PK\x03\x04..[Content_Types].xml..word/document.xml").await;
        let page = pc.get(&format!("/support/resets/{id}")).await;
        assert!(page.html.contains("id=\"support-document-download\"") && !page.html.contains("id=\"support-document\""), "{b:?}: {}", page.html);
        let (status, _, _) = pc.get_bytes(&format!("/support/resets/{id}/document")).await;
        assert_eq!(status, 409, "{b:?}: not without asking");
        let (status, headers, _) = pc.get_bytes(&format!("/support/resets/{id}/document?download=1")).await;
        assert_eq!(status, 200);
        assert!(headers["content-disposition"].to_str().unwrap().starts_with("attachment;"), "{headers:?}");
        // Approving turns 2SV off: it takes a reason too.
        let no_reason = pc.post(&format!("/support/resets/{id}/decide"), &page, &[("decision", "approve"), ("reason", "")]).await;
        assert_eq!(no_reason.status, 422, "{b:?}");
        let approved = pc.post(&format!("/support/resets/{id}/decide"), &page, &[("decision", "approve"), ("reason", "Licence matches the account holder")]).await;
        assert_eq!(approved.status, 200, "{b:?}: {}", approved.text());
        assert!(account_of(&app, &shopper.email).await.twosv_enabled_at.is_none(), "{b:?}: approved: 2SV off");

        // An agent reviews nothing.
        app.running.services.set_staff_role(&reviewer, StaffRole::Agent, "ops-1").await.unwrap();
        assert_eq!(pc.get("/support/resets").await.status, 403, "{b:?}");
        assert_eq!(pc.get_bytes(&format!("/support/resets/{id}/document?download=1")).await.0, 403, "{b:?}");
        app.shutdown().await;
    }
}

/// An agent pauses a shopper's 2SV for the time asked (at most a week) with a reason:
/// the shopper signs in with the password alone meanwhile and is told at once; the
/// pause says "by support" on the account, and the reason is in the agent's own log.
/// The agent switches it back on; a reviewer may do neither.
#[tokio::test]
async fn f_sup_1_an_agent_pauses_a_shoppers_two_step_verification_and_switches_it_back_on() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let (agent, mut pc, shopper) = at_the_console(&app, StaffRole::Agent).await;
        let path = format!("/support?q={}", ninsho_server::web::ctx::urlencode(&shopper.email));
        let view = pc.get(&path).await;
        assert!(view.html.contains("id=\"support-suspend\""), "{b:?}: {}", view.html);
        for (hours, reason, field) in [("169", "moving to a new phone", "hours-error"), ("24", "", "reason-error")] {
            let p = pc.post("/support/suspend", &view, &[("email", &shopper.email), ("reason", reason), ("hours", hours)]).await;
            assert_eq!(p.status, 422, "{b:?}: {hours}");
            assert!(p.html.contains(field), "{b:?}: {field}: {}", p.html);
        }
        let before = app.inbox_count(&shopper.email).await;
        let paused = pc.post("/support/suspend", &view, &[("email", &shopper.email), ("reason", "Moving to a new phone, identity checked by call-back"), ("hours", "48")]).await;
        assert_eq!(paused.status, 200, "{b:?}: {}", paused.text());
        assert!(paused.html.contains("id=\"support-resume\""), "{b:?}: {}", paused.html);
        app.inbox_latest(&shopper.email, before).await;
        // From the browser the owner uses, the password alone.
        let s = sign_in(&app, &app.http, &shopper.email, json!({})).await;
        assert_eq!(s.body["status"], "signed_in", "{b:?}: the password alone while paused: {:?}", s.body);
        let account = account_of(&app, &shopper.email).await;
        let until = account.twosv_suspended_until.unwrap();
        assert!((until.0 - app.running.services.now().0 - 48 * 3_600_000).abs() < 120_000, "{b:?}");
        assert!(said(&app, &shopper.email, EventKind::TwosvSuspended).await[0].ends_with(" by support"), "{b:?}");
        let log = said(&app, &agent, EventKind::StaffActed).await;
        assert!(log.iter().any(|d| d == &format!("suspend_two_step {} Moving to a new phone, identity checked by call-back", shopper.email)), "{b:?}: {log:?}");

        // The owner's history says support paused it, not which member.
        let history = app.call("GET", "/api/v1/history?limit=100", Some(&shopper.token), None).await;
        assert!(history.body.to_string().contains("twosv_suspended") && !history.body.to_string().contains(&agent), "{b:?}: {:?}", history.body);
        let resumed = pc.post("/support/resume", &paused, &[("email", &shopper.email)]).await;
        assert_eq!(resumed.status, 200, "{b:?}");
        assert!(account_of(&app, &shopper.email).await.twosv_required(app.running.services.now()), "{b:?}: on again");
        assert_eq!(said(&app, &shopper.email, EventKind::TwosvResumed).await, ["by support"], "{b:?}");

        app.running.services.set_staff_role(&agent, StaffRole::Reviewer, "ops-1").await.unwrap();
        let view = pc.get(&path).await;
        assert!(!view.html.contains("id=\"support-suspend\""), "{b:?}");
        let refused = pc.post("/support/suspend", &view, &[("email", &shopper.email), ("reason", "x"), ("hours", "24")]).await;
        assert_eq!(refused.status, 403, "{b:?}");
        assert!(account_of(&app, &shopper.email).await.twosv_suspended_until.is_none(), "{b:?}");
        app.shutdown().await;
    }
}

/// The text of the list with this id on a page.
fn section(page: &ninsho_testkit::pages::Page, id: &str) -> String {
    let start = page.html.find(&format!("id=\"{id}\"")).unwrap_or(page.html.len());
    let list = &page.html[start..];
    ninsho_testkit::pages::strip_tags(&list[..list.find("</ul>").unwrap_or(list.len())])
}

/// The entries of the staff log on a page, as text.
fn staff_log(page: &ninsho_testkit::pages::Page) -> String {
    section(page, "staff-log")
}

/// Every staff action is recorded per person: the admin reads everyone's log and one
/// member's, a removed member's included; a member reads their own and nobody else's.
#[tokio::test]
async fn f_sup_1_the_staff_log_shows_who_did_what() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let (agent, mut agent_pc, shopper) = at_the_console(&app, StaffRole::Agent).await;
        let (admin, mut admin_pc, _) = at_the_console(&app, StaffRole::Admin).await;
        let path = format!("/support?q={}", ninsho_server::web::ctx::urlencode(&shopper.email));
        let view = agent_pc.get(&path).await;
        let locked = agent_pc.post("/support/lock", &view, &[("email", &shopper.email), ("reason", "sign-ins from abroad"), ("hours", "24")]).await;
        assert_eq!(locked.status, 200, "{b:?}");
        admin_pc.get(&path).await;

        let all = admin_pc.get("/support/log").await;
        assert_eq!(all.status, 200, "{b:?}: {}", all.text());
        let text = staff_log(&all);
        assert!(text.contains("Locked or unlocked an account") && text.contains(&agent) && text.contains(&admin), "{b:?}: {text}");
        let one = admin_pc.get(&format!("/support/log?member={}", ninsho_server::web::ctx::urlencode(&agent))).await;
        let text = staff_log(&one);
        assert!(text.contains(&agent) && !text.contains(&admin), "{b:?}: {text}");

        let own = agent_pc.get(&format!("/support/log?member={}", ninsho_server::web::ctx::urlencode(&agent))).await;
        assert_eq!(own.status, 200, "{b:?}");
        assert!(staff_log(&own).contains(&shopper.email), "{b:?}: {}", own.html);
        assert_eq!(agent_pc.get("/support/log").await.status, 403, "{b:?}: not everyone's");
        assert_eq!(agent_pc.get(&format!("/support/log?member={}", ninsho_server::web::ctx::urlencode(&admin))).await.status, 403, "{b:?}: nor another's");
        // A member who left keeps their record.
        app.running.services.remove_staff(&agent, "ops-1").await.unwrap();
        let after = admin_pc.get("/support/log").await;
        assert!(staff_log(&after).contains(&agent), "{b:?}: the removed member's actions stay in the log");
        let one = admin_pc.get(&format!("/support/log?member={}", ninsho_server::web::ctx::urlencode(&agent))).await;
        assert!(staff_log(&one).contains("Locked or unlocked an account"), "{b:?}");
        // A shopper is not staff, and learns nothing of which addresses have accounts.
        let other = two_sv_account(&app).await;
        let mut shop = PageClient::new(&app.url);
        shop.cookies.insert("__Host-ninsho-session".into(), other.token.clone());
        for member in [other.email.as_str(), admin.as_str(), "nobody-here@example.com", "not an address"] {
            assert_eq!(shop.get(&format!("/support/log?member={}", ninsho_server::web::ctx::urlencode(member))).await.status, 403, "{b:?}: {member}");
        }
        app.shutdown().await;
    }
}

/// `n` tasks released at once by a barrier; their answers.
async fn together<T, F>(n: usize, task: impl Fn(usize) -> F) -> Vec<T>
where
    T: Send + 'static,
    F: std::future::Future<Output = T> + Send + 'static,
{
    let gate = std::sync::Arc::new(tokio::sync::Barrier::new(n));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        let (gate, work) = (gate.clone(), task(i));
        set.spawn(async move {
            gate.wait().await;
            work.await
        });
    }
    set.join_all().await
}

/// Released together, twenty decisions on one request make exactly one (the owner is
/// told once), and twenty pauses of one account's 2SV make exactly one.
#[tokio::test]
async fn f_sup_1_staff_actions_released_together_take_effect_once() {
    for b in backends().await {
        let app = spawn_app(b).await;
        let svc = &app.running.services;
        let (admin, pc, shopper) = at_the_console(&app, StaffRole::Admin).await;
        let a = svc.authenticate(&pc.cookies["__Host-ninsho-session"]).await.unwrap();
        let id = reset_requested(&app, &shopper.email, "passport.png", &passport_png()).await;
        let rid = ninsho_domain::types::ResetRequestId::parse(&id).unwrap();
        let decisions = together(20, |i| {
            let (svc, a) = (svc.clone(), a.clone());
            async move { svc.support_decide_reset(&a, rid, i % 2 == 0, "not the owner's face", &Default::default()).await }
        })
        .await;
        assert_eq!(decisions.iter().filter(|d| d.is_ok()).count(), 1, "{b:?}: {:?}", decisions.iter().filter_map(|d| d.as_ref().err()).map(|e| e.code()).collect::<Vec<_>>());
        assert!(decisions.iter().filter_map(|d| d.as_ref().err()).all(|e| e.code() == "recovery.already_decided"), "{b:?}");
        let decided = said(&app, &shopper.email, EventKind::ResetApproved).await.len() + said(&app, &shopper.email, EventKind::ResetRejected).await.len();
        assert_eq!(decided, 1, "{b:?}");
        assert_eq!(said(&app, &admin, EventKind::StaffActed).await.iter().filter(|d| d.starts_with("decide_resets ")).count(), 1, "{b:?}: one record in the member's log");

        let other = two_sv_account(&app).await;
        let pauses = together(20, |_| {
            let (svc, a, email) = (svc.clone(), a.clone(), other.email.clone());
            async move { svc.support_suspend(&a, &email, 24, "moving to a new phone", &Default::default()).await }
        })
        .await;
        assert_eq!(pauses.iter().filter(|p| p.is_ok()).count(), 1, "{b:?}");
        assert_eq!(said(&app, &other.email, EventKind::TwosvSuspended).await.len(), 1, "{b:?}");
        app.shutdown().await;
    }
}

/// A form posted to a console route, and the action it asks.
type FormPost<'a> = (String, Vec<(&'a str, &'a str)>, ninsho_domain::staff::StaffAction);

/// Each console route admits exactly the roles `StaffRole::permits` lets do its
/// action and refuses the others with 403; and no role acts on a staff account at the
/// console, not even an admin on their own.
#[tokio::test]
async fn f_sup_1_each_console_route_admits_exactly_the_roles_that_may() {
    use ninsho_domain::staff::StaffAction as A;
    for b in backends().await {
        let app = spawn_app(b).await;
        for role in StaffRole::ALL {
            let (me, mut pc, shopper) = at_the_console(&app, role).await;
            let id = reset_requested(&app, &shopper.email, "passport.png", &passport_png()).await;
            let email = shopper.email.as_str();
            let q = ninsho_server::web::ctx::urlencode(email);
            for (path, action) in [
                (format!("/support?q={q}"), A::ViewAccount),
                ("/support/resets".to_string(), A::ReviewResets),
                (format!("/support/resets/{id}"), A::ReviewResets),
                (format!("/support/resets/{id}/document"), A::ReviewResets),
                ("/support/log".to_string(), A::ReadStaffLog),
            ] {
                let status = pc.get_bytes(&path).await.0;
                assert_eq!(status, if role.permits(action) { 200 } else { 403 }, "{b:?}: {} GET {path}", role.as_str());
            }
            let page = pc.get("/support").await;
            let posts: [FormPost; 6] = [
                ("/support/release-limits".into(), vec![("email", email)], A::ReleaseLimits),
                ("/support/lock".into(), vec![("email", email), ("reason", "checking a sign-in"), ("hours", "1")], A::LockAccounts),
                ("/support/unlock".into(), vec![("email", email)], A::LockAccounts),
                ("/support/suspend".into(), vec![("email", email), ("reason", "new phone"), ("hours", "1")], A::SuspendTwoStep),
                ("/support/resume".into(), vec![("email", email)], A::SuspendTwoStep),
                (format!("/support/resets/{id}/decide"), vec![("decision", "reject"), ("reason", "unreadable")], A::DecideResets),
            ];
            for (path, fields, action) in posts {
                let r = pc.post(&path, &page, &fields).await;
                assert_eq!(r.status, if role.permits(action) { 200 } else { 403 }, "{b:?}: {} POST {path}: {}", role.as_str(), r.text());
            }
            let (account, now) = (account_of(&app, email).await, app.running.services.now());
            assert!(account.locked_at(now).is_none() && account.twosv_suspended_at(now).is_none(), "{b:?}: {}: every change was undone or refused", role.as_str());
            if role == StaffRole::Admin {
                // A staff account, here the admin's own: changed by the operator only.
                let own = reset_requested(&app, &me, "passport.png", &passport_png()).await;
                for (path, fields) in [
                    ("/support/lock".to_string(), vec![("email", me.as_str()), ("reason", "x"), ("hours", "1")]),
                    ("/support/suspend".to_string(), vec![("email", me.as_str()), ("reason", "x"), ("hours", "1")]),
                    ("/support/release-limits".to_string(), vec![("email", me.as_str())]),
                    (format!("/support/resets/{own}/decide"), vec![("decision", "approve"), ("reason", "it is me")]),
                ] {
                    let r = pc.post(&path, &page, &fields).await;
                    assert_eq!(r.status, 403, "{b:?}: {path}: {}", r.text());
                    assert!(r.text().contains("changed by the operator"), "{b:?}: {}", r.text());
                }
                assert_eq!(pc.get_bytes(&format!("/support/resets/{own}/document")).await.0, 403, "{b:?}: nor a staff member's document");
                let me_now = account_of(&app, &me).await;
                assert!(me_now.locked_until.is_none() && me_now.twosv_enabled_at.is_some(), "{b:?}");
            }
        }
        app.shutdown().await;
    }
}
