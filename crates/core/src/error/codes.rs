//! The one classifier of AWS error codes: an exact, table-driven map from the codes the
//! services Updraft calls answer with to the [`Kind`] a caller acts on.
//!
//! Every crate classifies AWS failures through [`Kind::of_aws_code`] (the SDK path in
//! `aws::AwsError`, signed raw requests, batch entry rejections), so a code means the same
//! thing everywhere. Codes are matched exactly, never by substring: a substring rule once sent
//! `ProvisionedThroughputExceededException` to "internal" and a missing table to 404.
//!
//! The rules the table follows:
//!
//! - throttling of any kind is [`Kind::Throttled`] (503 with `Retry-After`, and retried);
//! - a service-side fault or a conflicting operation in progress is [`Kind::Unavailable`];
//! - a missing table, queue, topic, key or secret, refused credentials and a refused IAM
//!   permission are faults of this service's configuration, not of its caller:
//!   [`Kind::Config`] (500), never 401, 403 or 404;
//! - an expired token is transient (the SDK refreshes it): [`Kind::Unavailable`];
//! - a failed condition or an existing resource is [`Kind::Conflict`];
//! - a request the service found malformed or too large is [`Kind::BadInput`].

use super::Kind;

/// Every code the classifier knows, with its kind. Sorted by code, so a lookup is a binary
/// search and a test can check that no code is listed twice.
pub(super) const CODES: &[(&str, Kind)] = &[
    (
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        Kind::BadInput,
    ),
    ("AWS.SimpleQueueService.BatchRequestTooLong", Kind::BadInput),
    ("AWS.SimpleQueueService.EmptyBatchRequest", Kind::BadInput),
    ("AWS.SimpleQueueService.InvalidBatchEntryId", Kind::BadInput),
    ("AWS.SimpleQueueService.NonExistentQueue", Kind::Config),
    (
        "AWS.SimpleQueueService.QueueDeletedRecently",
        Kind::Unavailable,
    ),
    (
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        Kind::BadInput,
    ),
    ("AWS.SimpleQueueService.UnsupportedOperation", Kind::Config),
    ("AccessDenied", Kind::Config),
    ("AccessDeniedException", Kind::Config),
    ("AuthorizationError", Kind::Config),
    ("AuthorizationErrorException", Kind::Config),
    ("BadRequestException", Kind::BadInput),
    ("BandwidthLimitExceeded", Kind::Throttled),
    ("BatchEntryIdsNotDistinct", Kind::BadInput),
    ("BatchRequestTooLong", Kind::BadInput),
    ("BlockedException", Kind::Config),
    ("ClientException", Kind::BadInput),
    ("ClusterNotFoundException", Kind::Config),
    ("ConditionalCheckFailed", Kind::Conflict),
    ("ConditionalCheckFailedException", Kind::Conflict),
    ("ConflictException", Kind::Conflict),
    ("DBClusterNotFoundFault", Kind::Config),
    ("DBInstanceNotFound", Kind::Config),
    ("DecryptionFailure", Kind::Config),
    ("DependencyTimeoutException", Kind::Timeout),
    ("DisabledException", Kind::Config),
    ("EC2ThrottledException", Kind::Throttled),
    ("EmptyBatchRequest", Kind::BadInput),
    ("EncryptionFailure", Kind::Config),
    ("EndpointDisabled", Kind::Config),
    ("ExpiredToken", Kind::Unavailable),
    ("ExpiredTokenException", Kind::Unavailable),
    ("ForbiddenException", Kind::Config),
    ("GoneException", Kind::NotFound),
    ("IdempotentParameterMismatch", Kind::Conflict),
    ("IdempotentParameterMismatchException", Kind::Conflict),
    ("IncompleteSignature", Kind::Config),
    ("IncorrectKeyException", Kind::BadInput),
    ("InternalError", Kind::Unavailable),
    ("InternalErrorException", Kind::Unavailable),
    ("InternalFailure", Kind::Unavailable),
    ("InternalServerError", Kind::Unavailable),
    ("InternalServerErrorException", Kind::Unavailable),
    ("InternalServerException", Kind::Unavailable),
    ("InternalServiceError", Kind::Unavailable),
    ("InternalServiceErrorException", Kind::Unavailable),
    ("InvalidAccessKeyId", Kind::Config),
    ("InvalidAction", Kind::Config),
    ("InvalidAttributeName", Kind::BadInput),
    ("InvalidAttributeValue", Kind::BadInput),
    ("InvalidBatchEntryId", Kind::BadInput),
    ("InvalidCiphertextException", Kind::BadInput),
    ("InvalidClientTokenId", Kind::Config),
    ("InvalidGroup.NotFound", Kind::Config),
    ("InvalidIdFormat", Kind::BadInput),
    ("InvalidKeyUsageException", Kind::Config),
    ("InvalidMessageContents", Kind::BadInput),
    ("InvalidNextTokenException", Kind::BadInput),
    ("InvalidParameter", Kind::BadInput),
    ("InvalidParameterCombination", Kind::BadInput),
    ("InvalidParameterException", Kind::BadInput),
    ("InvalidParameterValue", Kind::BadInput),
    ("InvalidParameterValueException", Kind::BadInput),
    ("InvalidQueryParameter", Kind::BadInput),
    ("InvalidRequest", Kind::BadInput),
    ("InvalidRequestException", Kind::BadInput),
    ("InvalidSecurity", Kind::Config),
    ("InvalidSignatureException", Kind::Config),
    ("InvalidSubnetID.NotFound", Kind::Config),
    ("ItemCollectionSizeLimitExceededException", Kind::BadInput),
    ("KMS.DisabledException", Kind::Config),
    ("KMS.InvalidStateException", Kind::Config),
    ("KMS.NotFoundException", Kind::Config),
    ("KMSAccessDenied", Kind::Config),
    ("KMSAccessDeniedException", Kind::Config),
    ("KMSDisabled", Kind::Config),
    ("KMSDisabledException", Kind::Config),
    ("KMSInternalException", Kind::Unavailable),
    ("KMSInvalidStateException", Kind::Config),
    ("KMSNotFound", Kind::Config),
    ("KMSNotFoundException", Kind::Config),
    ("KMSOptInRequired", Kind::Config),
    ("KMSThrottling", Kind::Throttled),
    ("KMSThrottlingException", Kind::Throttled),
    ("KmsThrottled", Kind::Throttled),
    ("LimitExceededException", Kind::Throttled),
    ("MalformedQueryString", Kind::BadInput),
    ("MessageNotInflight", Kind::BadInput),
    ("MessageTooLong", Kind::BadInput),
    ("MissingAuthenticationToken", Kind::Config),
    ("MissingAuthenticationTokenException", Kind::Config),
    ("MissingParameter", Kind::BadInput),
    ("NonExistentQueue", Kind::Config),
    ("NotFound", Kind::Config),
    ("NotFoundException", Kind::Config),
    ("OptInRequired", Kind::Config),
    ("OverLimit", Kind::Throttled),
    ("ParameterAlreadyExists", Kind::Conflict),
    ("ParameterNotFound", Kind::Config),
    ("ParameterVersionNotFound", Kind::Config),
    ("PayloadTooLargeException", Kind::BadInput),
    (
        "PlatformTaskDefinitionIncompatibilityException",
        Kind::Config,
    ),
    ("PlatformUnknownException", Kind::Config),
    ("PriorRequestNotComplete", Kind::Throttled),
    ("ProvisionedThroughputExceeded", Kind::Throttled),
    ("ProvisionedThroughputExceededException", Kind::Throttled),
    ("QueueAlreadyExists", Kind::Conflict),
    ("QueueDeletedRecently", Kind::Unavailable),
    ("QueueDoesNotExist", Kind::Config),
    ("ReceiptHandleIsInvalid", Kind::BadInput),
    ("RequestEntityTooLarge", Kind::BadInput),
    ("RequestExpired", Kind::Unavailable),
    ("RequestLimitExceeded", Kind::Throttled),
    ("RequestThrottled", Kind::Throttled),
    ("RequestThrottledException", Kind::Throttled),
    ("RequestTimeout", Kind::Timeout),
    ("RequestTimeoutException", Kind::Timeout),
    ("RequestTooLargeException", Kind::BadInput),
    ("ResourceConflictException", Kind::Unavailable),
    ("ResourceExistsException", Kind::Conflict),
    ("ResourceInUseException", Kind::Unavailable),
    ("ResourceNotFound", Kind::Config),
    ("ResourceNotFoundException", Kind::Config),
    ("ResourceNotReadyException", Kind::Unavailable),
    ("SerializationException", Kind::BadInput),
    ("ServerException", Kind::Unavailable),
    ("ServiceException", Kind::Unavailable),
    ("ServiceNotFoundException", Kind::Config),
    ("ServiceUnavailable", Kind::Unavailable),
    ("ServiceUnavailableException", Kind::Unavailable),
    ("SignatureDoesNotMatch", Kind::Config),
    ("SlowDown", Kind::Throttled),
    ("ThrottledException", Kind::Throttled),
    ("Throttling", Kind::Throttled),
    ("ThrottlingError", Kind::Throttled),
    ("ThrottlingException", Kind::Throttled),
    ("TooManyEntriesInBatchRequest", Kind::BadInput),
    ("TooManyRequestsException", Kind::Throttled),
    ("TooManyUpdates", Kind::Throttled),
    ("TransactionCanceledException", Kind::Conflict),
    ("TransactionConflict", Kind::Conflict),
    ("TransactionConflictException", Kind::Conflict),
    ("TransactionInProgressException", Kind::Throttled),
    ("UnauthorizedOperation", Kind::Config),
    ("UnrecognizedClientException", Kind::Config),
    ("UnsupportedFeatureException", Kind::Config),
    ("UnsupportedOperation", Kind::Config),
    ("ValidationError", Kind::BadInput),
    ("ValidationException", Kind::BadInput),
];

