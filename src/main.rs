use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = idp::cli::Cli::parse();
    match idp::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
