use std::process::ExitCode;

use clap::Parser;

/// Argon2 allocates its 19 MiB block per verification. glibc raises its mmap threshold after
/// such blocks are freed, and then keeps later ones in the heap of whichever thread hashed:
/// after a burst of sign-ins the process would hold hundreds of MiB it no longer uses. A fixed
/// threshold keeps every large block mmap-backed, returned to the system when freed.
fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only adjusts allocator tuning; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

fn main() -> ExitCode {
    // Initialise OpenSSL before libpq can, so that OpenSSL installs no exit handler: one that
    // tears OpenSSL down while a pool thread still uses it crashes the process at exit.
    openssl::init();
    return_large_blocks_to_the_system();
    let cli = idp::cli::Cli::parse();
    match idp::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line whatever the cause: libpq's messages, for one, add a hint on a second.
            let message = err.to_string();
            eprintln!(
                "error: {}",
                message.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            ExitCode::FAILURE
        }
    }
}