/// The kind of an exact AWS error code, `None` for a code the table does not know.
pub(super) fn lookup(code: &str) -> Option<Kind> {
    CODES
        .binary_search_by(|(known, _)| (*known).cmp(code))
        .ok()
        .map(|index| CODES[index].1)
}

/// The kind of an error answer without a code the table knows, from its HTTP status.
///
/// 401 and 403 from an AWS service refuse this service's own credentials or role, so they are
/// [`Kind::Config`], never passed on to a caller as 401 or 403.
pub(super) fn of_status(status: u16) -> Kind {
    match status {
        401 | 403 => Kind::Config,
        404 => Kind::NotFound,
        409 | 412 => Kind::Conflict,
        429 => Kind::Throttled,
        408 | 504 => Kind::Timeout,
        400..=499 => Kind::BadInput,
        500..=503 => Kind::Unavailable,
        _ => Kind::Internal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_without_repeats_so_every_code_is_found() {
        for pair in CODES.windows(2) {
            assert!(
                pair[0].0 < pair[1].0,
                "{} must come before {}",
                pair[0].0,
                pair[1].0
            );
        }
        for (code, kind) in CODES {
            assert_eq!(lookup(code), Some(*kind), "{code}");
            assert_eq!(Kind::of_aws_code(code), *kind, "{code}");
        }
    }

    #[test]
    fn codes_match_exactly_never_by_substring() {
        for near in [
            "throttling",
            "ThrottlingExceptionX",
            "XThrottlingException",
            "ResourceNotFoundExceptio",
            "",
            " ValidationException",
        ] {
            assert_eq!(lookup(near), None, "{near:?}");
            assert_eq!(Kind::of_aws_code(near), Kind::Internal, "{near:?}");
        }
    }

    #[test]
    fn the_cases_the_review_found_wrong() {
        assert_eq!(
            Kind::of_aws_code("ProvisionedThroughputExceededException"),
            Kind::Throttled
        );
        let missing_table = Kind::of_aws_code("ResourceNotFoundException");
        assert_eq!(missing_table, Kind::Config);
        assert_eq!(missing_table.http_status(), 500);
        assert_eq!(Kind::of_aws_code("QueueDoesNotExist").http_status(), 500);
        assert_eq!(Kind::of_aws_code("ThrottlingException").http_status(), 503);
        for credentials in [
            "UnrecognizedClientException",
            "InvalidClientTokenId",
            "AccessDeniedException",
            "SignatureDoesNotMatch",
        ] {
            assert_eq!(
                Kind::of_aws_code(credentials).http_status(),
                500,
                "{credentials}"
            );
        }
        assert_eq!(Kind::of_aws_code("ExpiredToken").http_status(), 503);
    }

    #[test]
    fn statuses_without_a_known_code_never_blame_the_caller_for_credentials() {
        assert_eq!(of_status(401), Kind::Config);
        assert_eq!(of_status(403), Kind::Config);
        assert_eq!(of_status(400), Kind::BadInput);
        assert_eq!(of_status(404), Kind::NotFound);
        assert_eq!(of_status(429), Kind::Throttled);
        assert_eq!(of_status(500), Kind::Unavailable);
        assert_eq!(of_status(504), Kind::Timeout);
        assert_eq!(of_status(302), Kind::Internal);
    }
}
