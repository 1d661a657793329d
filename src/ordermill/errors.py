"""Public: the error tree. Defined in ``ordermill.domain.errors`` with its codes and mappings."""

from ordermill.domain.errors import *  # noqa: F403
from ordermill.domain.errors import __all__ as __all__
