//! Channel providers, one per channel, chosen by configuration: the development inbox
//! (default), SMTP for e-mail, a Kannel gateway for SMS, HTTP webhooks for commercial
//! SMS and voice gateways.
//!
//! A provider only transports text; rendering happened before. Errors are strings for
//! the outbox's `last_error` and must never contain the message body (it may hold a
//! code).

pub mod dev_inbox;
pub mod kannel;
pub mod smtp;
pub mod webhook;

use ninsho_domain::ports::{OutboxMessage, OutboxStore};
use ninsho_domain::types::{Channel, UnixMillis};

use crate::render::Rendered;

#[derive(Clone, Debug)]
pub enum Provider {
    DevInbox,
    Smtp(smtp::SmtpProvider),
    Kannel(kannel::KannelProvider),
    Webhook(webhook::WebhookProvider),
}

impl Provider {
    pub fn name(&self) -> &'static str {
        match self {
            Provider::DevInbox => "dev-inbox",
            Provider::Smtp(_) => "smtp",
            Provider::Kannel(_) => "kannel",
            Provider::Webhook(_) => "webhook",
        }
    }

    /// Sends one message. The message id doubles as the idempotency key, so a retry
    /// after a crash between send and `mark_sent` is recognisable downstream.
    pub async fn send<S: OutboxStore>(&self, store: &S, m: &OutboxMessage, r: &Rendered, now: UnixMillis) -> Result<(), String> {
        match self {
            Provider::DevInbox => dev_inbox::send(store, m, r, now).await,
            Provider::Smtp(p) => p.send(m, r).await,
            Provider::Kannel(p) => p.send(m, r).await,
            Provider::Webhook(p) => p.send(m, r).await,
        }
    }
}

/// Replaces every run of at least `min` digits with `mark`: a peer quoting a message
/// back in an error must not put a code into the outbox's `last_error` or a log.
pub(crate) fn redact_digit_runs(s: &str, min: usize, mark: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let flush = |out: &mut String, run: &mut String| {
        if run.len() >= min {
            out.push_str(mark);
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in s.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut out, &mut run);
            out.push(c);
        }
    }
    flush(&mut out, &mut run);
    out
}

/// Which provider serves which channel.
#[derive(Clone, Debug)]
pub struct Providers {
    pub email: Provider,
    pub sms: Provider,
    pub voice: Provider,
    /// With the dev inbox, voice scripts are also spoken into WAV files here (when
    /// `espeak-ng` is installed), so a developer can listen to a call.
    pub dev_voice_dir: Option<std::path::PathBuf>,
}

impl Providers {
    /// Everything to the development inbox.
    pub fn dev() -> Self {
        Providers { email: Provider::DevInbox, sms: Provider::DevInbox, voice: Provider::DevInbox, dev_voice_dir: None }
    }

    /// Sends through the channel's provider.
    pub async fn send<S: OutboxStore>(&self, store: &S, m: &OutboxMessage, r: &Rendered, now: UnixMillis) -> Result<(), String> {
        let p = self.for_channel(m.channel);
        p.send(store, m, r, now).await?;
        if m.channel == Channel::Voice
            && matches!(p, Provider::DevInbox)
            && let Some(dir) = &self.dev_voice_dir
        {
            // A missing speech synthesiser is not a failed send.
            if let Err(e) = dev_inbox::speak(dir, m, &r.body).await {
                tracing::debug!(error = %e, "dev inbox: no WAV for this call");
            }
        }
        Ok(())
    }

    pub fn for_channel(&self, c: Channel) -> &Provider {
        match c {
            Channel::Email => &self.email,
            Channel::Sms => &self.sms,
            Channel::Voice => &self.voice,
        }
    }

    /// The development inbox is readable only while some channel uses it.
    pub fn uses_dev_inbox(&self) -> bool {
        [&self.email, &self.sms, &self.voice].iter().any(|p| matches!(p, Provider::DevInbox))
    }
}
