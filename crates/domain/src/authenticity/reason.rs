//! The findings a verdict rests on. Each kind is one variant, so adapters translate
//! them with exhaustive matches (or by their stable code) and a new finding cannot be
//! forgotten by the page or the API document.

use serde::{Serialize, Serializer};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReasonCode {
    /// The sender number, sender name or mail domain is not one of the shop's.
    SenderNotOfficial,
    /// A link leads somewhere that is not one of the shop's sites.
    LinkNotOfficial,
    LinkIpHost,
    /// `https://shop.example@evil.test/`: the part before `@` is only a user name.
    LinkUserinfo,
    LinkPunycode,
    LinkMixedScript,
    LinkShortener,
    LinkLookalike,
    /// A link that opens an app, a call, a text or a script instead of a web page.
    LinkScheme,
    TextAsksToShareCode,
    TextUrgency,
    TextWrongLanguage,
    /// The message center holds exactly this message.
    RecordMatch,
    /// It carries a code (or text) the shop sent, but says something the shop did not.
    RecordAltered,
    /// It carries a code the shop sent, but only part of the message.
    RecordIncomplete,
    RecordNone,
}

impl ReasonCode {
    pub const ALL: [ReasonCode; 16] = [
        ReasonCode::SenderNotOfficial,
        ReasonCode::LinkNotOfficial,
        ReasonCode::LinkIpHost,
        ReasonCode::LinkUserinfo,
        ReasonCode::LinkPunycode,
        ReasonCode::LinkMixedScript,
        ReasonCode::LinkShortener,
        ReasonCode::LinkLookalike,
        ReasonCode::LinkScheme,
        ReasonCode::TextAsksToShareCode,
        ReasonCode::TextUrgency,
        ReasonCode::TextWrongLanguage,
        ReasonCode::RecordMatch,
        ReasonCode::RecordAltered,
        ReasonCode::RecordIncomplete,
        ReasonCode::RecordNone,
    ];

    /// The stable dotted code clients match on.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::SenderNotOfficial => "sender.not_official",
            ReasonCode::LinkNotOfficial => "link.not_official",
            ReasonCode::LinkIpHost => "link.ip_host",
            ReasonCode::LinkUserinfo => "link.userinfo",
            ReasonCode::LinkPunycode => "link.punycode",
            ReasonCode::LinkMixedScript => "link.mixed_script",
            ReasonCode::LinkShortener => "link.shortener",
            ReasonCode::LinkLookalike => "link.lookalike",
            ReasonCode::LinkScheme => "link.scheme",
            ReasonCode::TextAsksToShareCode => "text.asks_to_share_code",
            ReasonCode::TextUrgency => "text.urgency",
            ReasonCode::TextWrongLanguage => "text.wrong_language",
            ReasonCode::RecordMatch => "record.match",
            ReasonCode::RecordAltered => "record.altered",
            ReasonCode::RecordIncomplete => "record.incomplete",
            ReasonCode::RecordNone => "record.none",
        }
    }

    /// A red flag makes the message suspicious whatever the message center says. An
    /// altered copy of a real message is one: it is how a code is phished by relay.
    pub fn is_red_flag(self) -> bool {
        !matches!(self, ReasonCode::RecordMatch | ReasonCode::RecordIncomplete | ReasonCode::RecordNone)
    }
}

impl Serialize for ReasonCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One finding with a plain-English detail (pages translate the code instead).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    pub code: ReasonCode,
    pub detail: String,
}

impl Reason {
    pub(crate) fn new(code: ReasonCode, detail: impl Into<String>) -> Self {
        Reason { code, detail: detail.into() }
    }

    pub fn is_red_flag(&self) -> bool {
        self.code.is_red_flag()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f_msg_3_reason_codes_are_unique_and_serialise_as_their_code() {
        let mut seen = std::collections::BTreeSet::new();
        for c in ReasonCode::ALL {
            assert!(seen.insert(c.as_str()), "{c:?}");
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        assert!(ReasonCode::RecordAltered.is_red_flag());
        assert!(!ReasonCode::RecordIncomplete.is_red_flag() && !ReasonCode::RecordMatch.is_red_flag());
    }
}
