"""GraphQL of the videos context."""
