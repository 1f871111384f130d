//! Locked out (F-OFF-3/4): with e-mail and password only, a user asks for 2SV to be
//! reset and uploads an identity document; support reviews it and approves (2SV off,
//! the password alone signs in) or rejects with a reason. The document is sealed at
//! rest and deleted with the decision. Every step notifies every address on file in
//! the same transaction (SECURITY.md).

use secrecy::{ExposeSecret, SecretString};

use super::*;
use crate::messages::Template;
use crate::ports::ResetRequest;

/// The identity documents support accepts (seed 002).
pub const DOC_TYPES: [&str; 6] = ["drivers_licence", "passport", "pension_book", "residence_card", "health_insurance_card", "utility_receipt"];

/// At most this many bytes of document.
pub const MAX_DOCUMENT_BYTES: usize = 8 * 1024 * 1024;

pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ResetRequested {
    pub request_id: ResetRequestId,
    pub status: &'static str,
}

/// The reference a shopper quotes to support: the random end of the request's id (a
/// v7 id begins with its time), in groups of four. Support's list shows whole ids,
/// which end with it.
pub fn reference(id: ResetRequestId) -> String {
    let hex = id.0.simple().to_string().to_uppercase();
    let tail = &hex[hex.len() - 12..];
    format!("{}-{}-{}", &tail[..4], &tail[4..8], &tail[8..])
}

/// DOC, DOCX, JPG/JPEG, PDF or PNG, told by the bytes, and the name must agree: a
/// renamed executable is not a PDF.
pub fn document_kind(file_name: &str, bytes: &[u8]) -> Result<&'static str> {
    let bad = || Error::invalid("recovery.document_type", "document", "upload a DOC, DOCX, JPG, JPEG, PDF or PNG file");
    let ext = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).ok_or_else(bad)?;
    let kind = if bytes.starts_with(b"%PDF-") {
        "pdf"
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "jpeg"
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) && contains(bytes, &utf16("WordDocument")) {
        "doc"
    } else if bytes.starts_with(b"PK\x03\x04") && contains(bytes, b"[Content_Types].xml") && contains(bytes, b"word/document.xml") {
        // A reviewer opens this file: a document with macros is refused.
        if contains(bytes, b"vbaProject.bin") {
            return Err(bad());
        }
        "docx"
    } else {
        return Err(bad());
    };
    let agrees = match kind {
        "jpeg" => ext == "jpg" || ext == "jpeg",
        k => ext == k,
    };
    if agrees { Ok(kind) } else { Err(bad()) }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The name of an OLE stream as stored: UTF-16LE.
fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Support's actions are recorded under the reviewer's name, not a browser.
pub(crate) fn support(reviewer: &str) -> ClientInfo {
    ClientInfo { ip: None, user_agent: Some(format!("support: {}", reviewer.trim())), device_name: None }
}

fn document_aad(id: ResetRequestId) -> String {
    format!("reset_requests|{id}|document")
}

