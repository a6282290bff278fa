"""Hub manager pages: the hub's cycles and the order-cycle editor. Thin: forms, services,
selectors. Times are shown and typed in the hub's time zone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from producers.models import Producer
from producers.parsing import posted_id
from teams.views import invitation_page, team_page

from . import cycle_services, services, transitions
from .forms import (
    AddProducerForm,
    CloneForm,
    CycleForm,
    DeliveryZoneForm,
    DropoffForm,
    EditorPlaceForm,
    FeeForm,
    HubProfileForm,
    InviteProducerForm,
    OfferFormSet,
    OfferSearchForm,
    PaymentMethodForm,
    PickupPointForm,
    PreviewForm,
    ReopenForm,
    RowIdForm,
    WindowForm,
)
from .models import (
    CycleFee,
    CycleSupplier,
    CycleWindow,
    DeliveryZone,
    Hub,
    HubInvitation,
    HubProducer,
    OrderCycle,
    PaymentMethod,
    PickupPoint,
)
from .pricing import cycle_offers, cycle_prices
from .selectors import (
    cycle_figures,
    hub_cycles_list,
    hub_for_manager,
    hub_memberships_for_user,
    hub_suppliers,
)

OFFERS_PER_PAGE = 100
CYCLES_PER_PAGE = 20


def _render(request, hub, template: str, context: dict):
    with timezone.override(hub.time_zone):
        return render(request, template, {"hub": hub, **context})


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@login_required
def home(request):
    """The hubs the signed-in user manages."""
    memberships = hub_memberships_for_user(request.user)
    return render(request, "hubs/home.html", {"memberships": memberships})


@login_required
def detail(request, slug: str):
    """A hub's cycles (status, times, products, suppliers, orders), 20 a page, and its
    suppliers: a constant number of queries however long the hub's history."""
    hub = hub_for_manager(user=request.user, slug=slug)
    page = Paginator(hub_cycles_list(hub=hub), CYCLES_PER_PAGE).get_page(request.GET.get("page"))
    cycles = list(page)
    figures = cycle_figures(cycle_ids=[cycle.pk for cycle in cycles])
    return _render(request, hub, "hubs/detail.html", {
        "page": page,
        "page_range": page.paginator.get_elided_page_range(page.number),
        "cycles": [(cycle, figures[cycle.pk] if figures is not None else None) for cycle in cycles],
        "suppliers": hub_suppliers(hub=hub),
    })


