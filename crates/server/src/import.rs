//! `ninsho admin deliveries import FILE.csv --client NAME` (F-DLV-6): a shop's
//! shipments from a CSV file, registered in chunks through the batch use case. The
//! file is read a record at a time — only the chunks in flight are in memory — and each
//! line is answered as the batch call answers an item. `ninsho bench` drives the same
//! loop with generated shipments.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;

use ninsho_domain::Error;
use ninsho_domain::ports::ServiceClient;
use ninsho_domain::service::{Registered, Shipment};
use ninsho_storage::Db;

use crate::service_api::deliveries::{Destination, ShipmentBody, shipment_of};

type Services = ninsho_domain::Services<Db>;

/// The header a file must have, in this order.
pub const COLUMNS: [&str; 11] =
    ["order_id", "sub", "amount", "currency", "categories", "country", "time_zone", "carrier", "tracking_id", "delivery_date", "address_changed_days_ago"];

/// The most line numbers kept per reason (the count is always whole).
const LINES_PER_REASON: usize = 50;

/// Why lines were refused: how many, which (the first ones), and the first one's words.
#[derive(Debug, Default)]
pub struct Reason {
    pub count: u64,
    pub lines: Vec<u64>,
    pub detail: String,
}

/// What an import did, line by line.
#[derive(Debug, Default)]
pub struct Summary {
    pub issued: u64,
    pub not_required: u64,
    /// Of the two above, the orders that were already registered (the same deliveries).
    pub already: u64,
    pub refused: u64,
    /// By the problem's code (and field).
    pub reasons: BTreeMap<String, Reason>,
}

impl Summary {
    fn note(&mut self, line: u64, r: Result<Registered, Error>) {
        match r {
            Ok(r) => {
                if r.delivery.code.is_some() {
                    self.issued += 1;
                } else {
                    self.not_required += 1;
                }
                if !r.created {
                    self.already += 1;
                }
            }
            Err(e) => {
                self.refused += 1;
                let key = match &e {
                    Error::Invalid { code, field, .. } => format!("{code} ({field})"),
                    e => e.code().to_string(),
                };
                let reason = self.reasons.entry(key).or_insert_with(|| Reason { detail: e.to_string(), ..Reason::default() });
                reason.count += 1;
                if reason.lines.len() < LINES_PER_REASON {
                    reason.lines.push(line);
                }
            }
        }
    }

    /// The summary as printed after an import.
    pub fn report(&self) -> String {
        use std::fmt::Write as _;
        let mut s = format!(
            "issued {}, not required {} ({} already registered), refused {}\n",
            self.issued, self.not_required, self.already, self.refused
        );
        for (key, r) in &self.reasons {
            let mut lines = r.lines.iter().map(u64::to_string).collect::<Vec<_>>().join(", ");
            if r.count > r.lines.len() as u64 {
                let _ = write!(lines, " and {} more", r.count - r.lines.len() as u64);
            }
            let _ = writeln!(s, "refused {key}: {} line(s): {lines} — {}", r.count, r.detail);
        }
        s
    }
}