/// How the person asking shows the account is theirs.
pub enum Proof<'a> {
    /// E-mail address and password (the way F-OFF-3 is reached from a sign-in).
    Password { email: &'a str, password: SecretString },
    /// The link of a forgotten-password reset (F-ACC-5): it proves the address, and the
    /// password is what was forgotten. Used up by the request.
    ResetLink(&'a str),
}

impl<S: Store> Services<S> {
    /// F-OFF-3: the reset request page's use case. Wrong credentials answer like a
    /// wrong sign-in (no enumeration).
    pub async fn request_reset(&self, proof: Proof<'_>, doc_type: &str, upload: Upload, client: &ClientInfo) -> Result<ResetRequested> {
        // Empty fields are named, in the form's order, before anything is checked.
        if let Proof::Password { email, password } = &proof {
            if email.trim().is_empty() {
                return Err(Error::invalid("recovery.email_required", "email", "enter the e-mail address of the account"));
            }
            if password.expose_secret().is_empty() {
                return Err(Error::invalid("recovery.password_required", "password", "enter the password of the account"));
            }
        }
        if upload.bytes.is_empty() && upload.file_name.is_empty() {
            return Err(Error::invalid("recovery.document_missing", "document", "choose the file of your identity document"));
        }
        if !DOC_TYPES.contains(&doc_type) {
            return Err(Error::invalid("recovery.document_kind", "doc_type", "choose the kind of identity document"));
        }
        if upload.bytes.is_empty() || upload.bytes.len() > MAX_DOCUMENT_BYTES {
            return Err(Error::invalid("recovery.document_size", "document", "the document must be a file of at most 8 MB"));
        }
        let kind = document_kind(&upload.file_name, &upload.bytes)?;
        let charges = self.reset_charges(client);
        if let Err(i) = self.commit_guarded(charges.writes(self.now())).await? {
            return Err(self.limited(&charges, i).await?);
        }
        let (account, link_used) = match proof {
            Proof::Password { email, password } => (self.check_password(email, &password, client, None).await?.ok_or(Error::InvalidCredentials)?.0.account, None),
            Proof::ResetLink(token) => {
                let (account, consume) = self.reset_link_account(token).await?;
                (account, Some(consume))
            }
        };
        if account.twosv_enabled_at.is_none() {
            return Err(Error::conflict("recovery.not_needed", "two-step verification is off: sign in with your password"));
        }
        let now = self.now();
        let id = ResetRequestId::new();
        let sealed = self.keys.seal(&document_aad(id), &upload.bytes)?;
        let factors = self.store.factors(account.id).await?;
        let mut writes = vec![Write::InsertResetRequest(ResetRequest {
            id,
            account_id: account.id,
            created_at: now,
            status: "pending".into(),
            doc_type: doc_type.to_string(),
            doc_kind: kind.to_string(),
            doc_bytes: upload.bytes.len() as i64,
            document: Some(sealed),
            decided_at: None,
            reason: None,
            reviewer: None,
            ip: client.ip.clone(),
        })];
        // The owner may not be the one asking: the notice's link cancels the request.
        let cancel = self.url_of(super::links::LinkKind::CancelResetRequest, id.0);
        writes.extend(self.notify_all_to(&account, &factors, Template::ResetReceived, None, cancel)?);
        writes.push(self.event(Some(account.id), EventKind::ResetRequested, client, doc_type));
        let link_at = link_used.is_some().then_some(writes.len());
        writes.extend(link_used);
        match self.store.commit(writes).await {
            Ok(()) => {
                self.outbox_signal.notify_waiters();
                Ok(ResetRequested { request_id: id, status: "pending" })
            }
            Err(crate::ports::CommitError::Unique) => Err(Error::conflict("recovery.already_pending", "a request is already being reviewed; we will e-mail you")),
            Err(crate::ports::CommitError::Store(e)) => Err(e),
            // The link was used (or cancelled) at the same moment.
            Err(crate::ports::CommitError::Guard(i)) if Some(i) == link_at => Err(Error::ChallengeClosed),
            Err(crate::ports::CommitError::Guard(_)) => Err(Error::conflict("conflict", "this was changed at the same time; try again")),
        }
    }

    /// F-OFF-3: the owner cancels a pending request by the link in its notice (they did
    /// not ask for it, or no longer need it): the document is deleted with it, and
    /// every address on file is told nothing new — the notice they got said so.
    pub async fn cancel_reset_request(&self, token: &str, client: &ClientInfo) -> Result<()> {
        let bad = || Error::invalid("recovery.invalid_link", "token", "this link is not valid");
        let id = ResetRequestId(self.link_id(super::links::LinkKind::CancelResetRequest, token).ok_or_else(bad)?);
        let r = self.store.reset_request(id).await?.ok_or_else(bad)?;
        if r.status != "pending" {
            return Err(Error::conflict("recovery.already_decided", "this request was already decided or cancelled"));
        }
        let now = self.now();
        let writes = vec![
            Write::DecideResetRequest { id, status: "cancelled".into(), reason: "cancelled by the account's owner".into(), reviewer: "owner".into(), now },
            self.event(Some(r.account_id), EventKind::ResetCancelled, client, ""),
        ];
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(()),
            // Support decided at the same moment.
            Err(_) => Err(Error::conflict("recovery.already_decided", "this request was already decided or cancelled")),
        }
    }

    /// F-OFF-4: support's queue (documents not loaded), each request with the
    /// account's address.
    pub async fn reset_queue(&self, status: Option<&str>, limit: i64) -> Result<Vec<(ResetRequest, String)>> {
        let mut out = Vec::new();
        for r in self.store.reset_requests(status, limit.clamp(1, 1000)).await? {
            let email = self.store.account(r.account_id).await?.map(|a| a.email.as_str().to_string()).unwrap_or_default();
            out.push((r, email));
        }
        Ok(out)
    }

    /// The document of a pending request, for the reviewer's eyes only; who looked is
    /// recorded.
    pub async fn reset_document(&self, id: ResetRequestId, reviewer: &str) -> Result<(ResetRequest, zeroize::Zeroizing<Vec<u8>>)> {
        self.reset_document_with(id, reviewer, |_| Vec::new()).await
    }

    /// The document, with `also(request)` committed with the record of the look.
    pub(crate) async fn reset_document_with(&self, id: ResetRequestId, reviewer: &str, also: impl FnOnce(&ResetRequest) -> Vec<Write>) -> Result<(ResetRequest, zeroize::Zeroizing<Vec<u8>>)> {
        if reviewer.trim().is_empty() || reviewer.len() > 100 {
            return Err(Error::invalid("recovery.reason_too_long", "reviewer", "name the reviewer"));
        }
        let r = self.store.reset_request(id).await?.ok_or(Error::NotFound)?;
        let sealed = r.document.as_deref().ok_or_else(|| Error::conflict("recovery.already_decided", "the document was deleted with the decision"))?;
        let doc = self.keys.open(&document_aad(id), sealed)?;
        let mut writes = vec![self.event(Some(r.account_id), EventKind::ResetDocumentViewed, &support(reviewer), "")];
        writes.extend(also(&r));
        self.commit(writes).await?;
        Ok((r, doc))
    }

    /// F-OFF-4: approve (2SV off, methods kept for turning it on again, every session
    /// and trusted browser revoked) or reject with a reason. Exactly one decision wins.
    pub async fn decide_reset(&self, id: ResetRequestId, approve: bool, reason: &str, reviewer: &str) -> Result<ResetRequest> {
        self.decide_reset_with(id, approve, reason, reviewer, |_| Vec::new()).await
    }

    pub(crate) async fn decide_reset_with(&self, id: ResetRequestId, approve: bool, reason: &str, reviewer: &str, also: impl FnOnce(&Account) -> Vec<Write>) -> Result<ResetRequest> {
        let reason = reason.trim();
        if !approve && reason.is_empty() {
            return Err(Error::invalid("recovery.reason_required", "reason", "say why the request is rejected"));
        }
        if reason.len() > 500 || reviewer.trim().is_empty() || reviewer.len() > 100 {
            return Err(Error::invalid("recovery.reason_too_long", "reason", "a reason has at most 500 characters, and a reviewer is named"));
        }
        let r = self.store.reset_request(id).await?.ok_or(Error::NotFound)?;
        if r.status != "pending" {
            return Err(Error::conflict("recovery.already_decided", "this request was already decided"));
        }
        let account = self.store.account(r.account_id).await?.ok_or(Error::NotFound)?;
        let factors = self.store.factors(account.id).await?;
        let now = self.now();
        let status = if approve { "approved" } else { "rejected" };
        let mut writes = vec![Write::DecideResetRequest { id, status: status.into(), reason: reason.to_string(), reviewer: reviewer.trim().to_string(), now }];
        if approve {
            writes.push(Write::SetTwoSv { account: account.id, enabled_at: None });
            writes.extend(self.credential_change_writes(&account, now));
            writes.push(Write::RevokeSessionsOf { account: account.id, except: None, now });
            writes.extend(self.notify_all(&account, &factors, Template::ResetApproved, None)?);
        } else {
            writes.extend(self.notify_all(&account, &factors, Template::ResetRejected, Some(&crate::messages::Detail::Reason(reason.to_string())))?);
        }
        writes.push(self.event(Some(account.id), if approve { EventKind::ResetApproved } else { EventKind::ResetRejected }, &support(reviewer), ""));
        writes.extend(also(&account));
        match self.commit_guarded(writes).await? {
            Ok(()) => Ok(ResetRequest {
                status: status.into(),
                decided_at: Some(now),
                reason: Some(reason.to_string()),
                reviewer: Some(reviewer.trim().to_string()),
                document: None,
                ..r
            }),
            Err(_) => Err(Error::conflict("recovery.already_decided", "this request was already decided")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_off_3_documents_are_told_by_their_bytes_and_the_name_must_agree() {
        assert_eq!(document_kind("id.pdf", b"%PDF-1.7 ...").unwrap(), "pdf");
        assert_eq!(document_kind("ID.JPG", &[0xFF, 0xD8, 0xFF, 0xE0]).unwrap(), "jpeg");
        assert_eq!(document_kind("scan.jpeg", &[0xFF, 0xD8, 0xFF, 0xDB]).unwrap(), "jpeg");
        assert_eq!(document_kind("card.png", b"\x89PNG\r\n\x1a\n....").unwrap(), "png");
        let mut doc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0];
        doc.extend(utf16("WordDocument"));
        assert_eq!(document_kind("old.doc", &doc).unwrap(), "doc");
        assert_eq!(document_kind("new.docx", b"PK\x03\x04..[Content_Types].xml..word/document.xml").unwrap(), "docx");
        for (name, bytes) in [
            ("evil.pdf", b"MZ\x90\x00".as_slice()),
            ("renamed.png", b"%PDF-1.4".as_slice()),
            ("archive.docx", b"PK\x03\x04 nothing of word".as_slice()),
            ("macros.docx", b"PK\x03\x04[Content_Types].xml word/document.xml word/vbaProject.bin".as_slice()),
            ("sheet.doc", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 Workbook".as_slice()),
            ("noext", b"%PDF-1.4".as_slice()),
            ("page.html", b"<html>".as_slice()),
        ] {
            let e = document_kind(name, bytes).unwrap_err();
            assert_eq!(e.code(), "recovery.document_type", "{name}");
        }
    }
}
