"""Tests of the REST API: tokens, their pages, the endpoints, FHIR and the schema."""
