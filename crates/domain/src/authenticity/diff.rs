//! Compares a pasted message with the message-center record it carries the code of,
//! word by word: what the paste adds and what it leaves out. A phisher who relays a
//! real code changes the words around it ("reply with this code"), so a real code alone
//! is not enough to call a message genuine; the difference is what the user is shown.
//!
//! Words are whitespace-separated after the same folding `record` uses; Japanese and
//! Chinese, written without spaces, are cut after each sentence (`。！？`) instead.

use serde::Serialize;

/// The parts of a paste that differ from the record, in reading order. Links of the
/// record are shown as `[link]`: a session alone must never yield a deny or approve
/// link (the message center withholds them the same way).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// Runs of words the paste has and the shop's message has not.
    pub added: Vec<String>,
    /// Runs of words the shop's message has and the paste has not.
    pub missing: Vec<String>,
}

impl Difference {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.missing.is_empty()
    }

    /// How far apart the two texts are, to pick the closest of several records.
    pub(super) fn size(&self) -> usize {
        self.added.iter().chain(&self.missing).map(|run| run.chars().count()).sum()
    }
}

/// At most this many runs of each side, each at most `MAX_RUN_CHARS`: a 10 000
/// character paste must not come back whole.
const MAX_RUNS: usize = 4;
const MAX_RUN_CHARS: usize = 160;

/// A common stretch this short between two changes is shown as changed too: "reply
/// with the code" should not come back as "reply" and "the code" because the shop's
/// message also says "with".
const MIN_COMMON_WORDS: usize = 3;

pub(super) fn compare(pasted: &str, sent: &str) -> Difference {
    let a = words(pasted);
    let b = words(sent);
    let mut ops = align(&a, &b);
    absorb_short_common(&mut ops);
    let (mut added, mut missing) = (Vec::new(), Vec::new());
    for group in ops.split(Op::is_same).filter(|g| !g.is_empty()) {
        let run = |pick: fn(&Op) -> Option<usize>, words: &[Word]| -> Vec<String> { group.iter().filter_map(pick).filter_map(|i| words.get(i)).map(|w| w.shown.clone()).collect() };
        let (plus, minus) = (run(Op::added, &a), run(Op::missing, &b));
        if !plus.is_empty() {
            added.push(plus.join(" "));
        }
        if !minus.is_empty() {
            missing.push(redact_links(&minus.join(" ")));
        }
    }
    Difference { added: shorten(added), missing: shorten(missing) }
}

/// A word as written (shown) and as compared (fullwidth folded).
struct Word {
    shown: String,
    key: String,
}

fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut push = |piece: &str| out.push(Word { shown: piece.to_string(), key: super::record::normalise(piece) });
    for word in text.split_whitespace() {
        let mut start = 0;
        for (i, c) in word.char_indices() {
            if matches!(c, '。' | '！' | '？') {
                let end = i + c.len_utf8();
                push(word.get(start..end).unwrap_or_default());
                start = end;
            }
        }
        if start < word.len() {
            push(word.get(start..).unwrap_or_default());
        }
    }
    out
}

#[derive(Clone, Copy, Debug)]
enum Op {
    /// Paste word `i` is record word `j`.
    Same(usize, usize),
    /// Paste word `i` is not in the record.
    Add(usize),
    /// Record word `j` is not in the paste.
    Miss(usize),
    /// A short common stretch shown as changed on both sides.
    Both(usize, usize),
}

impl Op {
    fn is_same(&self) -> bool {
        matches!(self, Op::Same(..))
    }
    fn added(&self) -> Option<usize> {
        match *self {
            Op::Add(i) | Op::Both(i, _) => Some(i),
            Op::Same(..) | Op::Miss(_) => None,
        }
    }
    fn missing(&self) -> Option<usize> {
        match *self {
            Op::Miss(j) | Op::Both(_, j) => Some(j),
            Op::Same(..) | Op::Add(_) => None,
        }
    }
}

