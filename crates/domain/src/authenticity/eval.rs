//! Measures the checker on the labelled corpus in `tests/data/authenticity_corpus.json`
//! (genuine shop messages and realistic phishing, in en, ja, zh and fr, by SMS and
//! e-mail). "Suspicious" is the positive class for fraud. Test-only.

use super::*;
use serde::Deserialize;
use std::collections::BTreeSet;

const CORPUS: &str = include_str!("../../tests/data/authenticity_corpus.json");

#[derive(Deserialize)]
struct Corpus {
    items: Vec<Item>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    id: String,
    channel: String,
    sender: String,
    text: String,
    #[serde(default)]
    links: Vec<String>,
    label: Label,
    locale: String,
    #[serde(default)]
    record: Option<RecordSpec>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Label {
    Genuine,
    Fraud,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordSpec {
    body: String,
    sent_offset_secs: i64,
}

fn corpus() -> Vec<Item> {
    serde_json::from_str::<Corpus>(CORPUS).unwrap().items
}

fn assess(item: &Item) -> Assessment {
    let now = fixtures::NOW;
    let channel = Channel::parse(&item.channel).unwrap();
    let received = Received { channel, sender: item.sender.clone(), text: item.text.clone(), links: item.links.clone(), received_at: Some(now) };
    let records: Vec<SentRecord> =
        item.record.iter().map(|r| SentRecord { channel, kind: Template::SignInCode, body: r.body.clone(), sent_at: now.minus_secs(r.sent_offset_secs), challenge: None, delivery: None }).collect();
    check(&received, &fixtures::official(), &records, Locale::parse(&item.locale).unwrap())
}

#[test]
fn f_msg_3_corpus_is_broad_enough() {
    let items = corpus();
    assert!(items.len() >= 80, "{} items", items.len());
    let ids: BTreeSet<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), items.len(), "ids are unique");
    for label in [Label::Genuine, Label::Fraud] {
        for locale in ["en", "ja", "zh", "fr"] {
            for channel in ["sms", "email"] {
                let n = items.iter().filter(|i| i.label == label && i.locale == locale && i.channel == channel).count();
                assert!(n >= 2, "too few {locale} {channel} items of one label: {n}");
            }
        }
    }
}

#[test]
fn f_msg_3_corpus_precision_and_recall() {
    let (mut tp, mut fp, mut fn_, mut tn) = (0u32, 0u32, 0u32, 0u32);
    let mut genuine_confirmed = 0u32;
    let mut genuine_total = 0u32;
    let mut wrongly_suspicious = Vec::new();
    for item in corpus() {
        let a = assess(&item);
        let suspicious = a.verdict == Verdict::Suspicious;
        let codes: Vec<&str> = a.reasons.iter().map(|r| r.code.as_str()).collect();
        match (item.label, suspicious) {
            (Label::Fraud, true) => tp += 1,
            (Label::Fraud, false) => {
                fn_ += 1;
                println!("  missed fraud {} ({}): {:?} {codes:?}", item.id, item.note.as_deref().unwrap_or(""), a.verdict);
            }
            (Label::Genuine, true) => {
                fp += 1;
                wrongly_suspicious.push(format!("{}: {codes:?}", item.id));
            }
            (Label::Genuine, false) => tn += 1,
        }
        if item.label == Label::Genuine {
            genuine_total += 1;
            genuine_confirmed += u32::from(a.verdict == Verdict::Genuine);
        }
    }
    let precision = f64::from(tp) / f64::from((tp + fp).max(1));
    let recall = f64::from(tp) / f64::from((tp + fn_).max(1));
    println!("F-MSG-3 corpus: {} items ({} fraud, {} genuine)", tp + fp + fn_ + tn, tp + fn_, fp + tn);
    println!("  suspicious: tp={tp} fp={fp} fn={fn_} tn={tn}");
    println!("  precision(suspicious) = {precision:.3}");
    println!("  recall(suspicious)    = {recall:.3}");
    println!("  genuine confirmed as Genuine: {genuine_confirmed}/{genuine_total}");
    assert!(wrongly_suspicious.is_empty(), "genuine messages called Suspicious: {wrongly_suspicious:#?}");
    assert!(recall >= 0.9, "recall {recall:.3} < 0.9");
}

#[test]
fn f_msg_3_corpus_genuine_items_with_a_fresh_record_are_confirmed() {
    for item in corpus().iter().filter(|i| i.label == Label::Genuine) {
        let fresh = item.record.as_ref().is_some_and(|r| r.sent_offset_secs <= 15 * 60);
        let a = assess(item);
        let expected = if fresh { Verdict::Genuine } else { Verdict::Unknown };
        assert_eq!(a.verdict, expected, "{}: {:?}", item.id, a.reasons);
    }
}
