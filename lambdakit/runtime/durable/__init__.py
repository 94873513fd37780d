"""Durable functions: the service beside invoke that AWS's durable execution SDK talks to."""

from .api import DurableExecutions

__all__ = ["DurableExecutions"]
