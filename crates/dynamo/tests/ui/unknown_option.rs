use updraft_dynamo::Model;

#[derive(Model)]
#[dynamo(table = "Movies")]
struct Movie {
    #[dynamo(hash, sortkey)]
    year: i32,
}

fn main() {}
