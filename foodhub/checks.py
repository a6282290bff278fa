"""System checks of the wiring package."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Warning


def trusted_proxies_check(app_configs=None, **kwargs):
    """Behind a proxy with none trusted, every client shares its address: warn at start-up."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.FOODHUB_TRUSTED_PROXIES:
        return [Warning(
            "FOODHUB_TRUSTED_PROXIES is empty although the site expects a proxy in front "
            "(SECURE_PROXY_SSL_HEADER): every client would then have the proxy's address, and "
            "a few failed logins would lock everyone out of logging in.",
            hint="Set FOODHUB_TRUSTED_PROXIES to the proxy's address or network "
                 "(e.g. 172.18.0.0/16), or serve the site without a proxy.",
            id="foodhub.W001",
        )]
    return []


def private_root_check(app_configs=None, **kwargs):
    """Private files (imports, invoices, purchase orders, bundles) under a served directory
    would be public: the proxy serves MEDIA_ROOT and STATIC_ROOT as they are."""
    from pathlib import Path

    private = Path(settings.STORAGES["private"]["OPTIONS"]["location"]).resolve()
    errors = []
    for name in ("MEDIA_ROOT", "STATIC_ROOT"):
        served = getattr(settings, name, None)
        if not served:
            continue
        served = Path(served).resolve()
        if private == served or served in private.parents or private in served.parents:
            errors.append(Error(
                f"PRIVATE_ROOT ({private}) and {name} ({served}) overlap: private files "
                "(imports, invoices, purchase orders, invoice bundles) would be served to "
                "anyone, or public files hidden.",
                hint=f"Give PRIVATE_ROOT a directory outside {name}.",
                id="foodhub.E001",
            ))
    return errors
