"""The background work: validation runs, chunks of an import and of its rollback, writing and staging records, scheduling and the status moves."""
