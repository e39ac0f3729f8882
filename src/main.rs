fn main() {
    std::process::exit(xpusim::cli::main());
}
