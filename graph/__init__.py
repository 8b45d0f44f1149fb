"""The GraphQL face: schema, resolvers, the Starlette app and the command line."""
