//! `orders-pricing`: `{"session": {"state": …}, "data": {"total_cents": n}}` in,
//! `{"success": true, "data": {"rate_basis_points", "tax_cents"}}` out; in Lambda, or outside
//! it on an event file or stdin.

#[tokio::main]
async fn main() -> Result<(), updraft::contexts::Error> {
    updraft::contexts::invoke::handler(example_orders_service::pricing::price)
        .run()
        .await
}
