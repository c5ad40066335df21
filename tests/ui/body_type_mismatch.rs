#[runtime::main]
async fn answer() -> u32 {
    "forty-two"
}

#[runtime::main]
async fn early_return(early: bool) -> u32 {
    if early {
        return "zero";
    }
    42
}

fn main() {
    answer();
    early_return(true);
}
