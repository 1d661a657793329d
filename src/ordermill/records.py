"""Public: the records the use cases return. Defined in ``ordermill.domain.records``."""

from ordermill.domain.records import *  # noqa: F403
from ordermill.domain.records import __all__ as __all__
