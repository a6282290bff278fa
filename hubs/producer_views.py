"""Pages of the producer area that need hubs (relationships, the cycles offering the
producer's products). They live here because producers must not depend on hubs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from producers.parsing import posted_id
from producers.selectors import memberships_for_user, producer_for_member

from . import services
from .forms import InviteProducerForm
from .models import Hub, HubProducer, OrderCycle


def _context(request, producer, section):
    return {"producer": producer, "section": section,
            "my_producers": memberships_for_user(request.user)}


@login_required
def producer_hubs(request, slug: str):
    """A producer's hubs: accept invitations, ask to join a hub, end a relationship."""
    producer = producer_for_member(user=request.user, slug=slug)
    links = HubProducer.objects.filter(producer=producer).select_related("hub").order_by(
        "status", "hub__name"
    )
    joinable = Hub.objects.filter(is_visible=True).exclude(
        pk__in=links.filter(status__in=[HubProducer.Status.ACTIVE, HubProducer.Status.REQUESTED])
        .values("hub")
    )
    form = InviteProducerForm(request.POST or None, producers=joinable)
    form.fields["producer"].label = _("Hub")
    if request.method == "POST":
        try:
            if "link" in request.POST:
                link_id = posted_id(request.POST, "link")
                if link_id is None:
                    raise ValidationError(_("Unknown relationship."))
                link = get_object_or_404(HubProducer, pk=link_id, producer=producer)
                if request.POST.get("do") == "accept":
                    services.relationship_accept(link=link, by="producer")
                    messages.success(request, _("You now supply %(hub)s.")
                                     % {"hub": link.hub.name})
                else:
                    services.relationship_end(link=link, by="producer")
                    messages.success(request, _("Relationship ended."))
            elif form.is_valid():
                services.relationship_request(hub=form.cleaned_data["producer"],
                                              producer=producer, by="producer")
                messages.success(request, _("Request sent to the hub."))
            else:
                raise ValidationError(_("Choose a hub."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect("hubs_producer:hubs", slug=producer.slug)
    return render(request, "hubs/producer_hubs.html",
                  _context(request, producer, "hubs") | {"links": links, "form": form})


@login_required
def producer_cycles(request, slug: str):
    """The cycles that offer this producer's products (read-only), with its drop-offs."""
    producer = producer_for_member(user=request.user, slug=slug)
    cycles = (
        OrderCycle.objects.filter(suppliers__producer=producer)
        .exclude(published_at=None)
        .select_related("hub")
        .annotate(my_offers=Count("offers", filter=Q(offers__supplier__producer=producer)))
        .order_by("-opens_at")
    )
    supplies = {
        s.cycle_id: s for s in producer.cycle_supplies.filter(cycle__in=cycles)
    }
    rows = [(cycle, supplies.get(cycle.pk)) for cycle in cycles]
    return render(request, "hubs/producer_cycles.html",
                  _context(request, producer, "cycles") | {"rows": rows})
