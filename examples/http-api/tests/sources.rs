//! The example's contract, in process, under every source and variant.
#![allow(clippy::unwrap_used, reason = "tests")]

use proptest::prelude::*;
use serde_json::{Value, json};
use updraft::contexts::http::LambdaService;
use updraft::contexts::http::testing::{Event, invoke};
use updraft::core::Env;

fn app() -> LambdaService {
    example_http_api::app()
        .env(Env::default())
        .strip_prefixes(["/shop"])
        .into_lambda_service()
        .unwrap()
}

fn body(response: &Value) -> Value {
    serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap()
}

async fn send(app: &LambdaService, event: Event) -> (u64, Value) {
    let response = invoke(app, event.to_bytes()).await.unwrap();
    (response["statusCode"].as_u64().unwrap(), body(&response))
}

#[tokio::test]
async fn the_contract_holds_under_every_source() {
    let app = app();
    for (name, event) in Event::every_source() {
        let hello = send(&app, event.clone().path("/hello/world")).await;
        assert_eq!(hello, (200, json!({"message": "hello, world"})), "{name}");

        let order = event
            .clone()
            .method("POST")
            .path("/orders")
            .header("constitution-state", "connecticut");
        let created = send(
            &app,
            order
                .clone()
                .json_body(&json!({"item": "tea", "quantity": 3})),
        )
        .await;
        assert_eq!(
            created,
            (
                201,
                json!({"item": "tea", "quantity": 3, "state": "connecticut"})
            ),
            "{name}"
        );

        let anonymous = event
            .clone()
            .method("POST")
            .path("/orders")
            .json_body(&json!({"item": "tea", "quantity": 1}));
        assert_eq!(
            send(&app, anonymous).await.1["state"],
            Value::Null,
            "{name}"
        );

        let (status, invalid) = send(
            &app,
            order
                .clone()
                .json_body(&json!({"item": "", "quantity": 1001})),
        )
        .await;
        assert_eq!(status, 400, "{name}");
        let fields: Vec<&str> = invalid["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap())
            .collect();
        assert!(
            fields.contains(&"item") && fields.contains(&"quantity"),
            "{name}: {invalid}"
        );

        let (status, malformed) = send(
            &app,
            order
                .header("content-type", "application/json")
                .body("{\"item\":"),
        )
        .await;
        assert_eq!(status, 400, "{name}");
        assert!(malformed["message"].is_string(), "{name}");

        let (status, panicked) = send(&app, event.clone().path("/panic")).await;
        assert_eq!(
            (status, panicked["message"].is_string()),
            (500, true),
            "{name}"
        );
        assert_eq!(
            send(&app, event.clone().path("/hello/again")).await.0,
            200,
            "{name}: still serving"
        );

        let (status, missing) = send(&app, event.path("/no/such/route")).await;
        assert_eq!(status, 404, "{name}");
        assert!(missing["message"].is_string(), "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn no_order_body_gives_a_500(body in prop_oneof![
        any::<String>(),
        (any::<Option<String>>(), any::<Option<i64>>()).prop_map(|(item, quantity)| json!({"item": item, "quantity": quantity}).to_string()),
        (".{0,100}", -5i64..2000).prop_map(|(item, quantity)| json!({"item": item, "quantity": quantity}).to_string()),
    ]) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (status, _) = runtime.block_on(async {
            let event = Event::http_api().method("POST").path("/orders").header("content-type", "application/json").body(&body);
            send(&app(), event).await
        });
        prop_assert!(status == 201 || status == 400, "{status} for {body:?}");
    }
}
