"""CMS: Wagtail storefront and content pages, and shopper-facing e-mails."""
