async fn run() -> u32 {
    runtime::select! {
        else => 1,
    }
}

fn main() {
    let _ = run();
}
