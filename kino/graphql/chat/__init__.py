"""GraphQL of the chat context."""
