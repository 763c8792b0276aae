use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Initialise OpenSSL before libpq can, so that OpenSSL installs no exit handler: one that
    // tears OpenSSL down while a pool thread still uses it crashes the process at exit.
    openssl::init();
    let cli = idp::cli::Cli::parse();
    match idp::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
