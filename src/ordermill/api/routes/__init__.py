"""The REST routes, one module per resource; each module's ``router`` is mounted by create_app."""
