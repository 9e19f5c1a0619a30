//! Building one attempt's request: the target joined to the endpoint, the headers and body, and
//! the SigV4 signature.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http::{HeaderMap, Method, Uri};

use super::SignedClient;
use crate::Error;
use crate::aws::endpoints;

impl SignedClient {
    pub(super) fn resolve(&self, target: &str) -> Result<Uri, Error> {
        let target = target.trim();
        if target.contains("://") {
            return endpoints::check_url(target).map_err(|reason| self.invalid(&reason));
        }
        let base = &self.inner.endpoint;
        let base_path = base.path().trim_end_matches('/');
        let joined = if target.starts_with('/') || target.is_empty() {
            format!("{base_path}{target}")
        } else {
            format!("{base_path}/{target}")
        };
        let joined = if joined.is_empty() {
            "/".to_owned()
        } else {
            joined
        };
        let mut parts = base.clone().into_parts();
        parts.path_and_query = Some(
            joined
                .parse()
                .map_err(|e| self.invalid(&format!("`{target}` is not a valid path: {e}")))?,
        );
        Uri::from_parts(parts).map_err(|e| self.invalid(&e.to_string()))
    }

    /// Signs one attempt. The time is a parameter so the AWS test vectors can check it.
    pub(super) fn sign(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &Bytes,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<http::Request<Bytes>, Error> {
        let mut request = self.request(method, uri, headers, body)?;
        let signing_error = |source: aws_sigv4::http_request::SigningError| Error::Signing {
            service: self.inner.service.clone(),
            source: Box::new(source),
        };
        let identity: Identity = credentials.clone().into();
        let mut settings = SigningSettings::default();
        if self.inner.service == "s3" {
            settings.payload_checksum_kind =
                aws_sigv4::http_request::PayloadChecksumKind::XAmzSha256;
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.inner.region)
            .name(&self.inner.service)
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| self.invalid(&e.to_string()))?
            .into();
        let header_pairs: Vec<(&str, &str)> = request
            .headers()
            .iter()
            .map(|(k, v)| v.to_str().map(|v| (k.as_str(), v)))
            .collect::<Result<_, _>>()
            .map_err(|_| self.invalid("a header value is not visible ASCII"))?;
        let signable = SignableRequest::new(
            request.method().as_str(),
            request.uri().to_string(),
            header_pairs.into_iter(),
            SignableBody::Bytes(request.body()),
        )
        .map_err(signing_error)?;
        let (instructions, _signature) =
            sign(signable, &params).map_err(signing_error)?.into_parts();
        instructions.apply_to_request_http1x(&mut request);
        Ok(request)
    }

    /// The request of one attempt, before signing.
    pub(super) fn request(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &Bytes,
    ) -> Result<http::Request<Bytes>, Error> {
        let mut request = http::Request::builder()
            .method(method.clone())
            .uri(uri.clone());
        if let Some(all) = request.headers_mut() {
            all.extend(headers.clone());
        }
        request
            .body(body.clone())
            .map_err(|e| self.invalid(&e.to_string()))
    }

    pub(super) fn invalid(&self, reason: &str) -> Error {
        Error::InvalidRequest {
            service: self.inner.service.clone(),
            reason: reason.to_owned(),
        }
    }
}
