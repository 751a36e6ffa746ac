use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    samordna::telemetry::init();
    match samordna::cli::run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // One clear sentence for the operator, with the cause chain.
            eprintln!("samordna: {error:#}");
            ExitCode::FAILURE
        }
    }
}
