"""For tests that need a PostgreSQL database of their own (beside the suite's test database)."""


def psql(admin_url, *statements):
    """Run statements (CREATE/DROP DATABASE …) on the server, outside a transaction."""
    import psycopg  # only on the PostgreSQL pass

    with psycopg.connect(admin_url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
