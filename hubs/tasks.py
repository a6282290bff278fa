from celery import shared_task

from . import cycle_services, transitions


@shared_task(name="hubs.close_due_order_cycles")
def close_due_order_cycles() -> list[int]:
    """Every minute: close the cycles whose time has come, each exactly once."""
    return transitions.cycles_close_due()


@shared_task(name="hubs.notify_opened_order_cycles")
def notify_opened_order_cycles() -> int:
    """Every minute: tell producers that a cycle offering their products has opened."""
    return cycle_services.notify_opened_cycles()
