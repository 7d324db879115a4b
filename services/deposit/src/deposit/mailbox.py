"""Reading a mail catcher's mailbox (MailDev for ``make up``, Mailpit in docker-compose) over its REST API:
what ``make seed`` and ``make demo`` do in place of the demo people, who would read their invitation and
sign-in mails themselves (docs/authority.md). Also used by the test suite."""

import re
import time
from dataclasses import dataclass

import httpx

ONE_TIME_CODE = re.compile(r'"code": "([A-Za-z0-9_-]{20,})"')


@dataclass(frozen=True)
class Mail:
    to: tuple[str, ...]
    subject: str
    text: str
    html: str
    message_id: str


def code_in(mail: Mail) -> str | None:
    """The one-time code an account mail carries (``notification``'s ``compte`` template)."""
    found = ONE_TIME_CODE.search(mail.text)
    return found.group(1) if found else None


class Mailbox:
    def __init__(self, api_url: str, kind: str = "maildev"):
        self.kind = kind
        self.http = httpx.Client(base_url=api_url, timeout=10)

    def messages(self) -> list[Mail]:
        if self.kind == "maildev":
            return [
                Mail(
                    tuple(a["address"] for a in m["to"]),
                    m["subject"],
                    m.get("text") or "",
                    m.get("html") or "",
                    m.get("messageId", ""),
                )
                for m in self.http.get("/email").json()
            ]
        found = []
        for summary in self.http.get("/api/v1/messages", params={"limit": 1000}).json()["messages"]:
            m = self.http.get(f"/api/v1/message/{summary['ID']}").json()
            found.append(Mail(tuple(a["Address"] for a in m["To"]), m["Subject"], m["Text"], m["HTML"], m["MessageID"]))
        return found

    def codes(self, email: str) -> list[str]:
        return [code for mail in self.messages() if email in mail.to and (code := code_in(mail)) is not None]

    def wait_code(self, email: str, after: int, timeout: float = 60.0) -> str:
        """The newest code mailed to ``email`` once more than ``after`` arrived."""
        deadline = time.monotonic() + timeout
        while True:
            codes = self.codes(email)
            if len(codes) > after:
                return codes[-1]
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"no one-time code reached {email} within {timeout:.0f} s (an address is sent one code a minute "
                    "at most: if you asked for one just before, try again in a minute)"
                )
            time.sleep(0.3)

    def close(self) -> None:
        self.http.close()
