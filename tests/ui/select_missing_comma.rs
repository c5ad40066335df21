async fn run() -> u32 {
    runtime::select! {
        v = async { 1 } => v + 1
        v = async { 2 } => v,
    }
}

fn main() {
    let _ = run();
}
