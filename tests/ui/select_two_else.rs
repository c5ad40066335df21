async fn run() -> u32 {
    runtime::select! {
        Some(v) = async { None } => v,
        else => 1,
        else => 2,
    }
}

fn main() {
    let _ = run();
}
