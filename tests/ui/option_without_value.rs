#[runtime::main(flavor)]
async fn main() {}
