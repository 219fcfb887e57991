"""The GraphQL api (Strawberry on Litestar). ``import graphql`` still finds graphql-core."""
