"""DynamoDB: the only package that imports botocore or writes DynamoDB expression syntax."""
