from celery import shared_task

from . import import_services


@shared_task(name="producers.run_product_import", acks_late=True)
def run_product_import(import_id: int) -> str | None:
    """Write a confirmed product import; a duplicate or retried task finds nothing to do."""
    product_import = import_services.import_apply(import_id=import_id)
    return product_import.status if product_import else None



@shared_task(name="producers.check_product_import", acks_late=True)
def check_product_import(import_id: int) -> str | None:
    """Check an uploaded product file; a duplicate or retried task finds nothing to do."""
    product_import = import_services.import_check_stored(import_id=import_id)
    return product_import.status if product_import else None
