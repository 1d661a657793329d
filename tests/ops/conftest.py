"""The ops tests use the REST tests' small shop."""

from tests.api.conftest import shop

__all__ = ["shop"]
