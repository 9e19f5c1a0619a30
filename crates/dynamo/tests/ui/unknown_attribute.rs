use updraft_dynamo::Model;

#[derive(Model)]
#[dynamo(table = "Movies")]
struct Movie {
    #[dynamo(hash)]
    year: i32,
    info: Info,
}

#[derive(Model)]
struct Info {
    rating: f64,
}

fn main() {
    let _ = Movie::fields().info().ratin().eq(5);
}
