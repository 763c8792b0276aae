"""A real SMTP server for the mail tests: aiosmtpd (Debian's python3-aiosmtpd), with a handler
that stores every message it accepts as one JSON file (headers and decoded text and HTML parts)
in a directory, and refuses recipients whose local part starts with "reject" (550).

Run as: /usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtp_sink.Sink DIR
(with this directory on PYTHONPATH)."""

import email
import email.policy
import json
import os
import uuid


class Sink:
    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("Sink takes one argument: the directory to store messages in")
        return cls(args[0])

    def __init__(self, directory):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.split("@")[0].startswith("reject"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        stored = {
            "envelope_from": envelope.mail_from,
            "envelope_to": envelope.rcpt_tos,
            "from": str(message["From"]),
            "to": str(message["To"]),
            "subject": str(message["Subject"]),
            "message_id": str(message["Message-ID"]),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        name = uuid.uuid4().hex
        partial = os.path.join(self.directory, name + ".tmp")
        with open(partial, "w") as f:
            json.dump(stored, f)
        os.rename(partial, os.path.join(self.directory, name + ".json"))
        return "250 Message accepted for delivery"
