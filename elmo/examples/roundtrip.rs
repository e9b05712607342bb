//! Reads an ELMO file and writes it back to stdout: `cargo run -p elmo --example roundtrip -- FILE`.
use std::io::Write;
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: roundtrip FILE")?;
    let model = elmo::read(&std::fs::read(path)?)?;
    std::io::stdout().write_all(&elmo::write(&model))?;
    Ok(())
}
