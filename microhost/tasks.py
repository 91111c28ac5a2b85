"""Platform-wide jobs."""

from celery import shared_task


@shared_task(name="microhost.ping")
def ping(value: str) -> str:
    """Echo a value back: proves a worker consumes the broker (health checks and tests)."""
    return f"pong:{value}"
