"""GraphQL of the accounts context."""
