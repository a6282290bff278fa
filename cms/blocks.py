"""The blocks a hub manager builds the storefront page with (in /cms/)."""

from __future__ import annotations

from django import forms
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageBlock

# What managers may put in rich text: no images or embeds (the image block has alt text).
RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "link", "ol", "ul"]


class ProducerChooserBlock(blocks.ChooserBlock):
    """One producer, from a plain list. The page checks it supplies the hub (blocks cannot
    know which page they are on)."""

    @cached_property
    def target_model(self):
        from producers.models import Producer

        return Producer

    @cached_property
    def widget(self):
        return forms.Select()

    @cached_property
    def field(self):
        return forms.ModelChoiceField(
            queryset=self.model_class.objects.filter(is_visible=True).order_by("name"),
            widget=self.widget, required=self._required, validators=self._validators,
            help_text=self._help_text,
        )

    def get_form_state(self, value):
        return blocks.FieldBlock.get_form_state(self, value)

    class Meta:
        icon = "user"


class FigureBlock(blocks.StructBlock):
    image = ImageBlock()
    caption = blocks.CharBlock(label=_("caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "cms/blocks/figure.html"


class ProducerSpotlightBlock(blocks.StructBlock):
    producer = ProducerChooserBlock(
        label=_("producer"), help_text=_("One of the producers supplying your hub.")
    )
    text = blocks.RichTextBlock(label=_("why we love them"), features=RICH_TEXT_FEATURES,
                                required=False)

    class Meta:
        icon = "user"
        label = _("Producer spotlight")
        template = "cms/blocks/producer_spotlight.html"


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("question"), max_length=250)
    answer = blocks.RichTextBlock(label=_("answer"), features=RICH_TEXT_FEATURES)


class FaqBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), required=False, max_length=120,
                             help_text=_("Leave empty for “Frequently asked questions”."))
    questions = blocks.ListBlock(QuestionBlock(), label=_("questions"), min_num=1)

    class Meta:
        icon = "help"
        label = _("Questions and answers")
        template = "cms/blocks/faq.html"


class OpeningHoursRowBlock(blocks.StructBlock):
    days = blocks.CharBlock(label=_("days"), max_length=80, help_text=_("e.g. Thursday"))
    hours = blocks.CharBlock(label=_("hours"), max_length=80, help_text=_("e.g. 17:00–20:00"))


class OpeningHoursBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"), required=False, max_length=120,
                             help_text=_("Leave empty for “Opening hours”."))
    rows = blocks.ListBlock(OpeningHoursRowBlock(), label=_("opening hours"), min_num=1)
    note = blocks.CharBlock(label=_("note"), required=False, max_length=250)

    class Meta:
        icon = "time"
        label = _("Opening hours")
        template = "cms/blocks/opening_hours.html"


class StorefrontBlocks(blocks.StreamBlock):
    text = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES,
                                template="cms/blocks/text.html")
    image = FigureBlock()
    producer_spotlight = ProducerSpotlightBlock()
    faq = FaqBlock()
    opening_hours = OpeningHoursBlock()