@login_required
def cycle_create(request, slug: str):
    hub = hub_for_manager(user=request.user, slug=slug)
    with timezone.override(hub.time_zone):
        form = CycleForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                cycle = cycle_services.cycle_create(hub=hub, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Cycle created as a draft."))
                return redirect("hubs:cycle", slug=hub.slug, cycle_id=cycle.pk)
    return _render(request, hub, "hubs/cycle_form.html", {"form": form})


def _cycle(request, slug: str, cycle_id: int):
    hub = hub_for_manager(user=request.user, slug=slug)
    return hub, get_object_or_404(OrderCycle, pk=cycle_id, hub=hub)


@login_required
def cycle_edit(request, slug: str, cycle_id: int):
    """The cycle editor: details, suppliers and drop-offs, offers with prices, fees, windows."""
    hub, cycle = _cycle(request, slug, cycle_id)
    with timezone.override(hub.time_zone):
        form = CycleForm(request.POST or None, instance=cycle, prefix="cycle")
        if request.method == "POST" and form.is_valid():
            try:
                cycle_services.cycle_update(cycle=cycle, **{
                    k: form.cleaned_data[k] for k in form.changed_data
                })
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Cycle saved."))
                return redirect("hubs:cycle", slug=hub.slug, cycle_id=cycle.pk)
    search = OfferSearchForm(request.GET)
    q = search.cleaned_data["q"].strip() if search.is_valid() else ""
    if search.errors:
        messages.error(request, " ".join(search.errors["q"]))
    offers = cycle_offers(cycle=cycle)
    if q:
        offers = offers.filter(
            Q(stockrecord__product__parent__title__icontains=q)
            | Q(stockrecord__partner_sku__icontains=q)
            | Q(supplier__producer__name__icontains=q)
        )
    page = Paginator(offers, OFFERS_PER_PAGE).get_page(request.GET.get("page"))
    page_offers = list(page.object_list)
    prices = cycle_prices(cycle=cycle, offers=page_offers)
    formset = OfferFormSet(
        initial=[
            {"offer_id": o.id, "cap": o.cap, "markup_percent": o.markup_percent,
             "hub_price": o.hub_price}
            for o in page_offers
        ],
        prefix="offers",
    )
    linked = HubProducer.objects.filter(hub=hub, status=HubProducer.Status.ACTIVE).values(
        "producer"
    )
    context = {
        "cycle": cycle, "form": form, "page": page, "q": q,
        "rows": [(o, f, prices[o.id]) for o, f in zip(page_offers, formset.forms, strict=True)],
        "formset": formset,
        "suppliers": CycleSupplier.objects.filter(cycle=cycle).select_related("producer")
        .annotate(offer_count=Count("offers")).order_by("producer__name"),
        "add_producer": AddProducerForm(producers=Producer.objects.filter(pk__in=linked)),
        "fees": CycleFee.objects.filter(cycle=cycle).select_related("delivery_zone"),
        "fee_form": FeeForm(hub=hub, prefix="fee"),
        "windows": CycleWindow.objects.filter(cycle=cycle).select_related(
            "pickup_point", "delivery_zone"
        ),
        "window_form": WindowForm(hub=hub, prefix="window"),
        "clone_form": CloneForm(prefix="clone"),
        "reopen_form": ReopenForm(prefix="reopen"),
        "locked": cycle.is_locked,
    }
    return _render(request, hub, "hubs/cycle_edit.html", context)


def _back(hub, cycle, request=None):
    """Back to the editor, on the page and search it was showing (`next_query`)."""
    response = redirect("hubs:cycle", slug=hub.slug, cycle_id=cycle.pk)
    if request is not None:
        query = _editor_place(request.POST.get("next_query", ""))
        if query:
            response["Location"] += "?" + query
    return response


def _editor_place(next_query: str) -> str:
    """The posted `next_query` reduced to a valid page number and search, encoded again: the
    posted text itself never reaches the Location header (CR/LF, other parameters)."""
    form = EditorPlaceForm(QueryDict(next_query))
    form.is_valid()  # keeps the fields that are valid
    kept = form.cleaned_data
    return urlencode([(name, kept[name]) for name in ("page", "q") if kept.get(name)])


@login_required
@require_POST
def cycle_action(request, slug: str, cycle_id: int, action: str):
    """Publish, close now, reopen or clone."""
    hub, cycle = _cycle(request, slug, cycle_id)
    try:
        with timezone.override(hub.time_zone):
            if action == "publish":
                transitions.cycle_publish(cycle=cycle)
                messages.success(request, _("Cycle published."))
            elif action == "close":
                transitions.cycle_close_now(cycle=cycle)
                messages.success(request, _("Cycle closed."))
            elif action == "reopen":
                form = ReopenForm(request.POST, prefix="reopen")
                if not form.is_valid():
                    raise ValidationError(_("Give the new closing time."))
                transitions.cycle_reopen(cycle=cycle, **form.cleaned_data)
                messages.success(request, _("Cycle reopened."))
            elif action == "clone":
                form = CloneForm(request.POST, prefix="clone")
                if not form.is_valid():
                    raise ValidationError(_("Give the opening time of the copy."))
                clone = cycle_services.cycle_clone(cycle=cycle, **form.cleaned_data)
                messages.success(request, _("Cycle copied: check it, then publish it."))
                return redirect("hubs:cycle", slug=hub.slug, cycle_id=clone.pk)
            else:
                raise ValidationError(_("Unknown action."))
    except ValidationError as exc:
        _errors(request, exc)
    return _back(hub, cycle)


@login_required
@require_POST
def cycle_producer_add(request, slug: str, cycle_id: int):
    """Add all of a producer's active products to the cycle in one action."""
    hub, cycle = _cycle(request, slug, cycle_id)
    linked = HubProducer.objects.filter(hub=hub, status=HubProducer.Status.ACTIVE).values(
        "producer"
    )
    form = AddProducerForm(request.POST, producers=Producer.objects.filter(pk__in=linked))
    if form.is_valid():
        try:
            added = cycle_services.cycle_offers_add(
                cycle=cycle, producer=form.cleaned_data["producer"]
            )
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("%(count)s products added.") % {"count": added})
    else:
        messages.error(request, _("Choose a producer that supplies this hub."))
    return _back(hub, cycle)


