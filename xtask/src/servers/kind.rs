//! The servers xtask runs, as a type: each one's name in the state file and logs, how to tell
//! it is ready, and how long to wait for it.

use std::time::Duration;

use crate::process::{accepts, http_status};

/// One of the local servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// DynamoDB Local, on Java 17.
    DynamoDb,
    /// `moto_server`: SQS, SNS, SSM, Secrets Manager, KMS, ECS, API Gateway Management, RDS.
    Moto,
    /// SecantusDB, for the MongoDB wire protocol.
    Mongo,
    /// PostgreSQL with TLS.
    Postgres,
}

impl Kind {
    /// Every server, in the order they are started.
    pub const ALL: [Kind; 4] = [Kind::DynamoDb, Kind::Moto, Kind::Mongo, Kind::Postgres];

    /// The name in the state file, the log file and `servers status`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::DynamoDb => "dynamodb",
            Kind::Moto => "moto",
            Kind::Mongo => "mongo",
            Kind::Postgres => "postgres",
        }
    }

    /// The kind named `name` in a state file.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The name people know it by, for messages.
    pub fn label(self) -> &'static str {
        match self {
            Kind::DynamoDb => "DynamoDB Local",
            Kind::Moto => "moto_server",
            Kind::Mongo => "SecantusDB",
            Kind::Postgres => "PostgreSQL",
        }
    }

    /// How long it may take to come up.
    pub fn start_timeout(self) -> Duration {
        match self {
            Kind::DynamoDb => Duration::from_secs(90),
            Kind::Moto | Kind::Mongo | Kind::Postgres => Duration::from_secs(60),
        }
    }

    /// Whether the server on `port` answers as this kind does when it is ready.
    pub fn is_ready(self, port: u16) -> bool {
        match self {
            Kind::Moto => http_status(port, "/moto-api/") == Some(200),
            Kind::DynamoDb => {
                http_status(port, "/shell/").is_some() || http_status(port, "/").is_some()
            }
            Kind::Mongo | Kind::Postgres => accepts(port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_none() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.name()), Some(kind));
        }
        assert_eq!(Kind::parse("redis"), None);
    }
}
