//! Seeds the demo's data: states `connecticut` and `new_jersey` active and `retired` not, in
//! `core.states`, with a few orders and a customer in each active state. Idempotent.
//!
//! `cargo run -p example-mongo-orders --example seed` (reads `MONGODB_URI`).
#![allow(clippy::print_stdout, reason = "it says what it wrote")]

use updraft::mongo_repo::Mongo;
use updraft::mongo_repo::bson::{Document, doc, oid::ObjectId};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mongo = Mongo::shared().await?;
    let states = mongo.db("core").collection::<Document>("states");
    for (name, active) in [
        ("connecticut", true),
        ("new_jersey", true),
        ("retired", false),
    ] {
        states
            .replace_one(
                doc! {"name": name},
                doc! {"name": name, "is_active": active},
            )
            .upsert(true)
            .await?;
    }
    for (state, offset) in [("connecticut", 0_u8), ("new_jersey", 16)] {
        let db = mongo.db(state);
        db.collection::<Document>("customers")
            .replace_one(doc! {"_id": "c-1"}, doc! {"_id": "c-1", "name": "Ada"})
            .upsert(true)
            .await?;
        for n in 0..4_u8 {
            let id = ObjectId::from_bytes([0x65, 0xf1, 0, 0, 0, 0, 0, 0, 0, 0, offset, n]);
            let status = if n % 2 == 0 { "open" } else { "paid" };
            db.collection::<Document>("orders")
                .replace_one(
                    doc! {"_id": id},
                    doc! {"_id": id, "customer_id": "c-1", "status": status, "cents": 1000 * i32::from(n + 1)},
                )
                .upsert(true)
                .await?;
        }
    }
    println!(
        "seeded core.states (connecticut, new_jersey; retired inactive) and 4 orders per state"
    );
    Ok(())
}
