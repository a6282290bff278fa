"""The OpenAPI schema's error answers (drf-spectacular; `REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]`).

Views declare their success answers, and the errors peculiar to them with a description
(`404: OpenApiResponse(description="...")`), in `@extend_schema`. This schema class adds the
body of every error answer and the errors that every view of a kind gives, by rule, so a new
endpoint cannot forget them:

- 400 `{field: [messages]}` (`non_field_errors` for the whole object, `detail` for a body
  that cannot be read): the method has a body (POST, PUT, PATCH) or the view declares query
  parameters;
- 401 `{detail}`: the view authenticates (no token where one is needed; a bad or expired
  token anywhere);
- 403 `{detail}`: unsafe methods (a session caller without a CSRF token; token callers never
  see it);
- 404 `{detail}`: a path with ids (no such object, or another tenant's) or a paginated list
  (`?page=` past the end);
- 415 `{detail}`: the method documents a request body (sent in another media type);
- 429 `{detail}`: the view throttles.

The schemathesis run (tests/foodhub/test_api_fuzz.py) fails on any answer this does not
describe, so the rules stay true.
"""

from __future__ import annotations

import uritemplate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS

BODY_METHODS = ("POST", "PUT", "PATCH")


class ErrorSerializer(serializers.Serializer):
    """Any error but invalid input: `detail` says why."""

    detail = serializers.CharField()


class ValidationErrorSerializer(serializers.Serializer):
    """Invalid input: each field with its messages (its schema is ValidationErrorExtension's)."""


class ValidationErrorExtension(OpenApiSerializerExtension):
    target_class = ValidationErrorSerializer

    def get_name(self, auto_schema, direction):
        return "ValidationError"

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "description": (
                "Each invalid field with a list of messages; `non_field_errors` for the whole "
                "object. Nested input (a list of variants) answers in the same shape, by index. "
                "A body that cannot be read at all answers `{detail}`."
            ),
            "additionalProperties": {
                "anyOf": [{"type": "array", "items": {}}, {"type": "object"}, {"type": "string"}],
            },
            "example": {"name": ["This field is required."],
                        "non_field_errors": ["Opening must come before closing."]},
        }


def _response(serializer, description) -> OpenApiResponse:
    return OpenApiResponse(response=serializer, description=description)


RULES = {
    "400": _response(ValidationErrorSerializer, _("Invalid input.")),
    "401": _response(ErrorSerializer, _("Not authenticated: no token where one is needed, or a "
                                        "bad or expired token.")),
    "403": _response(ErrorSerializer, _("Refused: a session caller without a CSRF token.")),
    "404": _response(ErrorSerializer, _("Not found: no such object, or another tenant's "
                                        "(never 403, which would tell it exists).")),
    "415": _response(ErrorSerializer, _("Unsupported media type for the request body.")),
    "429": _response(ErrorSerializer, _("Too many requests: wait and try again.")),
}


class FoodhubAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, adding the error answers described above."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._rule_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(RULES[code], code)
        for code, response in responses.items():
            # A view names an error and says why; its body is the standard one.
            if code[0] in "45" and "content" not in response:
                shape = ValidationErrorSerializer if code == "400" else ErrorSerializer
                standard = self._get_response_for_code(
                    _response(shape, response["description"]), code
                )
                response.update(standard)
        return dict(sorted(responses.items()))

    def _rule_codes(self) -> list[str]:
        view = self.view
        codes = []
        has_body = self.method in BODY_METHODS
        if has_body or self._declares_query_parameters():
            codes.append("400")
        authenticators = view.get_authenticators()
        if authenticators:
            codes.append("401")
        if self.method not in SAFE_METHODS and any(
            isinstance(a, SessionAuthentication) for a in authenticators
        ):
            codes.append("403")
        if uritemplate.variables(self.path) or (
            self._is_list_view() and self._get_paginator() is not None
        ):
            codes.append("404")
        if has_body and self._get_request_body() is not None:
            codes.append("415")
        if view.get_throttles():
            codes.append("429")
        return codes

    def _declares_query_parameters(self) -> bool:
        return any(
            getattr(parameter, "location", None) == "query"
            for parameter in self.get_override_parameters()
        )
