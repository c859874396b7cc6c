//! `mockexam`: the command line. Everything it does lives in the library; this only parses flags,
//! sets up logging and hands over.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = mockexam::cli::Cli::parse();
    mockexam::telemetry::init(cli.is_bench());
    mockexam::accounts::password::limit_allocator_caching();
    mockexam::web::raise_open_file_limit();
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match runtime.block_on(mockexam::cli::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
