async fn run() -> u32 {
    runtime::select! {
        v = async { 1u32 } => v,
        _ = async { 2u32 } => "two",
    }
}

fn main() {
    let _ = run();
}
