//! Lints an ELMO file and prints the findings: `cargo run -p elmo --example lint -- FILE`.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: lint FILE")?;
    let model = elmo::read(&std::fs::read(path)?)?;
    for f in elmo::lint(&model) {
        println!("{:?} {} {}: {}", f.severity, f.code, f.path, f.message);
    }
    Ok(())
}
