"""The functions in-process against a fresh table (moto and DynamoDB Local): tests/support/inprocess.py."""

from tests.support.inprocess import api, aws_env, dynamodb, make_api, signer

__all__ = ["api", "aws_env", "dynamodb", "make_api", "signer"]
