"""GraphQL of the comments context."""
