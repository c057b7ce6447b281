"""An aiosmtpd handler for agent-ops tests: a real SMTP server (aiosmtpd) that files every
message it accepts into a Maildir (a provider's Sent mailbox, served by dovecot) and tells the
test, on stdout, how far each transaction got, so a test can kill a client at a chosen moment.

Configured by environment: AGENT_OPS_SMTP_MAILDIR (optional), AGENT_OPS_SMTP_RCPT_DELAY_MS,
AGENT_OPS_SMTP_DATA_DELAY_MS (a slow server: time before answering RCPT TO, and between storing
a message and answering the final dot, as a real server's checks and queueing take).

Lines: "rcpt <address>", "stored <message-id>", "answered <message-id>", one per event.
"""

import asyncio
import mailbox
import os
import sys
from email.parser import BytesHeaderParser


def _ms(name):
    return int(os.environ.get(name, "0")) / 1000.0


def _say(*words):
    print(*words, flush=True)


class SentFiler:
    def __init__(self):
        path = os.environ.get("AGENT_OPS_SMTP_MAILDIR")
        self.sent = mailbox.Maildir(path, create=True) if path else None
        self.rcpt_delay = _ms("AGENT_OPS_SMTP_RCPT_DELAY_MS")
        self.data_delay = _ms("AGENT_OPS_SMTP_DATA_DELAY_MS")

    @classmethod
    def from_cli(cls, parser, *args):
        return cls()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        _say("rcpt", address)
        await asyncio.sleep(self.rcpt_delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        # Called once the final dot has arrived (RFC 5321 4.1.1.4): the message is accepted here.
        content = envelope.original_content or envelope.content
        headers = BytesHeaderParser().parsebytes(content)
        message_id = str(headers.get("Message-ID", "")).strip() or "-"
        if self.sent is not None:
            self.sent.add(content)
        _say("stored", message_id)
        await asyncio.sleep(self.data_delay)
        _say("answered", message_id)
        return "250 Message accepted for delivery"


if __name__ == "__main__":
    sys.exit("run with: python3 -m aiosmtpd -n -c agent_ops_smtp.SentFiler")
