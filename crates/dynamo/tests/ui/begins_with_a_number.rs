use updraft_dynamo::Model;

#[derive(Model)]
#[dynamo(table = "Movies")]
struct Movie {
    #[dynamo(hash)]
    year: i32,
}

fn main() {
    let _ = Movie::fields().year().begins_with(19);
}
