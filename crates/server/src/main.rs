//! `ninsho`: one binary (F-OPS-1).

/// The process's allocator, for Rust and (the crate's `override`) for SQLite too: glibc's
/// spent a quarter of a bulk import's CPU time in `malloc`, `free` and their
/// consolidation, on the one SQLite writer as much as in the tasks that build the rows
/// (docs/adr/0007-bulk-import-throughput.md, step 4).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    ninsho_server::cli::main()
}
