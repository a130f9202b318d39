"""API views: `pages` are the coordinator's token pages and the docs; `endpoints` and `fhir`
answer /api/v1/."""