/// Paste and record aligned on a longest common subsequence of words. Quadratic, but
/// a paste is at most 10 000 characters and a record a few hundred words.
fn align(a: &[Word], b: &[Word]) -> Vec<Op> {
    let width = b.len() + 1;
    let mut lcs = vec![0u32; (a.len() + 1) * width];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i * width + j] = if a[i].key == b[j].key { lcs[(i + 1) * width + j + 1] + 1 } else { lcs[(i + 1) * width + j].max(lcs[i * width + j + 1]) };
        }
    }
    let mut ops = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i].key == b[j].key {
            ops.push(Op::Same(i, j));
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i * width + j + 1] >= lcs[(i + 1) * width + j]) {
            ops.push(Op::Miss(j));
            j += 1;
        } else {
            ops.push(Op::Add(i));
            i += 1;
        }
    }
    ops
}

/// Common stretches shorter than `MIN_COMMON_WORDS` with changes on both sides become
/// part of the change.
fn absorb_short_common(ops: &mut [Op]) {
    let mut k = 0;
    while k < ops.len() {
        let len = ops.get(k..).map_or(0, |rest| rest.iter().take_while(|op| op.is_same()).count());
        if len == 0 {
            k += 1;
            continue;
        }
        let between_changes = k > 0 && k + len < ops.len();
        if between_changes && len < MIN_COMMON_WORDS {
            for op in ops.iter_mut().skip(k).take(len) {
                if let Op::Same(i, j) = *op {
                    *op = Op::Both(i, j);
                }
            }
        }
        k += len;
    }
}

fn shorten(runs: Vec<String>) -> Vec<String> {
    runs.into_iter()
        .take(MAX_RUNS)
        .map(|run| if run.chars().count() > MAX_RUN_CHARS { format!("{}…", run.chars().take(MAX_RUN_CHARS).collect::<String>()) } else { run })
        .collect()
}

/// `拒否：https://shop.example/deny/…` → `拒否：[link]`: the link and whatever follows it
/// in the word go, the words before it stay.
fn redact_links(run: &str) -> String {
    run.split(' ')
        .map(|word| match word.find("/deny/").or_else(|| word.find("/approve/")) {
            Some(at) => {
                let head = word.get(..at).unwrap_or_default();
                let start = head.to_ascii_lowercase().rfind("http").unwrap_or(head.len());
                format!("{}[link]", head.get(..start).unwrap_or_default())
            }
            None => word.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::GENUINE_EN;
    use super::*;

    #[test]
    fn f_msg_3_the_same_text_has_no_difference() {
        assert!(compare(&GENUINE_EN.replace(' ', "\n "), GENUINE_EN).is_empty());
    }

    #[test]
    fn f_msg_3_a_relayed_code_shows_what_was_added_and_left_out() {
        let d = compare("Shop: 123456 sign-in code. To cancel this request, reply with this code.", GENUINE_EN);
        assert_eq!(d.added, vec!["To cancel this request, reply with this code."]);
        assert_eq!(d.missing, vec!["Don't share it with anyone. Didn't request this? Deny: [link] @shop.example #123456"]);
    }

    #[test]
    fn f_msg_3_japanese_is_compared_by_sentence() {
        let sent = "Shop：123456 はサインイン用のコードです。誰にも教えないでください。心当たりがない場合は拒否：https://shop.example/deny/abc";
        let d = compare("Shop：123456 はサインイン用のコードです。本人確認のため、このコードを返信してください。", sent);
        assert_eq!(d.added, vec!["本人確認のため、このコードを返信してください。"]);
        assert_eq!(d.missing, vec!["誰にも教えないでください。 心当たりがない場合は拒否：[link]"]);
    }

    #[test]
    fn f_msg_3_a_long_paste_comes_back_shortened() {
        let noise: String = (0..40).map(|i| format!("word{i} ")).collect::<String>().repeat(20);
        let d = compare(&format!("{GENUINE_EN} {noise}"), GENUINE_EN);
        assert_eq!(d.added.len(), 1);
        assert!(d.added[0].chars().count() <= MAX_RUN_CHARS + 1 && d.added[0].ends_with('…'));
        assert!(d.missing.is_empty());
    }
}
