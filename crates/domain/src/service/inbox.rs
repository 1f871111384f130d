//! The message center (F-MSG-2), sign-in alert setting (F-MSG-1) and "is this message
//! from us?" (F-MSG-3) for the signed-in owner.

use super::*;
use crate::authenticity::{self, Assessment, OfficialSenders, Received, SentRecord};
use crate::messages::body_aad;

#[derive(Clone, Debug, serde::Serialize)]
pub struct MessageView {
    pub id: MessageId,
    pub channel: Channel,
    /// Masked phone number or e-mail address.
    pub to: String,
    /// The template id: sign-in-code, password-changed, …
    pub kind: String,
    pub created_at: UnixMillis,
    pub sent_at: Option<UnixMillis>,
    pub status: String,
    /// The text as sent, with codes blanked and approve/deny links removed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

pub struct MessageCheck {
    pub channel: Channel,
    pub sender: String,
    pub text: String,
    pub links: Vec<String>,
    pub received_at: Option<UnixMillis>,
}

impl<S: Store> Services<S> {
    async fn archive(&self, account: AccountId, limit: i64) -> Result<Vec<(crate::ports::ArchivedMessage, Option<String>)>> {
        let msgs = self.store.messages(account, limit.clamp(1, 500)).await?;
        let mut out = Vec::with_capacity(msgs.len());
        for m in msgs {
            let text = match &m.body {
                Some(b) => Some(String::from_utf8_lossy(&self.keys.open(&body_aad(m.id), b)?).into_owned()),
                None => None,
            };
            out.push((m, text));
        }
        Ok(out)
    }

    /// Every message sent to the owner, newest first.
    pub async fn message_center(&self, a: &Authed, limit: i64) -> Result<Vec<MessageView>> {
        Ok(self
            .archive(a.account.id, limit)
            .await?
            .into_iter()
            .map(|(m, text)| {
                let carries_code = crate::messages::Template::parse(&m.template).is_some_and(|t| t.carries_code());
                // The archive keeps the wording, never a secret: a session alone (stolen,
                // or trusted-browser) must not yield a code or an approve/deny link.
                let text = text.map(|t| redact_links(&if carries_code { blank_digits(&t) } else { t }));
                MessageView {
                    id: m.id,
                    channel: m.channel,
                    to: Self::masked(m.channel, &m.destination),
                    kind: m.template,
                    created_at: m.created_at,
                    sent_at: m.sent_at,
                    status: m.status,
                    text,
                }
            })
            .collect())
    }

    pub async fn set_signin_alerts(&self, a: &Authed, on: bool, client: &ClientInfo) -> Result<()> {
        self.commit(vec![Write::SetSigninAlerts { account: a.account.id, on }, self.event(Some(a.account.id), EventKind::SigninAlertsChanged, client, if on { "on" } else { "off" })]).await
    }

    /// F-MSG-3: genuine (matches a message-center record), suspicious, or unknown.
    pub async fn check_message(&self, a: &Authed, input: MessageCheck, official: &OfficialSenders) -> Result<Assessment> {
        // Characters, as the OpenAPI document's maxLength counts them.
        if input.text.chars().count() > 10_000 || input.sender.chars().count() > 320 || input.links.len() > 50 {
            return Err(Error::invalid("message.too_long", "text", "paste at most 10 000 characters and 50 links"));
        }
        let records: Vec<SentRecord> = self
            .archive(a.account.id, 200)
            .await?
            .into_iter()
            .filter_map(|(m, text)| Some(SentRecord { channel: m.channel, body: text?, sent_at: m.sent_at.unwrap_or(m.created_at) }))
            .collect();
        let received = Received { channel: input.channel, sender: input.sender, text: input.text, links: input.links, received_at: input.received_at };
        Ok(authenticity::check(&received, official, &records, a.account.locale))
    }
}

fn redact_links(s: &str) -> String {
    s.split_inclusive(char::is_whitespace)
        .map(|w| if w.contains("/approve/") || w.contains("/deny/") { w.replace(w.trim(), "[link]") } else { w.to_string() })
        .collect()
}

fn blank_digits(s: &str) -> String {
    s.chars().map(|c| if c.is_ascii_digit() { '•' } else { c }).collect()
}