/// A line's shipment, read as the batch call reads an item.
pub fn shipment_of_record(r: &csv::StringRecord) -> Result<Shipment, Error> {
    let f = |i: usize| r.get(i).unwrap_or("").trim().to_string();
    let categories = f(4).split(['|', ';']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect();
    let changed = f(10);
    let address_changed_days_ago = if changed.is_empty() {
        None
    } else {
        Some(changed.parse::<i64>().map_err(|_| Error::invalid("delivery.address_changed_invalid", "address_changed_days_ago", "a number of days, 0 or more"))?)
    };
    shipment_of(ShipmentBody {
        order_id: f(0),
        sub: f(1),
        amount: serde_json::Value::String(f(2)),
        currency: f(3),
        categories,
        destination: Destination { country: f(5), time_zone: f(6) },
        carrier: f(7),
        tracking_id: f(8),
        delivery_date: f(9),
        address_changed_days_ago,
    })
}

/// Registers `lines` (each with its line number) in chunks, as many at a time as the
/// database takes best (`Db::bulk_shape`);
/// `progress` hears how many lines are done. Stops at the first failure of the store
/// itself: what was committed stays, and the same file again registers the rest.
pub async fn import<I>(services: &Services, client: &ServiceClient, lines: I, mut progress: impl FnMut(u64)) -> anyhow::Result<Summary>
where
    I: Iterator<Item = (u64, Result<Shipment, Error>)>,
{
    type Chunk = (Vec<u64>, tokio::task::JoinHandle<ninsho_domain::Result<Vec<ninsho_domain::Result<Registered>>>>);
    let mut summary = Summary::default();
    let mut flying: VecDeque<Chunk> = VecDeque::new();
    let mut lines = lines.peekable();
    let mut done = 0u64;
    let shape = services.store.bulk_shape();
    loop {
        if lines.peek().is_some() && flying.len() < shape.in_flight {
            let (numbers, items): (Vec<u64>, Vec<_>) = lines.by_ref().take(shape.chunk).unzip();
            let (svc, client) = (services.clone(), client.clone());
            flying.push_back((numbers, tokio::spawn(async move { svc.register_shipments(&client, items).await })));
            continue;
        }
        let Some((numbers, task)) = flying.pop_front() else { break };
        let first = numbers.first().copied().unwrap_or(0);
        let results = task.await.map_err(|e| anyhow::anyhow!("a batch stopped: {e}"))?.map_err(|e| anyhow::anyhow!("from line {first} on, lines may be missing (the chunks after it may have committed); run the same file again to register the rest: {e}"))?;
        done += numbers.len() as u64;
        for (line, r) in numbers.into_iter().zip(results) {
            summary.note(line, r);
        }
        progress(done);
    }
    Ok(summary)
}

/// The CLI's import of one file.
pub async fn import_file(services: &Services, client: &str, path: &Path) -> anyhow::Result<Summary> {
    let client = services.shipping_client(client).await.map_err(crate::config::operator_error)?;
    let file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(std::io::BufReader::new(file));
    let header = reader.headers().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    if names != COLUMNS {
        anyhow::bail!("{}: line 1: the header must be {} (it is {})", path.display(), COLUMNS.join(","), names.join(","));
    }
    let bar = indicatif::ProgressBar::with_draw_target(Some(size), indicatif::ProgressDrawTarget::stderr());
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {percent:>3}% {msg}") {
        bar.set_style(style);
    }
    // A file that cannot be read on stops the import; a malformed line is refused alone.
    let failure: std::rc::Rc<std::cell::RefCell<Option<anyhow::Error>>> = Default::default();
    let failed = failure.clone();
    let mut record = csv::StringRecord::new();
    let position = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let pos = position.clone();
    let lines = std::iter::from_fn(|| {
        if failed.borrow().is_some() {
            return None;
        }
        match reader.read_record(&mut record) {
            Ok(false) => None,
            Ok(true) => {
                let line = record.position().map(|p| p.line()).unwrap_or(0);
                pos.set(record.position().map(|p| p.byte()).unwrap_or(0));
                Some((line, shipment_of_record(&record)))
            }
            Err(e) => match e.kind() {
                csv::ErrorKind::Io(_) => {
                    *failed.borrow_mut() = Some(anyhow::anyhow!("{}: {e}", path.display()));
                    None
                }
                _ => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    Some((line, Err(Error::invalid("import.line_invalid", "line", e.to_string()))))
                }
            },
        }
    });
    let summary = import(services, &client, lines, |n| {
        bar.set_position(position.get());
        bar.set_message(format!("{n} lines"));
    })
    .await;
    bar.finish_and_clear();
    let summary = summary?;
    if let Some(e) = failure.take() {
        // The lines before the break were registered; the summary says which.
        eprint!("{}", summary.report());
        return Err(e);
    }
    Ok(summary)
}
