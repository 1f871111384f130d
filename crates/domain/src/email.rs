//! E-mail addresses: the account ID (F-ACC-1) and a delivery channel. Validation is
//! deliberately plain: a dot-atom local part and a domain of at least two labels.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

const LOCAL_SPECIALS: &str = "!#$%&'*+/=?^_`{|}~-.";

impl Email {
    /// Trims and lower-cases: one mailbox, one account.
    pub fn parse(input: &str) -> Result<Self> {
        let bad = |msg: &str| Error::invalid("email.invalid", "email", msg);
        let s = input.trim().to_lowercase();
        if s.is_empty() || s.len() > 254 {
            return Err(bad("enter an e-mail address of at most 254 characters"));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(bad("an e-mail address needs an @"));
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(c) || (!c.is_ascii() && c.is_alphanumeric()));
        if !local_ok {
            return Err(bad("the part before the @ is not valid"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !domain_ok {
            return Err(bad("the part after the @ is not a valid domain"));
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn from_stored(s: String) -> Self {
        Email(s)
    }
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map(|(l, _)| l).unwrap_or(&self.0)
    }
    /// `t•••@example.com`.
    pub fn masked(&self) -> String {
        match self.0.rsplit_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}•••@{domain}")
            }
            None => "•••".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn f_acc_1_email_is_normalised() {
        assert_eq!(Email::parse("  Taro.Yamada@Example.COM ").unwrap().as_str(), "taro.yamada@example.com");
        assert_eq!(Email::parse("a+tag@shop.example").unwrap().masked(), "a•••@shop.example");
    }

    #[test]
    fn f_acc_1_bad_addresses_are_clear_errors() {
        for bad in ["", "a", "a@", "@b.c", "a@b", "a..b@c.d", ".a@b.c", "a@-b.c", "a b@c.d", "a@b..c", "a@b.c\n"] {
            let e = Email::parse(bad);
            if bad == "a@b.c\n" {
                // Trailing whitespace is trimmed; that one is fine.
                assert!(e.is_ok());
                continue;
            }
            assert_eq!(e.unwrap_err().code(), "email.invalid", "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn f_acc_1_email_parser_never_panics(s in "\\PC{0,80}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert!(e.as_str().contains('@'));
                prop_assert_eq!(Email::parse(e.as_str()).unwrap(), e.clone());
            }
        }
    }
}
