use updraft_dynamo::Model;

#[derive(Model)]
#[dynamo(table = "Movies")]
struct Movie {
    #[dynamo(hash)]
    year: i32,
    title: String,
}

fn main() {
    let _ = Movie::fields().title().add("sequel");
}
