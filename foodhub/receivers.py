"""Signal receivers of the wiring package: each calls one service, no logic of its own."""

from __future__ import annotations

from foodhub.services import api_tokens_revoke_all


def revoke_api_tokens_on_password_change(sender, instance, created, update_fields=None, **kwargs):
    """A new password (set by its owner, a reset link or an admin) revokes every API token.

    Django keeps the raw password in `_password` from `set_password()` until the save, and
    clears it before saving a mere hash upgrade at login, so a login never revokes anything.
    Disabling password logins (an unusable password) revokes them too.
    """
    if created:
        return
    password_set = getattr(instance, "_password", None) is not None
    password_saved = update_fields is None or "password" in update_fields
    if password_set or (password_saved and not instance.has_usable_password()):
        api_tokens_revoke_all(user=instance)
