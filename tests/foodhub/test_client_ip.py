"""The client's address: X-Forwarded-For is believed only from a trusted proxy."""

import pytest
from django.test import RequestFactory

from foodhub.client_ip import client_ip


def request(remote="203.0.113.9", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_no_trusted_proxy_means_the_header_is_ignored(settings):
    settings.FOODHUB_TRUSTED_PROXIES = []
    assert client_ip(request(forwarded="198.51.100.1")) == "203.0.113.9"


def test_a_request_not_from_the_proxy_ignores_the_header(settings):
    settings.FOODHUB_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request(forwarded="198.51.100.1")) == "203.0.113.9"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.1", "198.51.100.1"),
        # Anything left of what our proxy appended may be forged.
        ("1.2.3.4, 198.51.100.1", "198.51.100.1"),
        # Two proxies of ours: the first untrusted address from the right.
        ("198.51.100.1, 10.0.0.7", "198.51.100.1"),
        ("garbage, 198.51.100.1", "198.51.100.1"),
        ("198.51.100.1:5555", "198.51.100.1"),
        ("2001:db8::5", "2001:db8::5"),
        ("[2001:db8::5]:443", "2001:db8::5"),
        ("", "10.0.0.2"),
        ("not-an-ip", "10.0.0.2"),
    ],
)
def test_behind_the_trusted_proxy_the_rightmost_untrusted_address_is_the_client(
    settings, forwarded, expected
):
    settings.FOODHUB_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(request(remote="10.0.0.2", forwarded=forwarded)) == expected


def test_a_single_proxy_address_can_be_trusted(settings):
    settings.FOODHUB_TRUSTED_PROXIES = ["10.0.0.2"]
    assert client_ip(request(remote="10.0.0.2", forwarded="198.51.100.1")) == "198.51.100.1"
    assert client_ip(request(remote="10.0.0.3", forwarded="198.51.100.1")) == "10.0.0.3"


@pytest.mark.django_db
@pytest.mark.parametrize("remote", [None, "", "unknown", "not-an-ip"])
def test_a_login_without_a_usable_peer_address_is_refused_cleanly(remote):
    """A request with no valid REMOTE_ADDR (schemathesis' WSGI client sends none) must get a
    normal answer, not a 500 from PostgreSQL's inet column where failed logins are kept."""
    from rest_framework.test import APIClient

    from foodhub.client_ip import UNKNOWN_CLIENT, client_ip

    extra = {} if remote is None else {"REMOTE_ADDR": remote}
    request = RequestFactory().get("/", **extra)
    if remote is None:
        request.META.pop("REMOTE_ADDR", None)
    assert client_ip(request) == UNKNOWN_CLIENT
    response = APIClient().post("/api/v1/auth/token/",
                                {"email": "nobody@example.com", "password": "wrong"},
                                format="json", **extra)
    assert response.status_code == 400
