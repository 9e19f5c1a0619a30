"""Computes RDS IAM auth token vectors with botocore's generate_db_auth_token.

Run with a Python that has botocore (the venv `cargo xtask servers start` makes has it):

    target/updraft-servers/venv/bin/python3 crates/rds-iam-auth/tests/vectors/generate.py \
        > crates/rds-iam-auth/tests/vectors/botocore.json

The signing instant is fixed by patching botocore's clock. `tests/tokens.rs` checks that
Updraft's tokens equal these byte for byte, and re-runs this script to check the file is
botocore's when that Python is at hand.
"""

import datetime
import json
import sys
from unittest import mock

import botocore
import botocore.session

CASES = [
    {"name": "plain", "host": "db.cluster-abc.eu-west-1.rds.amazonaws.com", "port": 5432, "user": "app_user",
     "region": "eu-west-1", "time": "2026-01-02T03:04:05Z", "session_token": None},
    {"name": "session token", "host": "db.cluster-abc.eu-west-1.rds.amazonaws.com", "port": 5432, "user": "app_user",
     "region": "eu-west-1", "time": "2026-01-02T03:04:05Z",
     "session_token": "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+example/token+with/slashes=="},
    {"name": "mysql port", "host": "orders.c9akciq32.us-east-1.rds.amazonaws.com", "port": 3306, "user": "orders",
     "region": "us-east-1", "time": "2025-12-31T23:59:59Z", "session_token": None},
    {"name": "user with a space", "host": "localhost", "port": 5432, "user": "iam user",
     "region": "us-east-1", "time": "2026-06-15T12:00:00Z", "session_token": None},
    {"name": "user with an ampersand", "host": "127.0.0.1", "port": 15432, "user": "a&b=c",
     "region": "ap-southeast-2", "time": "2026-06-15T12:00:00Z", "session_token": "FwoGZXIvYXdzEBYaDOEXAMPLE"},
    {"name": "user with unicode and reserved characters", "host": "db.example.internal", "port": 5433,
     "user": "dépôt+ops/~x*y", "region": "us-west-2", "time": "2026-03-04T05:06:07Z", "session_token": None},
]

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def token(case):
    session = botocore.session.get_session()
    client = session.create_client(
        "rds", region_name=case["region"], aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, aws_session_token=case["session_token"])
    instant = datetime.datetime.strptime(case["time"], "%Y-%m-%dT%H:%M:%SZ")
    with mock.patch("botocore.auth.get_current_datetime", return_value=instant):
        return client.generate_db_auth_token(
            DBHostname=case["host"], Port=case["port"], DBUsername=case["user"], Region=case["region"])


def main():
    vectors = [dict(case, access_key=ACCESS_KEY, secret_key=SECRET_KEY, token=token(case)) for case in CASES]
    json.dump({"botocore": botocore.__version__, "vectors": vectors}, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
