"""API Gateway payload 2.0 in and out: request guard, answers, views, schemas and the two entries."""
