"""Celery tasks of orders: thin wrappers around services; each is idempotent and safe to retry
(acks late: a task whose worker died is delivered again)."""

from celery import shared_task

from . import bundles, emails, invoice_documents, processing

RETRY = {"autoretry_for": (OSError,), "retry_backoff": True, "max_retries": 5}


@shared_task(name="orders.send_order_email", **RETRY)
def send_order_email(order_id: int, kind: str) -> bool:
    """E-mail the shopper about their order (placed, amended, cancelled) once per change."""
    return emails.order_email_send(order_id=order_id, kind=kind)


@shared_task(name="orders.process_cycle", **RETRY)
def process_cycle(cycle_id: int) -> str | None:
    """Process a closed cycle (see orders.processing): freeze, purchase orders, invoices."""
    result = processing.processing_start(cycle_id=cycle_id)
    return result.state if result else None


@shared_task(name="orders.issue_invoices", **RETRY)
def issue_invoices(cycle_id: int, order_ids: list[int]) -> int:
    """Issue, render and e-mail the invoices of a chunk of a cycle's orders."""
    return processing.invoices_complete(cycle_id=cycle_id, order_ids=order_ids)


@shared_task(name="orders.send_processing_summary", **RETRY)
def send_processing_summary(cycle_id: int) -> bool:
    """Tell the hub's managers how processing went (once per outcome)."""
    return emails.processing_summary_send(cycle_id=cycle_id)


@shared_task(name="orders.resume_stale_processing")
def resume_stale_processing() -> list[int]:
    """Beat: restart processing left behind by a broker outage or a killed worker."""
    return processing.processing_resume_stale()


@shared_task(name="orders.send_invoice_documents", **RETRY)
def send_invoice_documents(invoice_ids: list[int]) -> int:
    """Render the PDFs of invoices and credit notes issued by a correction and e-mail them to
    the customer; each is rendered once and sent once (a rerun sends nothing twice)."""
    sent = 0
    for invoice_id in invoice_ids:
        invoice_documents.invoice_render(invoice_id=invoice_id)
        sent += invoice_documents.invoice_email(invoice_id=invoice_id, force=True)
    return sent


@shared_task(bind=True, name="orders.build_invoice_bundle", **RETRY)
def build_invoice_bundle(self, bundle_id: int) -> str | None:
    """Build a cycle's invoices as one PDF or one ZIP (see orders.bundles); a rerun starts
    over, a bundle already built is left alone. Storage errors are retried, then fail it."""
    try:
        bundle = bundles.bundle_build(bundle_id=bundle_id)
    except OSError:
        if self.request.retries < self.max_retries:
            raise
        bundles.bundle_fail(bundle_id=bundle_id, message=bundles.STORAGE_FAILED)
        return "failed"
    return bundle.state if bundle else None
