//! The message center (F-MSG-2), sign-in alert setting (F-MSG-1) and "is this message
//! from us?" (F-MSG-3) for the signed-in owner.

use super::*;
use crate::authenticity::{self, Assessment, OfficialSenders, Received, RequestFacts, SentRecord};
use crate::messages::{Template, body_aad};

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
        self.messages_sent(a.account.id, limit).await
    }

    /// The messages sent to `account` as its owner and support read them: codes
    /// blanked, approve/deny links removed.
    pub(crate) async fn messages_sent(&self, account: AccountId, limit: i64) -> Result<Vec<MessageView>> {
        Ok(self
            .archive(account, limit)
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

    /// F-MSG-3: genuine (matches a message-center record word for word), suspicious,
    /// or unknown; a code message is tied to the request it was sent for.
    pub async fn check_message(&self, a: &Authed, input: MessageCheck, official: &OfficialSenders) -> Result<Assessment> {
        let received = Received { channel: input.channel, sender: input.sender, text: input.text, links: input.links, received_at: input.received_at };
        authenticity::validate(&received)?;
        let records: Vec<SentRecord> = self
            .archive(a.account.id, 200)
            .await?
            .into_iter()
            .filter_map(|(m, text)| {
                Some(SentRecord { channel: m.channel, kind: Template::parse(&m.template)?, body: text?, sent_at: m.sent_at.unwrap_or(m.created_at), challenge: m.challenge, delivery: m.delivery })
            })
            .collect();
        let assessment = authenticity::check(&received, official, &records, a.account.locale);
        if let Some(id) = assessment.message.as_ref().and_then(|m| m.delivery) {
            let Some(d) = self.store.delivery(crate::ports::DeliveryKey::Id(id)).await?.filter(|d| d.account_id == a.account.id) else { return Ok(assessment) };
            // A message sent before codes moved onto deliveries has its challenge's link.
            let link = match d.code.as_ref().and_then(|c| c.hashed_with) {
                Some(old) => self.deny_link(ChallengeId(old)),
                None => self.delivery_deny_link(id),
            };
            let deny_url = self.pasted_link(link, &received);
            return Ok(assessment.with_request(RequestFacts::of_delivery(&d, self.now(), self.policy.deliveries.max_attempts, deny_url)));
        }
        let Some(id) = assessment.message.as_ref().and_then(|m| m.challenge) else { return Ok(assessment) };
        // The record is this account's, so is its challenge; checked all the same, as
        // a request of another account must never be described here.
        let Some(challenge) = self.store.challenge(id).await?.filter(|c| c.account_id == a.account.id) else { return Ok(assessment) };
        let deny_url = self.pasted_link(self.deny_link(id), &received);
        Ok(assessment.with_request(RequestFacts::of(&challenge, self.now(), self.policy.codes.max_attempts_per_challenge, deny_url)))
    }

    /// The request's deny `link`, if the paste carried it. A session alone must not
    /// yield a deny link (see `message_center`); handing back the one the user pasted
    /// gives away nothing. Compared in constant time: it is a signed secret.
    fn pasted_link(&self, link: String, received: &Received) -> Option<String> {
        let token = link.rsplit('/').next()?;
        let words = received.text.split(|c: char| c.is_whitespace() || !c.is_ascii()).chain(received.links.iter().map(String::as_str));
        let pasted = words.filter_map(|w| w.rsplit_once("/deny/").map(|(_, t)| t.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '"', '\'']))).fold(false, |found, t| {
            found | crate::crypto::ct_eq(t.as_bytes(), token.as_bytes())
        });
        pasted.then_some(link)
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
