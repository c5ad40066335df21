async fn run() {
    let _ = runtime::try_join!(async { Ok::<u32, String>(1) }, async { Err::<u32, u8>(2) });
}

fn main() {
    let _ = run();
}
