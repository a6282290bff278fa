"""Writes and side effects owned by the storefront."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

from hubs.models import Hub
from hubs.selectors import public_hubs
from producers.models import Producer

from .models import HomePage, HubStorefrontPage, ProducerPage, ProducersIndexPage, WelcomeEmail


def welcome_email_send(*, user_id: int, language: str = "en") -> bool:
    """Send the welcome e-mail, in `language`, exactly once; returns whether it was sent now.

    The claim row makes the task idempotent: a duplicated or retried task finds it and stops.
    """
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    with transaction.atomic():
        claim, created = WelcomeEmail.objects.get_or_create(user=user)
        if not created and claim.sent_at is not None:
            return False
        context = {"user": user, "hubs": list(public_hubs()[:5])}
        with translation.override(language):
            subject = render_to_string("cms/email/welcome_subject.txt", context)
            subject = " ".join(subject.split())  # a name with a line break stays one header line
            body = render_to_string("cms/email/welcome_body.txt", context)
            html = render_to_string("cms/email/welcome_body.html", context)
        message = EmailMultiAlternatives(subject=subject, body=body, to=[user.email])
        message.attach_alternative(html, "text/html")
        message.send()
        claim.mark_sent()
    return True


# --- storefront pages: one per hub, one per producer -------------------------------------------

PRODUCERS_INDEX_SLUG = "producers"
# What a hub's managers may do on their page and below it (no deleting the page itself).
EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "publish_page"]
EDITOR_IMAGE_PERMISSIONS = ["add_image", "change_image", "choose_image"]


def _home() -> HomePage | None:
    # There is at most one (max_count); before the demo or an admin makes it, nothing to hang
    # pages under: `storefronts_backfill` catches up then.
    return HomePage.objects.order_by("pk").first()


def _adopt_or_add(parent: Page, page_model, *, slug: str, link: dict, title: str):
    """The child of `parent` at `slug`: an orphan of `page_model` (its hub or producer was
    deleted) is given back to `link`; any other page there is a clash."""
    existing = Page.objects.child_of(parent).filter(slug=slug).first()
    if existing is not None:
        specific = existing.specific
        if isinstance(specific, page_model) and all(
            getattr(specific, f"{name}_id") is None for name in link
        ):
            for name, value in link.items():
                setattr(specific, name, value)
            specific.save()
            return specific
        raise ValidationError({"slug": _(
            "The address %(url)s is already taken by the page “%(title)s”: choose another "
            "slug.") % {"url": existing.get_url() or slug, "title": existing.title}})
    page = page_model(title=title, slug=slug, **link)
    parent.add_child(instance=page)
    return page


@transaction.atomic
def storefront_ensure(*, hub: Hub) -> HubStorefrontPage | None:
    """Make sure a hub has its storefront page at /<hub slug>/ (idempotent), editable by the
    hub's managers; None while the site has no home page yet.

    Raises ValidationError when another page already answers at that address.
    """
    page = HubStorefrontPage.objects.filter(hub=hub).first()
    if page is None:
        home = _home()
        if home is None:
            return None
        page = _adopt_or_add(home, HubStorefrontPage, slug=hub.slug, link={"hub": hub},
                             title=hub.name)
    storefront_editors_group(hub=hub, page=page)
    return page


@transaction.atomic
def producers_index_ensure() -> ProducersIndexPage | None:
    """The /producers/ page that holds every producer's page (idempotent)."""
    index = ProducersIndexPage.objects.order_by("pk").first()
    if index is None:
        home = _home()
        if home is None:
            return None
        index = ProducersIndexPage(title=_("Our producers"), slug=PRODUCERS_INDEX_SLUG)
        home.add_child(instance=index)
    return index


@transaction.atomic
def producer_page_ensure(*, producer: Producer) -> ProducerPage | None:
    """Make sure a producer has a public page at /producers/<slug>/ (idempotent); None while
    the site has no home page yet."""
    page = ProducerPage.objects.filter(producer=producer).first()
    if page is not None:
        return page
    index = producers_index_ensure()
    if index is None:
        return None
    return _adopt_or_add(index, ProducerPage, slug=producer.slug, link={"producer": producer},
                         title=producer.name)


def storefront_editors_group_name(hub: Hub) -> str:
    return f"Storefront editors: hub {hub.pk}"


def _permissions(app_label: str, codenames: list[str]) -> list[Permission]:
    return list(Permission.objects.filter(content_type__app_label=app_label,
                                          codename__in=codenames))


def storefront_editors_group(*, hub: Hub, page: HubStorefrontPage | None = None) -> Group:
    """The group of a hub's managers in /cms/: it may open the Wagtail admin, edit and publish
    the hub's page and pages below it, and upload and choose pictures in the hub's collection
    (idempotent; page rights once the page exists)."""
    group, _created = Group.objects.get_or_create(name=storefront_editors_group_name(hub))
    group.permissions.add(*_permissions("wagtailadmin", ["access_admin"]))
    page = page or HubStorefrontPage.objects.filter(hub=hub).first()
    if page is None:
        return group
    for permission in _permissions("wagtailcore", EDITOR_PAGE_PERMISSIONS):
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)
    if page.collection_id is None:
        page.collection = Collection.get_first_root_node().add_child(
            name=f"{hub.name} ({hub.slug})"[:255])
        HubStorefrontPage.objects.filter(pk=page.pk).update(collection=page.collection)
    for permission in _permissions("wagtailimages", EDITOR_IMAGE_PERMISSIONS):
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection_id=page.collection_id, permission=permission)
    return group


def storefront_editors_sync(*, team, user, is_member: bool) -> None:
    """A hub's managers are its storefront editors: registered with
    `teams.services.register_membership_handler`, called where role groups are kept in step."""
    if not isinstance(team, Hub):
        return
    group = storefront_editors_group(hub=team)
    if is_member:
        user.groups.add(group)
    else:
        user.groups.remove(group)


def storefront_for_new_hub(hub: Hub) -> None:
    """Registered with `hubs.services.register_hub_created_handler`."""
    storefront_ensure(hub=hub)


def producer_page_for_new_producer(producer: Producer) -> None:
    """Registered with `producers.services.register_producer_created_handler`."""
    producer_page_ensure(producer=producer)


def storefronts_backfill() -> dict:
    """Pages for every hub and producer that has none yet (after a deploy, or once the home
    page exists), and every hub's managers in its editors group. Idempotent; a hub or producer
    whose address is taken by another page is skipped and reported in "clashes"."""
    made = {"hubs": 0, "producers": 0, "clashes": []}
    if _home() is None:
        return made
    with_hub = HubStorefrontPage.objects.filter(hub__isnull=False).values("hub_id")
    with_producer = ProducerPage.objects.filter(producer__isnull=False).values("producer_id")
    missing = [
        *((storefront_ensure, "hub", hub, "hubs")
          for hub in Hub.objects.exclude(pk__in=with_hub).order_by("pk")),
        *((producer_page_ensure, "producer", producer, "producers")
          for producer in Producer.objects.exclude(pk__in=with_producer).order_by("pk")),
    ]
    for ensure, keyword, obj, kind in missing:
        try:
            with transaction.atomic():
                ensure(**{keyword: obj})
        except ValidationError:
            made["clashes"].append(f"{keyword} {obj.slug}")
        else:
            made[kind] += 1
    with transaction.atomic():
        for hub in Hub.objects.prefetch_related("memberships"):
            group = storefront_editors_group(hub=hub)
            group.user_set.add(*[m.user_id for m in hub.memberships.all()])
    return made
