//! Placeholder; filled by the kannel provider work.
