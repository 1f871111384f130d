//! Placeholder; filled by the webhook provider work.
