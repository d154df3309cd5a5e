"""`make bench`: cold start, warm CPU, latency against DynamoDB Local, DynamoDB requests per
operation and peak memory of the verification path, each beside its floor. Never deployed."""