@login_required
@require_POST
def cycle_supplier_edit(request, slug: str, cycle_id: int, supplier_id: int):
    """Save a producer's drop-off and markup, or remove the producer from the cycle."""
    hub, cycle = _cycle(request, slug, cycle_id)
    supplier = get_object_or_404(CycleSupplier, pk=supplier_id, cycle=cycle)
    try:
        if request.POST.get("remove"):
            cycle_services.cycle_supplier_remove(cycle=cycle, supplier=supplier)
            messages.success(request, _("Producer removed from the cycle."))
        else:
            form = DropoffForm(request.POST, prefix=f"s{supplier.pk}")
            if not form.is_valid():
                raise ValidationError(" ".join(
                    str(e) for errors in form.errors.values() for e in errors
                ))
            cycle_services.cycle_supplier_add(
                cycle=cycle, producer=supplier.producer, **form.cleaned_data
            )
            messages.success(request, _("Drop-off saved."))
    except ValidationError as exc:
        _errors(request, exc)
    return _back(hub, cycle)


@login_required
@require_POST
def cycle_offers_save(request, slug: str, cycle_id: int):
    """Save one page of offers (caps, markups, hub prices, removals), all or nothing."""
    hub, cycle = _cycle(request, slug, cycle_id)
    formset = OfferFormSet(request.POST, prefix="offers")
    if not formset.is_valid():
        messages.error(request, _("Nothing was saved: caps, markups and prices cannot be "
                                  "negative."))
        return _back(hub, cycle, request)
    rows = [f.cleaned_data for f in formset.forms]
    try:
        with_changes = {
            r["offer_id"]: {"cap": r["cap"], "markup_percent": r["markup_percent"],
                            "hub_price": r["hub_price"]}
            for r in rows if not r["remove"]
        }
        cycle_services.cycle_offers_update(cycle=cycle, changes=with_changes)
        removed = [r["offer_id"] for r in rows if r["remove"]]
        if removed:
            cycle_services.cycle_offers_remove(cycle=cycle, offer_ids=removed)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Products saved."))
    return _back(hub, cycle, request)


def _delete_row(request, cycle, model, service, id_kwarg: str) -> None:
    """Delete one fee or window of the cycle through its service (which checks the lock)."""
    form = RowIdForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was removed: unknown item."))
        return
    row = get_object_or_404(model, pk=form.cleaned_data["delete"], cycle=cycle)
    try:
        service(cycle=cycle, **{id_kwarg: row.pk})
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Removed."))


