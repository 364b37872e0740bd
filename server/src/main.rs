use std::process::ExitCode;

fn main() -> ExitCode {
    vouch::cli::main()
}
