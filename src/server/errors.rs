//! The service's errors, mapped to HTTP statuses in this one place. Every error answers with
//! the same JSON body as the CLI: `{"error": {"code", "message"}}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::Error;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Malformed JSON, wrong types, or text that is not UTF-8.
    #[error("{0}")]
    BadRequest(String),
    /// The body is larger than `--payload-limit`.
    #[error("the request body is larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// Neither `application/json`, `text/plain` nor (for batches) `application/x-ndjson`.
    #[error("unsupported media type {0:?}; send application/json or text/plain")]
    UnsupportedMediaType(String),
    /// Too many requests in flight: try again after `retry_after` seconds.
    #[error("the server is at capacity; retry after {retry_after} s")]
    Overloaded {
        /// Seconds to wait.
        retry_after: u64,
    },
    /// The request outlived `--request-timeout`; its queued work was dropped.
    #[error("the request took longer than {0} s and was dropped")]
    Timeout(u64),
    /// The model is not loaded or the inference worker stopped.
    #[error("the model is not available: {0}")]
    Unavailable(String),
    /// An error from the pipeline.
    #[error(transparent)]
    Pipeline(#[from] Error),
}

impl ApiError {
    /// The machine-readable code in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Overloaded { .. } => "overloaded",
            ApiError::Timeout(_) => "timeout",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Pipeline(e) => e.code(),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "error": { "code": self.code(), "message": self.to_string() } })
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Overloaded { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Timeout(_) | ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Pipeline(e) if e.is_client_error() => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Pipeline(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let ApiError::Overloaded { retry_after } = self {
            response.insert_header(("Retry-After", retry_after.to_string()));
        }
        response.json(self.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        let cases = [
            (ApiError::BadRequest("x".into()), 400),
            (ApiError::PayloadTooLarge { limit: 1 }, 413),
            (ApiError::UnsupportedMediaType("x".into()), 415),
            (ApiError::Pipeline(Error::EmptyText("x".into())), 422),
            (ApiError::Pipeline(Error::UnknownPack { name: "x".into(), known: String::new() }), 422),
            (ApiError::Pipeline(Error::InvalidInput("x".into())), 422),
            (ApiError::Overloaded { retry_after: 1 }, 429),
            (ApiError::Timeout(1), 503),
            (ApiError::Pipeline(Error::Tokenizer("x".into())), 500),
        ];
        for (error, status) in cases {
            assert_eq!(error.status_code().as_u16(), status, "{error}");
            assert_eq!(error.body()["error"]["code"], error.code());
        }
        let response = ApiError::Overloaded { retry_after: 2 }.error_response();
        assert_eq!(response.headers().get("Retry-After").unwrap(), "2");
    }
}
