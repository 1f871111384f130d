//! `ninsho`: one binary (F-OPS-1).

fn main() -> std::process::ExitCode {
    ninsho_server::cli::main()
}
