"""Entries for DynamoDB stream batches (beside ``http``, which serves requests)."""
