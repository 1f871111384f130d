//! Placeholder; filled by the smtp provider work.
