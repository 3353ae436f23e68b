"""Mail backends for tests: a mail server that is down."""

from django.core.mail.backends.base import BaseEmailBackend


class SmtpDown(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")
