//! Responses of every authorizer kind, compared field by field with the shapes AWS documents,
//! and read back through `aws_lambda_events`' types.
#![allow(clippy::unwrap_used, reason = "tests")]

use serde_json::{Value, json};
use updraft_apigw_authorizer::aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerResponse, ApiGatewayV2CustomAuthorizerIamPolicyResponse,
    ApiGatewayV2CustomAuthorizerSimpleResponse,
};
use updraft_apigw_authorizer::aws_lambda_events::iam::IamPolicyEffect;
use updraft_apigw_authorizer::{
    Context, Error, MethodArn, Policy, Response, Simple, Unauthorized, invalid, invalid_with,
};

const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/GET/request";

#[test]
fn a_rest_policy_has_the_documented_shape_and_reads_back() {
    let arn: MethodArn = ARN.parse().unwrap();
    let context = Context::new()
        .string("stringKey", "value")
        .unwrap()
        .number("numberKey", 1)
        .unwrap()
        .boolean("booleanKey", true)
        .unwrap();
    let policy = Policy::allow("user|a1b2c3d4", arn.whole_stage())
        .unwrap()
        .context(context)
        .usage_identifier_key("api-key-123")
        .unwrap();
    let json = serde_json::to_value(&policy).unwrap();
    assert_eq!(
        json,
        json!({
            "principalId": "user|a1b2c3d4",
            "policyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow",
                    "Resource": ["arn:aws:execute-api:us-east-1:123456789012:abcdef123/test/*/*"]
                }]
            },
            "context": {"stringKey": "value", "numberKey": 1, "booleanKey": true},
            "usageIdentifierKey": "api-key-123"
        })
    );
    let read: ApiGatewayCustomAuthorizerResponse = serde_json::from_value(json).unwrap();
    assert_eq!(read.principal_id.as_deref(), Some("user|a1b2c3d4"));
    assert_eq!(read.policy_document.version.as_deref(), Some("2012-10-17"));
    let statement = &read.policy_document.statement[0];
    assert_eq!(statement.action, ["execute-api:Invoke"]);
    assert_eq!(statement.effect, IamPolicyEffect::Allow);
    assert_eq!(statement.resource, [arn.whole_stage().to_string()]);
    assert_eq!(read.context["numberKey"], 1);
    assert_eq!(read.usage_identifier_key.as_deref(), Some("api-key-123"));
}

#[test]
fn several_statements_and_a_deny() {
    let arn: MethodArn = ARN.parse().unwrap();
    let policy = Policy::new("user")
        .unwrap()
        .allowing([arn.any_path()])
        .unwrap()
        .denying([arn.whole_api().to_string(), "*".to_owned()])
        .unwrap();
    let json = serde_json::to_value(&policy).unwrap();
    assert_eq!(json["policyDocument"]["Statement"][1]["Effect"], "Deny");
    assert_eq!(json["policyDocument"]["Statement"][1]["Resource"][1], "*");
    assert!(
        json.get("context").is_none() && json.get("usageIdentifierKey").is_none(),
        "{json}"
    );
    let read: ApiGatewayCustomAuthorizerResponse = serde_json::from_value(json).unwrap();
    assert_eq!(read.policy_document.statement.len(), 2);
    assert_eq!(
        read.policy_document.statement[1].effect,
        IamPolicyEffect::Deny
    );
    let deny = serde_json::to_value(Policy::deny("user", ARN).unwrap()).unwrap();
    assert_eq!(deny["policyDocument"]["Statement"][0]["Effect"], "Deny");
}

#[test]
fn http_api_simple_and_iam_responses() {
    let simple = Simple::authorized().context(Context::new().string("user", "demo").unwrap());
    let json = serde_json::to_value(&simple).unwrap();
    assert_eq!(
        json,
        json!({"isAuthorized": true, "context": {"user": "demo"}})
    );
    let read: ApiGatewayV2CustomAuthorizerSimpleResponse = serde_json::from_value(json).unwrap();
    assert!(read.is_authorized);
    assert_eq!(read.context["user"], "demo");
    assert_eq!(
        serde_json::to_value(Simple::denied()).unwrap(),
        json!({"isAuthorized": false})
    );

    let iam = Policy::allow("abcdef", ARN)
        .unwrap()
        .context(Context::new().boolean("exampleKey", true).unwrap());
    let read: ApiGatewayV2CustomAuthorizerIamPolicyResponse =
        serde_json::from_value(serde_json::to_value(&iam).unwrap()).unwrap();
    assert_eq!(read.principal_id.as_deref(), Some("abcdef"));
    assert_eq!(read.policy_document.statement[0].resource, [ARN]);
}

#[test]
fn websocket_connect_policy() {
    let arn: MethodArn = "arn:aws:execute-api:us-east-1:123456789012:abcdef123/default/$connect"
        .parse()
        .unwrap();
    let json = serde_json::to_value(Policy::allow("me", &arn).unwrap()).unwrap();
    assert_eq!(
        json["policyDocument"]["Statement"][0]["Resource"],
        json!(["arn:aws:execute-api:us-east-1:123456789012:abcdef123/default/$connect"])
    );
}

#[test]
fn unauthorized_fails_with_exactly_unauthorized_and_invalid_is_awstins() {
    let failure: lambda_runtime::Diagnostic = Unauthorized.into();
    assert_eq!(failure.error_message, "Unauthorized");
    assert_eq!(Unauthorized.to_string(), "Unauthorized");
    assert_eq!(
        serde_json::to_value(invalid()).unwrap(),
        json!({"statusCode": 500, "body": "Invalid"})
    );
    assert_eq!(
        serde_json::to_value(invalid_with("nope")).unwrap()["body"],
        "nope"
    );
    let any: Response = invalid().into();
    assert_eq!(serde_json::to_value(any).unwrap()["statusCode"], 500);
}

#[test]
fn what_api_gateway_would_refuse_is_refused_when_built() {
    assert!(matches!(
        Policy::allow("", ARN),
        Err(Error::InvalidPrincipal(_))
    ));
    assert!(matches!(
        Policy::allow("a\u{7}b", ARN),
        Err(Error::InvalidPrincipal(_))
    ));
    assert!(matches!(
        Policy::allow("u", "arn:aws:s3:::bucket"),
        Err(Error::InvalidResource { .. })
    ));
    assert!(matches!(
        Policy::new("u").unwrap().allowing(Vec::<String>::new()),
        Err(Error::EmptyPolicy)
    ));
    assert!(matches!(
        Policy::allow("u", ARN).unwrap().usage_identifier_key(" "),
        Err(Error::EmptyUsageKey)
    ));
    assert!(Context::new().string("", "v").is_err());
    assert!(
        Context::new()
            .string("k", "v")
            .unwrap()
            .boolean("k", true)
            .is_err(),
        "repeated key"
    );
    assert!(Context::new().number("k", f64::INFINITY).is_err());
    assert!(Context::new().number("k", 1.5).is_ok());
    let value: Value = serde_json::to_value(Context::new().number("ratio", 0.25).unwrap()).unwrap();
    assert_eq!(value, json!({"ratio": 0.25}));
}
