//! The `evv` command-line tool.

fn main() {
    std::process::exit(evv::cli::main());
}
