#[runtime::main]
struct Server {
    port: u16,
}

fn main() {}
