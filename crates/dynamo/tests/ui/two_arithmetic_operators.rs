use updraft_dynamo::Model;

#[derive(Model)]
#[dynamo(table = "Counters")]
struct Counter {
    #[dynamo(hash)]
    id: String,
    hits: i64,
}

fn main() {
    let hits = Counter::fields().hits();
    let _ = hits.set(&hits + 1 + 2);
}
