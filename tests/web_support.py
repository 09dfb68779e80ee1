"""What the Flask tests share: a page parsed as HTML, an element's text."""

from __future__ import annotations

import lxml.html


def page(client, url: str, status: int = 200) -> lxml.html.HtmlElement:
    response = client.get(url)
    assert response.status_code == status, response.data.decode()[:500]
    return lxml.html.fromstring(response.data.decode())


def text(element) -> str:
    return element.text_content().strip()
