"""GraphQL of the live context."""