@login_required
@require_POST
def cycle_fee_add(request, slug: str, cycle_id: int):
    hub, cycle = _cycle(request, slug, cycle_id)
    if "delete" in request.POST:
        _delete_row(request, cycle, CycleFee, cycle_services.cycle_fee_delete, "fee_id")
        return _back(hub, cycle)
    form = FeeForm(request.POST, hub=hub, prefix="fee")
    if form.is_valid():
        try:
            cycle_services.cycle_fee_save(cycle=cycle, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Fee added: shopper prices are updated below."))
    else:
        messages.error(request, " ".join(str(e) for es in form.errors.values() for e in es))
    return _back(hub, cycle)


@login_required
@require_POST
def cycle_window_add(request, slug: str, cycle_id: int):
    hub, cycle = _cycle(request, slug, cycle_id)
    if "delete" in request.POST:
        _delete_row(request, cycle, CycleWindow, cycle_services.cycle_window_delete, "window_id")
        return _back(hub, cycle)
    form = WindowForm(request.POST, hub=hub, prefix="window")
    if form.is_valid():
        try:
            cycle_services.cycle_window_save(cycle=cycle, **form.cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Window added."))
    else:
        messages.error(request, " ".join(str(e) for es in form.errors.values() for e in es))
    return _back(hub, cycle)


@login_required
@require_GET
def cycle_preview(request, slug: str, cycle_id: int):
    """Live preview: shopper prices of the given offers with a markup typed but not saved."""
    hub, cycle = _cycle(request, slug, cycle_id)
    form = PreviewForm(request.GET)
    if not form.is_valid():
        return JsonResponse(form.errors, status=400)
    markup = form.cleaned_data["markup_percent"]
    ids = form.cleaned_data["offers"]
    if markup is not None:
        cycle.markup_percent = markup  # in memory only
    offers = list(cycle_offers(cycle=cycle).filter(pk__in=ids))
    prices = cycle_prices(cycle=cycle, offers=offers)
    return JsonResponse({
        str(offer_id): breakdown.as_dict() for offer_id, breakdown in prices.items()
    })


# --- hub settings, places, payment methods ---------------------------------------------------

PLACE_FORMS = {
    "pickup": (PickupPoint, PickupPointForm),
    "zone": (DeliveryZone, DeliveryZoneForm),
    "payment": (PaymentMethod, PaymentMethodForm),
}


@login_required
def hub_settings(request, slug: str):
    """The hub's profile, legal identity and settings, pickup points, zones and payments."""
    hub = hub_for_manager(user=request.user, slug=slug)
    action = request.POST.get("action") if request.method == "POST" else None
    # The form edits its own copy: an invalid time zone must not reach the page's rendering.
    form = HubProfileForm(
        request.POST if action == "profile" else None,
        request.FILES if action == "profile" else None,
        instance=Hub.objects.get(pk=hub.pk), prefix="hub",
    )
    place_forms = {
        key: form_class(request.POST if action == key else None, prefix=key)
        for key, (_model, form_class) in PLACE_FORMS.items()
    }
    if action == "profile" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "logo" or v}
        try:
            services.hub_update(hub=form.instance, **fields)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Hub saved."))
            return redirect("hubs:settings", slug=hub.slug)
    elif action in PLACE_FORMS and place_forms[action].is_valid():
        model, _form = PLACE_FORMS[action]
        try:
            services.hub_place_save(hub=hub, model=model, **place_forms[action].cleaned_data)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("hubs:settings", slug=hub.slug)
    elif action and action.startswith("remove-"):
        kind = action.removeprefix("remove-")
        row_id = posted_id(request.POST, "id")
        if kind not in PLACE_FORMS or row_id is None:
            messages.error(request, _("Nothing was removed: unknown item."))
            return redirect("hubs:settings", slug=hub.slug)
        model, _form = PLACE_FORMS[kind]
        instance = get_object_or_404(model, pk=row_id, hub=hub)
        outcome = services.hub_place_remove(hub=hub, instance=instance)
        messages.success(request, _("Removed.") if outcome == "deleted"
                         else _("In use by a cycle: deactivated instead."))
        return redirect("hubs:settings", slug=hub.slug)
    return _render(request, hub, "hubs/settings.html", {
        "form": form, "place_forms": place_forms,
        "pickup_points": hub.pickup_points.all(), "zones": hub.delivery_zones.all(),
        "payments": hub.payment_methods.all(),
    })


@login_required
def hub_producers(request, slug: str):
    """Relationships with producers: invite, accept requests, end."""
    hub = hub_for_manager(user=request.user, slug=slug)
    links = HubProducer.objects.filter(hub=hub).select_related("producer").order_by(
        "status", "producer__name"
    )
    invitable = Producer.objects.filter(is_visible=True).exclude(
        pk__in=links.filter(status__in=[HubProducer.Status.ACTIVE, HubProducer.Status.INVITED])
        .values("producer")
    )
    form = InviteProducerForm(request.POST or None, producers=invitable)
    if request.method == "POST":
        try:
            if "link" in request.POST:
                link_id = posted_id(request.POST, "link")
                if link_id is None:
                    raise ValidationError(_("Unknown relationship."))
                link = get_object_or_404(HubProducer, pk=link_id, hub=hub)
                if request.POST.get("do") == "accept":
                    services.relationship_accept(link=link, by="hub")
                    messages.success(request, _("%(producer)s now supplies your hub.")
                                     % {"producer": link.producer.name})
                else:
                    services.relationship_end(link=link, by="hub")
                    messages.success(request, _("Relationship ended."))
            elif form.is_valid():
                services.relationship_request(hub=hub, producer=form.cleaned_data["producer"],
                                              by="hub")
                messages.success(request, _("Invitation sent."))
            else:
                raise ValidationError(_("Choose a producer."))
        except ValidationError as exc:
            _errors(request, exc)
        return redirect("hubs:producers", slug=hub.slug)
    return _render(request, hub, "hubs/producers.html", {"links": links, "form": form})


@login_required
def hub_team(request, slug: str):
    """The hub's managers: roles and invitations (see teams.views.team_page)."""
    hub = hub_for_manager(user=request.user, slug=slug)
    with timezone.override(hub.time_zone):
        return team_page(request, team=hub, template="hubs/team.html", context={"hub": hub},
                         home_url=reverse("hubs:home"))


@login_required
def hub_invitation_accept(request, token: str):
    return invitation_page(
        request, token, model=HubInvitation, title=_("Join a hub's team"),
        done_url=lambda hub: reverse("hubs:detail", args=[hub.slug]), home_url=reverse("hubs:home"),
    )
