"""Kafka security: client configurations for every client library, and a SCRAM user with ACLs per partner."""
