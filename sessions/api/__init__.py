"""The REST API under /api/v1/: organization API tokens, their pages, and the endpoints."""
